import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../../lib/runtime.js';

describe('embedded DynamoDB', () => {
  it('keeps data under BEDROCK_COST_DATA_DIR across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-dyn-'));
    const env = { BEDROCK_COST_DATA_DIR: dataDir, BEDROCK_COST_TABLE: 'persist-test' };
    // Prepare: write a team profile, then stop.
    const first = await createLocalRuntime({ env });
    await first.deps.store.db.send(
      new PutCommand({
        TableName: first.deps.store.table,
        Item: { pk: 'TEAM#search', sk: 'PROFILE', budgetUsd: '5000' },
      }),
    );
    await first.close();
    // Act: start again on the same directory.
    const second = await createLocalRuntime({ env });
    const { Item } = await second.deps.store.db.send(
      new GetCommand({ TableName: second.deps.store.table, Key: { pk: 'TEAM#search', sk: 'PROFILE' } }),
    );
    await second.close();
    // Assess
    expect(Item?.budgetUsd).toBe('5000');
  });
});
