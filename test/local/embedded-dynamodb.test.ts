import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../../lib/local/runtime.js';

describe('embedded DynamoDB', () => {
  it('keeps data under BEDROCK_COST_DATA_DIR across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-dyn-'));
    const env = { BEDROCK_COST_DATA_DIR: dataDir, BEDROCK_COST_TABLE: 'persist-test' };
    // Prepare: write a team profile, then stop.
    const first = await createLocalRuntime({ env });
    await first.deps.store.write({ key: { pk: 'TEAM#search', sk: 'PROFILE' }, put: { budgetUsd: '5000' } });
    await first.close();
    // Act: start again on the same directory.
    const second = await createLocalRuntime({ env });
    const item = await second.deps.store.get({ pk: 'TEAM#search', sk: 'PROFILE' });
    await second.close();
    // Assess
    expect(item?.budgetUsd).toBe('5000');
  });
});

describe('embedded DynamoDB shared between processes', () => {
  it('lets a second command share the running server instead of failing on the LevelDB lock', async () => {
    const { startEmbeddedDynamo } = await import('../../lib/local/embedded-dynamodb.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-share-'));
    const owner = await startEmbeddedDynamo(dataDir);
    try {
      const second = await startEmbeddedDynamo(dataDir);
      expect(second.shared).toBe(true);
      expect(second.endpoint).toBe(owner.endpoint);
      await second.close();
    } finally {
      await owner.close();
    }
    // Once the owner stops, the folder is free again.
    const next = await startEmbeddedDynamo(dataDir);
    expect(next.shared).toBe(false);
    await next.close();
  });

  it('says the folder is in use, in one friendly line, when the owner serves no endpoint', async () => {
    const { rmSync } = await import('node:fs');
    const { startEmbeddedDynamo, EmbeddedDynamoError } = await import('../../lib/local/embedded-dynamodb.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-locked-'));
    const owner = await startEmbeddedDynamo(dataDir);
    rmSync(join(dataDir, 'dynamodb.endpoint'));
    try {
      const error = await startEmbeddedDynamo(dataDir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedDynamoError);
      expect((error as Error).message).toBe(
        `The data folder ${dataDir} is in use by another bedrock-cost process.`,
      );
    } finally {
      await owner.close();
    }
  });
});
