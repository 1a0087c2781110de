import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../../lib/local/runtime.js';
import { serve, startHttpServer } from '../../lib/local/serve.js';

describe('bedrock-cost serve', () => {
  it('answers commands typed at the prompt and serves the chat routes', async () => {
    // Prepare
    const runtime = await createLocalRuntime({
      env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', BEDROCK_COST_DEMO: '1' },
      inMemory: true,
    });
    const out: string[] = [];
    const input = new PassThrough();
    const stop = new AbortController();
    const running = serve(runtime.deps, {
      port: 0,
      format: 'text',
      io: { out: (t) => out.push(t), err: () => {}, env: {} },
      signal: stop.signal,
      input,
    });
    // Act: wait for what is printed, not for a number of milliseconds (a busy machine is slow).
    const printed = async (text: string) => {
      while (!out.join('\n').includes(text)) await new Promise((r) => setTimeout(r, 20));
    };
    await printed('/slack/events');
    input.write('help\n');
    input.write('spedn\n');
    await printed('Did you mean: spend');
    const listening = out[0] ?? '';
    const port = Number(/localhost:(\d+)/.exec(listening)?.[1]);
    const notFound = await fetch(`http://127.0.0.1:${port}/nowhere`, { method: 'POST' });
    const bot = await fetch(`http://127.0.0.1:${port}/teams/bot`, { method: 'POST', body: '{}' });
    stop.abort();
    await running;
    await runtime.close();
    // Assess
    expect(listening).toContain('/slack/events');
    expect(out.join('\n')).toContain('Ask me about your Amazon Bedrock spend');
    expect(out.join('\n')).toContain('Did you mean: spend');
    expect(notFound.status).toBe(404);
    // The Teams bot route is served, and refuses a request without a Bot Framework token.
    expect(listening).toContain('/teams/bot');
    expect(bot.status).toBe(401);
  });

  it('says so when the port is already in use', async () => {
    const first = await startHttpServer({}, 0);
    const port = (first.address() as { port: number }).port;
    await expect(startHttpServer({}, port)).rejects.toThrow(`Port ${port} is already in use`);
    first.close();
  });
});
