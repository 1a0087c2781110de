import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config.js';
import { ConfigError } from '../lib/errors.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.BEDROCK_COST_TABLE).toBe('bedrock-cost');
    expect(config.TEAM_TAG_KEY).toBe('team');
    expect(config.BEDROCK_COST_DEMO).toBe(false);
    expect(config.SLACK_API_URL).toBe('https://slack.com/api');
    expect(config.ADMIN_USER_IDS).toEqual([]);
  });

  it('parses lists and flags', () => {
    const config = loadConfig({
      ADMIN_USER_IDS: 'U1, U2,,',
      BEDROCK_COST_DEMO: '1',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
    });
    expect(config.ADMIN_USER_IDS).toEqual(['U1', 'U2']);
    expect(config.BEDROCK_COST_DEMO).toBe(true);
    expect(config.SLACK_API_URL).toBe('http://127.0.0.1:9/api');
  });

  it('fails fast with one line naming each bad variable', () => {
    expect(() => loadConfig({ BEDROCK_COST_NOW: 'yesterday-ish' })).toThrow(ConfigError);
    try {
      loadConfig({ BEDROCK_COST_NOW: 'nope', BEDROCK_COST_CE_DAILY_CAP: '-3' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('BEDROCK_COST_NOW');
      expect(message).toContain('BEDROCK_COST_CE_DAILY_CAP');
      expect(message.split('\n')).toHaveLength(1);
    }
    expect(() => loadConfig({ BEDROCK_COST_DEFAULT_TZ: 'Mars/Olympus' })).toThrow(/BEDROCK_COST_DEFAULT_TZ/);
    expect(() => loadConfig({ SLACK_API_URL: 'ftp://x' })).toThrow(/SLACK_API_URL/);
  });
});
