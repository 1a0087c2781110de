import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../lib/local/cli.js';

const run = promisify(execFile);

/** `bedrock-cost serve ...` as `npm start` runs it, with a prompt we can type into. */
function startServe(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const input = new PassThrough();
  const exit = runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    input,
    env: {
      BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
      BEDROCK_COST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bedrock-cost-serve-')),
      ...env,
    },
  });
  const waitFor = async (pattern: RegExp, what: 'out' | 'err' = 'out') => {
    for (let i = 0; i < 300; i++) {
      const text = (what === 'out' ? out : err).join('\n');
      if (pattern.test(text)) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never printed ${pattern}:\n${out.join('\n')}\n${err.join('\n')}`);
  };
  return { out, err, input, exit, waitFor };
}

const portOf = (banner: string) => Number(/localhost:(\d+)/.exec(banner)?.[1]);

describe('serve: the first hour', () => {
  it.each(['exit', 'quit'])('"%s" at the prompt stops the server too', async (word) => {
    const serve = startServe(['serve', '--demo', '--port', '0']);
    const port = portOf(await serve.waitFor(/listening on/));
    serve.input.write(`${word}\n`);
    expect(await serve.exit).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).rejects.toThrow();
  });

  it('Ctrl-D (end of input) stops the server', async () => {
    const serve = startServe(['serve', '--demo', '--port', '0']);
    const port = portOf(await serve.waitFor(/listening on/));
    serve.input.end();
    expect(await serve.exit).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).rejects.toThrow();
  });

  it('takes `npm start --port N` (npm passes only "N") as the port, and shows the right spelling', async () => {
    const serve = startServe(['serve', '--demo', '0'], { npm_config_port: '0' });
    await serve.waitFor(/listening on/);
    serve.input.end();
    expect(await serve.exit).toBe(0);
    expect(serve.err.join('\n')).toContain('npm start -- --port 0');
  });

  it('refuses other words with the npm spelling of flags', async () => {
    const serve = startServe(['serve', '--demo', 'now']);
    expect(await serve.exit).toBe(2);
    expect(serve.err.join('\n')).toContain('npm start -- --port 3119');
  });

  it('generates signing secrets for --demo and prints signed curls that work as printed', async () => {
    const serve = startServe(['serve', '--demo', '--port', '0']);
    const banner = await serve.waitFor(/Ctrl-D/);
    const lines = banner.split('\n');
    const slack = lines[lines.findIndex((l) => l.startsWith('# Slack')) + 1] ?? '';
    const teams = lines[lines.findIndex((l) => l.startsWith('# Teams')) + 1] ?? '';
    expect(slack).toContain('curl');

    const slackAck = await run('bash', ['-c', slack]);
    const teamsAnswer = await run('bash', ['-c', teams]);
    const forged = await run('bash', [
      '-c',
      slack
        .replace(/-hmac '[0-9a-f]+'/, "-hmac 'guessed'")
        .replace('curl -s', 'curl -s -o /dev/null -w "%{http_code}"'),
    ]);
    // The slow `why` is answered on the local response_url, printed in the console.
    const answer = await serve.waitFor(/\[Slack response_url\] Bedrock spend/);
    serve.input.end();
    await serve.exit;

    expect(slackAck.stdout).toContain('Working on');
    expect(answer).toContain('vs ');
    expect(JSON.parse(teamsAnswer.stdout).attachments[0].content.type).toBe('AdaptiveCard');
    expect(forged.stdout.trim()).toBe('401');
  });

  it('never prints signing secrets the operator set, only refers to them', async () => {
    const serve = startServe(['serve', '--demo', '--port', '0'], {
      SLACK_SIGNING_SECRET: 'team-secret',
      TEAMS_WEBHOOK_SECRET: Buffer.from('k'.repeat(32)).toString('base64'),
    });
    const banner = await serve.waitFor(/Ctrl-D/);
    serve.input.end();
    await serve.exit;
    expect(banner).not.toContain('team-secret');
    expect(banner).toContain('"$SLACK_SIGNING_SECRET"');
  });
});

describe('serve prompt charts', () => {
  it('saves the bridge chart of `why last week` as a PNG and says where', async () => {
    const serve = startServe(['serve', '--demo', '--port', '0']);
    await serve.waitFor(/Ctrl-D/);
    serve.input.write('why last week\n');
    const out = await serve.waitFor(/Chart: .+\.png/);
    serve.input.end();
    await serve.exit;
    const path = /Chart: (.+\.png)/.exec(out)?.[1] ?? '';
    expect(path).toContain('bridge-from-nov-2-8-to-nov-9-15');
    expect([...readFileSync(path).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});

describe('--help', () => {
  it("lists the CLI's own verbs and flags, then the chat commands", async () => {
    const out: string[] = [];
    const code = await runCli(['--help'], {
      out: (t) => out.push(t),
      err: () => {},
      env: {
        BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
        BEDROCK_COST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bedrock-cost-help-')),
      },
    });
    const text = out.join('\n');
    expect(code).toBe(0);
    for (const word of [
      'serve',
      'digest',
      'alerts',
      'idle-scan',
      'sync',
      'status',
      '--demo',
      '--format',
      '--port',
      '--dry-run',
    ])
      expect(text).toContain(word);
    expect(text).toContain('why [PERIOD]');
  });
});
