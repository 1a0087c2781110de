import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../lib/local/cli.js';

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-cli-'));
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', BEDROCK_COST_DATA_DIR: dataDir, ...env },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('bedrock-cost CLI', () => {
  it('prints help with every command', async () => {
    const { code, out } = await cli(['help', '--demo']);
    expect(code).toBe(0);
    for (const name of ['spend', 'why', 'idle', 'estimate', 'compare', 'prices', 'forecast', 'budget']) {
      expect(out).toContain(name);
    }
  });

  it('wraps answers in the JSON envelope', async () => {
    const { code, out } = await cli(['help', '--format', 'json']);
    expect(code).toBe(0);
    const envelope = JSON.parse(out);
    expect(envelope).toMatchObject({ ok: true, command: 'help' });
    expect(envelope.data.commands.map((c: { name: string }) => c.name)).toContain('why');
    expect(typeof envelope.text).toBe('string');
  });

  it('answers a user error with the JSON error envelope and exit code 2', async () => {
    const { code, out } = await cli(['spedn', '--format', 'json']);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    expect(JSON.parse(out).error.message).toContain('spend');
  });

  it('prints usage and exits 2 on an unknown flag', async () => {
    const { code, err } = await cli(['help', '--colour']);
    expect(code).toBe(2);
    expect(err).toContain('Usage:');
    expect(err).toContain("'--colour'");
  });

  it('names the variable when the environment is malformed', async () => {
    const { code, err } = await cli(['help'], { BEDROCK_COST_NOW: 'soon' });
    expect(code).toBe(2);
    expect(err).toContain('BEDROCK_COST_NOW');
    expect(err).not.toContain('    at ');
  });

  it('renders markdown, Slack and Teams formats', async () => {
    expect((await cli(['help', '--format', 'markdown'])).out).toMatch(/^\*\*/);
    expect(JSON.parse((await cli(['help', '--format', 'slack'])).out).blocks.length).toBeGreaterThan(0);
    expect(JSON.parse((await cli(['help', '--format', 'teams'])).out).type).toBe('AdaptiveCard');
  });
});

describe('bedrock-cost CLI words that look like flags', () => {
  it('passes a negative number to the command, which explains what it accepts', async () => {
    const { code, err } = await cli(['estimate', 'claude-sonnet-4-5', '-5', 'in', '500', 'out', '10k/day']);
    expect(code).toBe(2);
    expect(err).toContain("Input tokens can't be negative");
    expect(err).not.toContain('Unknown option');
  });
});
