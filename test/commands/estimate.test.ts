import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { estimateCommand } from '../../lib/commands/estimate.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { NotFoundError, ParseError, UserError } from '../../lib/errors.js';
import { runCli } from '../../lib/local/cli.js';
import type { EstimateData } from '../../lib/pricing/reply.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('estimate', () => {
  let dynamo: TestDynamo;
  let ctx: CommandContext;
  let dataDir: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    ctx = {
      deps: testDeps({ store: dynamo.store }),
      caller: { platform: 'slack', userId: 'U1', isAdmin: false },
    };
    dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-estimate-'));
  });
  afterAll(async () => {
    await dynamo.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const run = (text: string) => executeLine(text, ctx);

  it('answers in the UX.md shape: conclusion, price age, options, cheapest, hidden costs', async () => {
    const result = await run('estimate claude-sonnet-4-5 2000 in 500 out 10k/day');
    const text = renderText(result.reply);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      '10k requests/day on Claude Sonnet 4.5 (2,000 in / 500 out) costs about $4,106 a month on demand.',
    );
    expect(lines[1]).toBe(
      'us-east-1 · prices as of 2026-07-24 (LiteLLM third-party snapshot) · a month is 730 hours',
    );
    expect(text).toMatch(/On-demand, global profile\s+\$4,106\s+\$13\.50\s+routed to any commercial Region/);
    expect(text).toMatch(/On-demand, in-region or us\.\s+\$4,517\s+\$14\.85\s+10% above global/);
    expect(text).toMatch(/Batch\s+\$2,053\s+\$6\.75\s+offline only, results within 24 h/);
    expect(text).toContain('Cheapest: batch, saving $2,053 a month against on-demand (global).');
    expect(text).toContain(
      'Hidden costs not included: knowledge base ($350+/month floor), guardrails, logs.',
    );
  });

  it('returns the docs/interfaces.md estimate data, money rounded to the cent', async () => {
    const { command, data } = await run('estimate claude-sonnet-4-5 2000 in 500 out 10k/day');
    expect(command).toBe('estimate');
    const d = data as EstimateData;
    expect(d).toMatchObject({
      model: {
        id: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
        name: 'Claude Sonnet 4.5',
        provider: 'Anthropic',
        region: 'us-east-1',
      },
      workload: { requestsPerMonth: 304_167, inputTokens: 2000, outputTokens: 500 },
      cheapest: 'batch',
      currency: 'USD',
      pricesAsOf: '2026-07-24',
      priceSource: 'bundled',
      savingUsd: 2053.13,
    });
    expect(d.options.map((o) => o.mode)).toEqual(['on-demand', 'on-demand', 'batch', 'prompt-cache']);
    expect(d.options[0]).toMatchObject({
      mode: 'on-demand',
      route: 'global',
      monthlyUsd: 4106.25,
      per1kRequestsUsd: 13.5,
    });
  });

  it('the other docs/interfaces.md workloads parse and answer', async () => {
    const batch = (await run('estimate nova-micro 300k requests/month 800 in 200 out batch'))
      .data as EstimateData;
    expect(batch).toMatchObject({
      default: 'batch',
      cheapest: 'batch',
      workload: { requestsPerMonth: 300_000 },
    });
    const llama = (
      await run(
        'estimate model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1',
      )
    ).data as EstimateData;
    expect(llama.model).toMatchObject({ name: 'Llama 3.1 70B', region: 'eu-west-1' });
    expect(llama.options.map((o) => o.mode)).toEqual([
      'on-demand',
      'batch',
      'self-hosted-ec2',
      'self-hosted-ec2-spot',
    ]);
    expect(llama.notes.join(' ')).toMatch(/no prompt caching/);
  });

  it('prices hidden costs on their own lines and totals them', async () => {
    const result = await run('estimate sonnet 4.5 3000 in 800 out 2k/day x6 calls kb guardrails logs');
    const d = result.data as EstimateData;
    expect(d.hiddenCosts.map((h) => h.item)).toEqual([
      'knowledge-base',
      'guardrails',
      'logs',
      'agent-fan-out',
    ]);
    const added = d.hiddenCosts
      .filter((h) => !h.includedInOptions)
      .reduce((s, h) => s + Math.round(h.monthlyUsd * 100), 0);
    const base = d.options.find((o) => o.mode === d.default && o.route === d.defaultRoute)!;
    expect(Math.round(d.totalMonthlyUsd * 100)).toBe(Math.round(base.monthlyUsd * 100) + added);
    expect(renderText(result.reply)).toMatch(
      /Knowledge base \(OpenSearch Serverless floor\): \+\$350\.40 a month/,
    );
  });

  it('reads option words after a model name the way the catalog ends the name', async () => {
    // Before the catalog is loaded "premium" could be part of the model's name; the
    // catalog ends the name at nova-canvas, so "premium" is the image quality.
    const d = (await run('estimate nova-canvas premium 2000 images/day')).data as EstimateData;
    expect(d.model).toMatchObject({ name: 'Nova Canvas' });
    const premium = d.options.find((o) => o.mode === d.default)!;
    expect(premium.per1kRequestsUsd).toBe(60);
    const standard = (await run('estimate nova-canvas 2000 images/day')).data as EstimateData;
    expect(standard.options.find((o) => o.mode === standard.default)!.per1kRequestsUsd).toBe(40);
  });

  it('answers an unknown model with the three closest, never a stack trace', async () => {
    const error = await run('estimate sonet 4.5 2000 in 500 out 10k/day').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(
      /^I don't know the model "sonet 4\.5"\. Did you mean: claude-sonnet-4-5, .+, .+\?$/,
    );
  });

  it('refuses bad input with one line each', async () => {
    for (const [text, pattern] of [
      ['estimate nova-micro 800 in 200 out -1/day', /can't be negative/],
      ['estimate nova-micro 800 in 200 out 10k/day region=moon-1', /I don't know the Region "moon-1"/],
      ['estimate command-r 800 in 200 out 10k/day batch', /has no batch inference on Bedrock/],
      ['estimate nova-micro 10k/day', /How many tokens go in and out/],
    ] as const) {
      const error = await run(text).catch((e: unknown) => e);
      expect(error, text).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).not.toContain('\n');
    }
    // Syntax errors are caught at parse time, before any catalog read.
    expect(() => estimateCommand.parse(['nova-micro', '800', 'in', '200', 'out', 'banana'], ctx)).toThrow(
      ParseError,
    );
  });

  it('prints the JSON envelope from the CLI, and exit code 2 with the error on bad input', async () => {
    const io = (out: string[]) => ({
      out: (t: string) => out.push(t),
      err: (t: string) => out.push(t),
      env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', BEDROCK_COST_DATA_DIR: dataDir },
    });
    const out: string[] = [];
    expect(
      await runCli(
        ['estimate', 'claude-sonnet-4-5', '2000', 'in', '500', 'out', '10k/day', '--format', 'json'],
        io(out),
      ),
    ).toBe(0);
    const json = JSON.parse(out.join(''));
    expect(json).toMatchObject({
      ok: true,
      command: 'estimate',
      data: { cheapest: 'batch', currency: 'USD' },
    });
    expect(json.text).toMatch(/^10k requests\/day on Claude Sonnet 4\.5/);
    const bad: string[] = [];
    expect(await runCli(['estimate', 'nova-micro', 'abc/day', '--format', 'json'], io(bad))).toBe(2);
    expect(JSON.parse(bad.join(''))).toMatchObject({ ok: false, error: { code: 'bad_input' } });
  });
});
