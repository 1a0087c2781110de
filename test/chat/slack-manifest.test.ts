import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = readFileSync(new URL('../../infra/slack-app-manifest.yml', import.meta.url), 'utf8');
const serverless = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
/** The value of `key: value` lines (comments and quotes stripped). */
const values = (key: string) =>
  [...manifest.matchAll(new RegExp(`^\\s*-?\\s*${key}:\\s*(.+)$`, 'gm'))].map((m) =>
    m[1]!.replace(/^"|"$/g, '').trim(),
  );

describe('infra/slack-app-manifest.yml', () => {
  it('routes the slash command and the buttons to the deployed /slack/events endpoint', () => {
    expect(values('command')).toEqual(['/bedrock-cost']);
    const [commandUrl] = values('url');
    expect(new URL(commandUrl ?? '').pathname).toBe('/slack/events');
    // The Home tab's event and the buttons, in file order.
    expect(values('request_url')).toEqual([commandUrl, commandUrl]);
    expect(values('is_enabled')).toEqual(['true']);
    expect(values('socket_mode_enabled')).toEqual(['false']);
    expect(serverless).toMatch(/path: \/slack\/events/);
  });

  it('asks for the scopes the product uses, and no more', () => {
    const bot = manifest.slice(manifest.indexOf('    bot:'), manifest.indexOf('settings:'));
    const scopes = [...bot.matchAll(/^\s+- ([a-z:.]+)$/gm)].map((m) => m[1]).sort();
    expect(scopes).toEqual([
      'channels:read',
      'chat:write',
      'chat:write.public',
      'commands',
      'files:write',
      'groups:read',
      'usergroups:read',
      'users:read',
      'users:read.email',
    ]);
  });

  it('subscribes to app_home_opened and enables the Home tab', () => {
    const events = manifest.slice(manifest.indexOf('    bot_events:'), manifest.indexOf('  interactivity:'));
    expect([...events.matchAll(/^\s+- ([a-z_]+)$/gm)].map((m) => m[1])).toEqual(['app_home_opened']);
    expect(values('home_tab_enabled')).toEqual(['true']);
  });

  it('escapes channel mentions so budget channels arrive as IDs', () => {
    expect(values('should_escape')).toEqual(['true']);
  });
});
