import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { ParseError } from '../../lib/errors.js';
import { type PricesData, parsePricesQuery } from '../../lib/pricing/prices.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('prices', () => {
  let dynamo: TestDynamo;
  let ctx: CommandContext;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    ctx = {
      deps: testDeps({ store: dynamo.store }),
      caller: { platform: 'teams', userId: 'aad-1', isAdmin: false },
    };
  });
  afterAll(() => dynamo.close());
  const run = (text: string) => executeLine(text, ctx);

  it('shows a model’s rows with where each price came from and as of when', async () => {
    const result = await run('prices sonnet 4.5');
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toBe(
      'Claude Sonnet 4.5 costs from $3.00 per 1M input tokens and $15.00 per 1M output (global.).',
    );
    expect(text).toContain(
      'all Regions · USD per 1M tokens · prices as of 2026-07-24 (LiteLLM third-party snapshot)',
    );
    expect(text).toMatch(
      /global\.\s+\$3\.00\s+\$15\.00\s+\$0\.30\s+\$3\.75 \/ \$6\.00\s+\$1\.50 \/ \$7\.50\s+LiteLLM third-party snapshot 2026-07-24/,
    );
    expect(text).toContain(
      'Billed through AWS Marketplace as the Cost Explorer service "Claude Sonnet 4.5 (Amazon Bedrock Edition)".',
    );
    const d = result.data as PricesData;
    expect(d.prices.find((p) => p.at === 'global')).toMatchObject({
      input: 3,
      output: 15,
      cacheRead: 0.3,
      source: 'litellm',
      asOf: '2026-07-24',
    });
  });

  it('narrows to what a caller in one Region can use: in-region, its geo profile, global', async () => {
    const d = (await run('prices nova-micro region eu-west-1')).data as PricesData;
    expect(d.prices.map((p) => p.at)).toEqual(['eu-west-1', 'eu']);
    const pro = (await run('prices nova pro ap-northeast-1')).data as PricesData;
    expect(pro.prices.find((p) => p.at === 'ap-northeast-1')).toMatchObject({
      input: 0.96,
      output: 3.84,
      source: 'price-list-2026-08-26',
    });
  });

  it('shows provisioned throughput per model-unit hour where published', async () => {
    const d = (await run('prices claude-instant region us-east-1')).data as PricesData;
    expect(d.provisioned).toEqual([
      expect.objectContaining({ at: 'us-east-1', oneMonthHourly: 39.6, sixMonthHourly: 22 }),
    ]);
  });

  it('refuses an unknown Region or a missing model with the accepted form', () => {
    expect(() => parsePricesQuery(['nova-micro', 'region', 'eu-wset-1'])).toThrow(
      /I don't know the Region "eu-wset-1". Did you mean: eu-west-1/,
    );
    expect(() => parsePricesQuery([])).toThrow(ParseError);
  });

  it('answers an unknown model with the closest ones', async () => {
    await expect(run('prices nova mikro')).rejects.toThrow(
      /I don't know the model "nova mikro". Did you mean: nova-micro/,
    );
  });
});
