import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { type IdleSnoozeData, idleCommand, parseIdleHours } from '../../lib/commands/idle.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { ParseError } from '../../lib/errors.js';
import { snoozeIdleAction } from '../../lib/idle/idle-actions.js';
import type { IdleData } from '../../lib/idle/scan.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('parseIdleHours', () => {
  it.each([
    [[], 24],
    [['72'], 72],
    [['72h'], 72],
    [['72', 'hours'], 72],
    [['3d'], 72],
    [['3', 'days'], 72],
    [['720'], 720],
  ])('%j -> %i hours', (words, hours) => {
    expect(parseIdleHours(words as string[])).toBe(hours);
  });

  it.each([[['abc']], [['0']], [['721']], [['31', 'days']], [['-5']], [['72', 'minutes']]])(
    'refuses %j with a one-line explanation of what is accepted',
    (words) => {
      expect(() => parseIdleHours(words as string[])).toThrow(ParseError);
      expect(() => parseIdleHours(words as string[])).toThrow(/from 1 to 720 .*idle 72/);
    },
  );
});

describe('idle on the demo account', () => {
  let dynamo: TestDynamo;
  let ctx: CommandContext;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)) });
    ctx = { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true } };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('is a slow command (CloudWatch and the bill): chat answers it from the worker', () => {
    expect(idleCommand.slow).toBe(true);
  });

  it('finds nova-lite-test idle with no commitment, costed from the bill, with a snooze button', async () => {
    const result = await executeLine('idle', ctx);
    const data = result.data as IdleData;
    expect(result.command).toBe('idle');
    expect(data.hours).toBe(24);
    const idle = data.throughputs.filter((t) => t.state === 'idle');
    expect(idle.map((t) => t.name)).toEqual(['nova-lite-test']);
    expect(idle[0]).toMatchObject({
      commitment: 'none',
      invocations: 0,
      idleHours: 24,
      hourlyCostSource: 'bill',
    });
    expect(idle[0]?.hourlyUsd).toBeGreaterThan(0);
    expect(idle[0]?.wastedUsd).toBeCloseTo((idle[0]?.hourlyUsd ?? 0) * 24, 2);
    expect(idle[0]?.recommendation).toMatch(/^Delete it to save \$[\d,]+ a day\.$/);
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toMatch(
      /^1 provisioned throughput is idle and has cost \$[\d,]+ in 24 h without a call\.$/,
    );
    expect(text).toContain('(from the bill)');
    expect(text).toContain('demo account');
    expect(result.reply.actions).toEqual([
      {
        id: 'idle_snooze',
        label: 'Snooze 7 days',
        value: idle[0]?.arn,
        command: 'idle snooze nova-lite-test',
      },
    ]);
  });

  it('looks back further with `idle 72`, counting only the hours the throughput existed', async () => {
    const day = (await executeLine('idle', ctx)).data as IdleData;
    const threeDays = (await executeLine('idle 72', ctx)).data as IdleData;
    expect(threeDays.hours).toBe(72);
    expect(threeDays.window).toEqual({ start: '2026-11-15T06:00:00.000Z', end: '2026-11-18T06:00:00.000Z' });
    const t = threeDays.throughputs.find((x) => x.name === 'nova-lite-test');
    expect(t?.state).toBe('idle');
    expect(t?.idleHours).toBe(t?.billedHours);
    expect(t?.billedHours).toBeGreaterThan(24);
    expect(t?.billedHours).toBeLessThanOrEqual(72);
    expect(t?.wastedUsd).toBeCloseTo((t?.hourlyUsd ?? 0) * (t?.idleHours ?? 0), 2);
    expect(threeDays.idleWastedUsd).toBeGreaterThan(day.idleWastedUsd);
  });

  it('marks a snoozed idle throughput and offers no second snooze button', async () => {
    const first = (await executeLine('idle', ctx)).data as IdleData;
    const arn = first.throughputs.find((t) => t.state === 'idle')?.arn ?? '';
    const click = await snoozeIdleAction({
      id: 'idle_snooze',
      value: arn,
      deps: ctx.deps,
      caller: { platform: 'slack', userId: 'U0ALICE', isAdmin: true },
      runCommand: async () => {},
    });
    expect(click?.reply.headline).toMatch(
      /^Snoozed: no idle message about provisioned model \w+ until Nov 25 06:00 UTC\.$/,
    );
    const result = await executeLine('idle', ctx);
    const t = (result.data as IdleData).throughputs.find((x) => x.arn === arn);
    expect(t).toMatchObject({ state: 'idle', snoozedUntil: '2026-11-25T06:00:00.000Z' });
    expect(renderText(result.reply)).toContain('Daily message snoozed until Nov 25 06:00 UTC.');
    expect(result.reply.actions).toBeUndefined();
  });

  it('answers bad input with what is accepted', async () => {
    await expect(executeLine('idle lots', ctx)).rejects.toThrow(/takes a number of hours/);
  });
});

describe('idle snooze NAME (the snooze button as a command, for Teams and the CLI)', () => {
  let dynamo: TestDynamo;
  let ctx: CommandContext;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)) });
    ctx = { deps, caller: { platform: 'teams', userId: 'aad-object-id-1', isAdmin: true } };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('snoozes only for budget admins (and the owners of its team)', async () => {
    const someone = {
      ...ctx,
      caller: { platform: 'teams' as const, userId: 'aad-object-id-2', isAdmin: false },
    };
    await expect(executeLine('idle snooze nova-lite-test', someone)).rejects.toThrow(
      'Only budget admins can snooze provisioned model nova-lite-test (it carries no team tag).',
    );
  });

  it('snoozes the named throughput for 7 days; the scan and `idle` then treat it as snoozed', async () => {
    const result = await executeLine('idle snooze Nova-Lite-Test', ctx);
    expect(result.reply.headline).toBe(
      'Snoozed: no idle message about provisioned model nova-lite-test until Nov 25 06:00 UTC.',
    );
    const arn = (result.data as IdleSnoozeData).snoozed.arn;
    expect(arn).toMatch(/:provisioned-model\//);
    const after = (await executeLine('idle', ctx)).data as IdleData;
    expect(after.throughputs.find((t) => t.arn === arn)?.snoozedUntil).toBe('2026-11-25T06:00:00.000Z');
    // By its ID too (what the ARN ends with).
    const byId = await executeLine(`idle snooze ${arn.split('/').pop()}`, ctx);
    expect((byId.data as IdleSnoozeData).snoozed.arn).toBe(arn);
  });

  it('names the closest throughputs when the name is unknown, and explains a missing name', async () => {
    await expect(executeLine('idle snooze nova-lite-tst', ctx)).rejects.toThrow(
      'I don\'t know the provisioned throughput "nova-lite-tst". Did you mean: nova-lite-test',
    );
    await expect(executeLine('idle snooze', ctx)).rejects.toThrow(
      /^"idle snooze" takes the name \(or ARN\) of one provisioned throughput, for example: idle snooze nova-lite-test\.$/,
    );
  });
});
