import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import type { CompareData } from '../../lib/pricing/compare.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('compare', () => {
  let dynamo: TestDynamo;
  let ctx: CommandContext;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    ctx = {
      deps: testDeps({ store: dynamo.store }),
      caller: { platform: 'slack', userId: 'U1', isAdmin: false },
    };
  });
  afterAll(() => dynamo.close());
  const run = (text: string) => executeLine(text, ctx);

  it('ranks text models cheapest first, with cost per month and per 1,000 requests', async () => {
    const result = await run('compare claude-sonnet-4-5 2000 in 500 out 10k/day');
    const d = result.data as CompareData;
    expect(d).toMatchObject({
      modality: 'text',
      reference: 'claude-sonnet-4-5',
      region: 'us-east-1',
      currency: 'USD',
    });
    const monthly = d.models.map((m) => m.monthlyUsd);
    expect(monthly).toEqual([...monthly].sort((a, b) => a - b));
    expect(d.models.map((m) => m.rank)).toEqual(d.models.map((_, i) => i + 1));
    const sonnet = d.models.find((m) => m.key === 'claude-sonnet-4-5')!;
    // Claude Sonnet 4.5 on its cheapest route (global): $4,106.25, $13.50 per 1,000 requests.
    expect(sonnet).toMatchObject({ monthlyUsd: 4106.25, per1kRequestsUsd: 13.5, route: 'global' });
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toMatch(
      /^Claude Sonnet 4\.5 ranks \d+ of \d+ at \$4,106 a month; .+ is cheapest at \$/,
    );
    // The top 10 plus the reference model.
    expect(text).toMatch(
      /\n\s*\d+\s+Claude Sonnet 4\.5\s+Anthropic\s+\$4,106\s+\$13\.50\s+on-demand \(global\)/,
    );
  });

  it('compares only models that offer the asked mode, and says how many were left out', async () => {
    const d = (await run('compare 800 in 200 out 300k requests/month batch')).data as CompareData;
    expect(d.models.every((m) => m.mode === 'batch')).toBe(true);
    expect(d.models[0]).toMatchObject({ key: 'nova-micro', monthlyUsd: 8.4 });
    expect(d.skipped).toBeGreaterThan(0);
  });

  it('keeps image models among image models', async () => {
    const d = (await run('compare nova-canvas 1000 images/day')).data as CompareData;
    expect(d.modality).toBe('image');
    expect(d.models.find((m) => m.key === 'nova-canvas')).toMatchObject({ per1kRequestsUsd: 40 });
    expect(d.models.some((m) => m.key === 'nova-micro')).toBe(false);
  });

  it('reads an option word after the model name as an option, not as part of the name', async () => {
    const d = (await run('compare nova-canvas premium 1000 images/day')).data as CompareData;
    expect(d.models.find((m) => m.key === 'nova-canvas')).toMatchObject({ per1kRequestsUsd: 60 });
  });

  it('asks for the workload when neither a model nor tokens are given', async () => {
    await expect(run('compare 10k/day')).rejects.toThrow(
      /^Which workload\? Give a model or the tokens per request/,
    );
  });

  it('shows a compare example, not an estimate one, in workload errors', async () => {
    for (const line of ['compare', 'compare 2000 in 500 out 10k/fortnight']) {
      const error = await run(line).then(
        () => new Error('no error'),
        (e: unknown) => e as Error,
      );
      expect(error.message).toMatch(/for example: compare claude-sonnet-4-5 2000 in 500 out 10k\/day\.$/);
    }
  });
});
