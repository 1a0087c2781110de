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
      BEDROCK_COST_REGIONS: ' us-west-2,eu-central-1 ,us-west-2,,us-gov-west-1',
    });
    expect(config.ADMIN_USER_IDS).toEqual(['U1', 'U2']);
    expect(config.BEDROCK_COST_REGIONS).toEqual(['us-west-2', 'eu-central-1', 'us-gov-west-1']);
    expect(loadConfig({}).BEDROCK_COST_REGIONS).toEqual([]);
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

  it('says what is accepted, naming the variable and the value it got', () => {
    expect(() => loadConfig({ BEDROCK_COST_BASIS: 'blended' })).toThrow(
      'BEDROCK_COST_BASIS: Invalid option: expected one of "unblended"|"amortized"|"net-unblended"|"net-amortized" (got "blended")',
    );
    expect(() => loadConfig({ BEDROCK_COST_DEMO: 'maybe' })).toThrow(
      /BEDROCK_COST_DEMO: Invalid option: .*"yes"/,
    );
    expect(() => loadConfig({ TEAM_TAG_KEY: '' })).toThrow(/TEAM_TAG_KEY: Too small/);
    expect(() => loadConfig({ BEDROCK_COST_TABLE: 'a' })).toThrow(
      /BEDROCK_COST_TABLE: must be a DynamoDB table name/,
    );
    expect(() => loadConfig({ TEAMS_WEBHOOK_SECRET: 'not base64!' })).toThrow(/TEAMS_WEBHOOK_SECRET/);
    expect(() => loadConfig({ BEDROCK_COST_REGIONS: 'us-west-2 eu-west-1' })).toThrow(
      'BEDROCK_COST_REGIONS: "us-west-2 eu-west-1" is not a Region: use a comma-separated list such as us-west-2,eu-central-1',
    );
  });

  it('trims text, drops empty values and keeps the defaults for unset ones', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: '  xoxb-1 ',
      SLACK_SIGNING_SECRET: ' ',
      BEDROCK_COST_CE_DAILY_CAP: '',
      BEDROCK_COST_DEFAULT_TZ: 'Europe/Berlin',
    });
    expect(config.SLACK_BOT_TOKEN).toBe('xoxb-1');
    expect(config.SLACK_SIGNING_SECRET).toBeUndefined();
    expect(config.BEDROCK_COST_CE_DAILY_CAP).toBe(500);
    expect(config.BEDROCK_COST_CACHE_TTL_MINUTES).toBe(240);
    expect(config.BEDROCK_COST_BASIS).toBe('unblended');
    expect(config.BEDROCK_COST_DEFAULT_TZ).toBe('Europe/Berlin');
    expect(config.AWS_REGION).toBe('us-east-1');
  });
});
