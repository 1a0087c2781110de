import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toolCommand } from '../../lib/assistant/answer.js';
import {
  ASSISTANT_TOOLS,
  findTool,
  isReadOnlyCall,
  jsonSchemaOf,
  toolSpecs,
  withoutNulls,
} from '../../lib/assistant/tools.js';
import { parseBudgetWords } from '../../lib/commands/budget.js';
import { COMMANDS, findCommand } from '../../lib/commands/registry.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { isUserError } from '../../lib/errors.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo } from '../support/dynamo.js';

let ctx: CommandContext;
beforeAll(async () => {
  const dynamo = await startTestDynamo();
  ctx = {
    deps: testDeps({ store: dynamo.store }),
    caller: { platform: 'cli', userId: 'cli', isAdmin: true },
  };
  return () => dynamo.close();
});

/** Validate arguments and build the command line the way `ask` does. */
function lineFor(name: string, args: Record<string, unknown>) {
  const tool = findTool(name)!;
  const parsed = tool.schema.safeParse(args);
  if (!parsed.success) throw parsed.error;
  const words = tool.words(parsed.data);
  const command = findCommand(tool.command)!;
  return { line: [command.name, ...words].join(' '), input: command.parse(words, ctx), command, tool };
}

describe('assistant tools', () => {
  it('are the read-only commands, and no command that changes state without a read-only guard', () => {
    expect(ASSISTANT_TOOLS.map((t) => t.name)).toEqual([
      'spend',
      'why',
      'idle',
      'savings',
      'estimate',
      'compare',
      'forecast',
      'budget_status',
    ]);
    for (const t of ASSISTANT_TOOLS) {
      const command = findCommand(t.command);
      expect(command, t.name).toBeDefined();
      // `ask` runs the tool's command from its own list (it cannot import the registry, which holds `ask`).
      expect(toolCommand(t.command), t.name).toBe(command);
      if (command?.mutates) expect(t.readOnly, `${t.name} runs a mutating command`).toBeDefined();
    }
    expect(ASSISTANT_TOOLS.some((t) => t.command === 'ask')).toBe(false);
    expect(COMMANDS.filter((c) => c.mutates).map((c) => c.name)).toEqual(['budget']);
  });

  it('turn typed arguments into command words the commands parse', () => {
    expect(lineFor('spend', { period: 'last week', groupBy: 'team' }).line).toBe('spend last week by team');
    expect(lineFor('spend', { period: 'mtd', team: 'search' }).line).toBe('spend mtd team search');
    expect(lineFor('why', { period: '2026-10', comparedTo: '2026-09', by: 'team' }).line).toBe(
      'why 2026-10 vs 2026-09 by team',
    );
    expect(lineFor('idle', { hours: 72 }).line).toBe('idle 72');
    expect(
      lineFor('estimate', {
        model: 'nova-micro',
        inputTokens: 800,
        outputTokens: 200,
        volume: 300000,
        per: 'month',
        batch: true,
        cachePercent: 60,
        region: 'eu-west-1',
      }).line,
    ).toBe('estimate nova-micro 800 in 200 out 300000 requests/month batch cache=60% region=eu-west-1');
    expect(lineFor('compare', { volume: 1000, per: 'day', images: true, model: 'nova-canvas' }).line).toBe(
      'compare nova-canvas 1000 images/day',
    );
    expect(lineFor('compare', { inputTokens: 800, outputTokens: 200, volume: 5, per: 'second' }).line).toBe(
      'compare 800 in 200 out 5 requests/second',
    );
    expect(lineFor('forecast', { team: 'search' }).line).toBe('forecast team search');
    expect(lineFor('budget_status', {}).line).toBe('budget status');
    expect(lineFor('budget_status', { team: 'search' }).input).toEqual({ action: 'status', team: 'search' });
  });

  it('accept numbers sent as strings and ignore null members', () => {
    expect(lineFor('idle', { hours: '48' }).line).toBe('idle 48');
    expect(findTool('spend')!.schema.safeParse(withoutNulls({ period: 'today', team: null })).success).toBe(
      true,
    );
  });

  it('refuse extra members, other command words and out-of-range numbers', () => {
    const spend = findTool('spend')!.schema;
    expect(spend.safeParse({ period: 'today', action: 'set' }).success).toBe(false);
    expect(spend.safeParse({ team: 'search; budget set search 0' }).success).toBe(false);
    expect(spend.safeParse({ groupBy: 'colour' }).success).toBe(false);
    expect(findTool('budget_status')!.schema.safeParse({ team: 'search', amount: 0 }).success).toBe(false);
    expect(findTool('idle')!.schema.safeParse({ hours: 0 }).success).toBe(false);
    expect(
      findTool('estimate')!.schema.safeParse({ model: 'nova-micro', volume: -1, per: 'day' }).success,
    ).toBe(false);
  });

  it('allow the budget command only for status', () => {
    const tool = findTool('budget_status')!;
    const budget = findCommand('budget')!;
    expect(isReadOnlyCall(tool, budget, parseBudgetWords(['status', 'search']))).toBe(true);
    expect(isReadOnlyCall(tool, budget, parseBudgetWords(['set', 'search', '5000']))).toBe(false);
    expect(isReadOnlyCall(tool, budget, parseBudgetWords(['delete', 'search']))).toBe(false);
    expect(isReadOnlyCall(findTool('spend')!, budget, { action: 'status' })).toBe(false);
  });

  it('describe their parameters as plain JSON schemas', () => {
    const estimate = jsonSchemaOf(findTool('estimate')!);
    expect(estimate.$schema).toBeUndefined();
    expect(estimate).toMatchObject({
      type: 'object',
      required: ['model', 'volume', 'per'],
      additionalProperties: false,
    });
    for (const spec of toolSpecs()) {
      expect(spec.toolSpec?.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(spec.toolSpec?.description?.length).toBeGreaterThan(20);
    }
  });

  it('never make a command throw anything but a user error, whatever strings the model sends', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('spend', 'why', 'forecast', 'budget_status'),
        fc.record(
          { period: fc.string({ maxLength: 50 }), team: fc.string({ maxLength: 70 }) },
          { requiredKeys: [] },
        ),
        (name, raw) => {
          const tool = findTool(name)!;
          const args = name === 'forecast' || name === 'budget_status' ? { team: raw.team } : raw;
          const parsed = tool.schema.safeParse(withoutNulls(args));
          if (!parsed.success) return;
          try {
            findCommand(tool.command)!.parse(tool.words(parsed.data), ctx);
          } catch (error) {
            expect(isUserError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
