import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../lib/local/cli.js';

/** Run the CLI against one local data directory (the embedded DynamoDB keeps its files there). */
function cliIn(dataDir: string) {
  return async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { BEDROCK_COST_NOW: '2026-11-16T14:00:00Z', BEDROCK_COST_DATA_DIR: dataDir },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}

describe('bedrock-cost digest --dry-run --demo', () => {
  it('says how to configure a team, then prints every digest that would be sent', async () => {
    const cli = cliIn(mkdtempSync(join(tmpdir(), 'bedrock-cost-digest-')));
    const empty = await cli(['digest', '--dry-run', '--demo']);
    expect(empty.code).toBe(0);
    expect(empty.out).toContain('budget set search 5000 channel #search-alerts');

    expect(
      (
        await cli([
          'budget',
          'set',
          'search',
          '5000',
          'channel',
          'C0SEARCH',
          'tz',
          'America/New_York',
          '--demo',
        ])
      ).code,
    ).toBe(0);
    const { code, out } = await cli(['digest', '--dry-run', '--demo']);
    expect(code).toBe(0);
    expect(out).toMatch(/→ slack:C0SEARCH · search · dry-run \(due now; chart \d+ KB PNG\)/);
    expect(out).toMatch(
      /search · week of Nov 9: \$[\d,]+ \(\+\d+%\) · November so far \$[\d,]+ of \$5,000 · forecast \$[\d,]+/,
    );
    expect(out).toMatch(/Why: Claude Sonnet 4\.5 output tokens/);
    expect(out).toMatch(/Do: /);
    expect(out).toMatch(/[▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7}/);

    const json = await cli(['digest', '--dry-run', '--demo', '--format', 'json']);
    const envelope = JSON.parse(json.out);
    expect(envelope).toMatchObject({ ok: true, command: 'digest' });
    expect(envelope.data.messages.map((m: { subject: string }) => m.subject)).toEqual(['search', 'overview']);
    // The first dry run filled the ledger; this one read only the ledger.
    expect(envelope.data.costExplorerRequests).toBe(0);
  }, 60_000);
});
