import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/local/cli.js';

// A newcomer's machine: no AWS keys, no profile files, no instance role.
beforeAll(() => {
  const empty = mkdtempSync(join(tmpdir(), 'bedrock-cost-nocreds-'));
  for (const name of Object.keys(process.env))
    if (
      /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_)/.test(
        name,
      )
    )
      delete process.env[name];
  process.env.AWS_CONFIG_FILE = join(empty, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(empty, 'credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
      BEDROCK_COST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bedrock-cost-cli-')),
    },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('bedrock-cost without --demo and without AWS credentials', () => {
  it.each([
    ['spend'],
    ['why', 'last', 'week'],
    ['forecast'],
    ['budget'],
    ['spend', 'last', 'week', 'by', 'team'],
  ])('"%s" names the fix instead of "something went wrong"', async (...words) => {
    const { code, err } = await cli(words);
    expect(err).toContain('No AWS credentials found: configure a profile or role, or try --demo.');
    expect(err).not.toContain('something went wrong');
    expect(code).toBe(2);
  });

  it('"idle" says the same', async () => {
    const { out, err } = await cli(['idle']);
    expect(`${out}\n${err}`).toContain(
      'No AWS credentials found: configure a profile or role, or try --demo.',
    );
  });

  it('says the same in the JSON envelope, as a user error', async () => {
    const { code, out } = await cli(['spend', 'mtd', '--format', 'json']);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringContaining('try --demo') },
    });
  });
});
