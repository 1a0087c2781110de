import { describe, expect, it } from 'vitest';
import {
  parseAmount,
  parseOwners,
  parseSlackChannel,
  parseTeamId,
  parseThresholds,
  parseTimeZone,
  parseWebhookUrl,
} from '../../lib/budgets/validate.js';
import { ParseError } from '../../lib/errors.js';

describe('parseAmount', () => {
  it.each([
    ['5000', '5000'],
    ['$5,000', '5000'],
    ['5k', '5000'],
    ['2.5K', '2500'],
    ['1.5m', '1500000'],
    ['$1,234,567.89', '1234567.89'],
    ['750.5', '750.5'],
  ])('reads %s as $%s', (text, expected) => {
    expect(parseAmount(text).toFixed()).toBe(expected);
  });

  it('explains the accepted form in one line for words that are not amounts', () => {
    expect(() => parseAmount('five')).toThrow(ParseError);
    expect(() => parseAmount('five')).toThrow(
      '"budget set" takes an amount in dollars, for example: budget set search 5000 channel #search-alerts',
    );
    expect(() => parseAmount(undefined)).toThrow(/takes an amount in dollars/);
  });

  it('refuses zero, negative, sub-cent and absurd amounts', () => {
    expect(() => parseAmount('0')).toThrow(/more than \$0/);
    expect(() => parseAmount('-5')).toThrow(/amount in dollars/);
    expect(() => parseAmount('10.001')).toThrow(/at most 2 decimals/);
    expect(() => parseAmount('10m')).toThrow(/above the \$10,000,000 limit/);
    expect(() => parseAmount('50000000')).toThrow(/extra zero/);
    expect(() => parseAmount('5,00')).toThrow(/amount in dollars/);
  });
});

describe('parseThresholds', () => {
  it('sorts and de-duplicates whole percentages, % allowed', () => {
    expect(parseThresholds('80,50,100')).toEqual([50, 80, 100]);
    expect(parseThresholds('50%,80%,80,120')).toEqual([50, 80, 120]);
    expect(parseThresholds('1000')).toEqual([1000]);
  });

  it('refuses out-of-range, fractional and non-numeric thresholds with the accepted form', () => {
    for (const bad of ['0', '1001', '50,abc', '12.5', '', ',']) {
      expect(() => parseThresholds(bad)).toThrow(/whole percentages from 1 to 1000.*thresholds 50,80,100/);
    }
    expect(() => parseThresholds('1,2,3,4,5,6,7,8,9,10,11')).toThrow(/At most 10/);
  });
});

describe('parseTimeZone', () => {
  it('accepts IANA zones and returns the canonical spelling', () => {
    expect(parseTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(parseTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(parseTimeZone('UTC')).toBe('UTC');
  });

  it('refuses unknown zones with examples', () => {
    expect(() => parseTimeZone('Mars/Olympus')).toThrow(
      /I don't know the time zone "Mars\/Olympus".*tz Europe\/Berlin/,
    );
  });
});

describe('parseSlackChannel', () => {
  it('accepts channel IDs, with the # the grammar leaves from <#C0123|name>', () => {
    expect(parseSlackChannel('#C0123ABCD')).toEqual({ kind: 'slack', channel: 'C0123ABCD' });
    expect(parseSlackChannel('G01PRIVATE9')).toEqual({ kind: 'slack', channel: 'G01PRIVATE9' });
  });

  it('explains that a bare channel name must be picked from the # menu', () => {
    expect(() => parseSlackChannel('#search alerts')).toThrow(
      /not a Slack channel.*for example: channel #search-alerts/,
    );
    expect(() => parseSlackChannel('D0123ABCD')).toThrow(/direct message/);
  });

  it('takes a webhook URL given as the channel', () => {
    expect(parseSlackChannel('https://example.logic.azure.com/workflows/1?sig=x').kind).toBe('teams');
  });
});

describe('parseWebhookUrl', () => {
  it('accepts https only', () => {
    expect(
      parseWebhookUrl('https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual?sig=s3cret'),
    ).toEqual({
      kind: 'teams',
      webhookUrl: 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual?sig=s3cret',
    });
    expect(() => parseWebhookUrl('http://example.com/hook')).toThrow(/must use https/);
    expect(() => parseWebhookUrl('not a url')).toThrow(/not a URL/);
    expect(() => parseWebhookUrl('https://user:pw@example.com/hook')).toThrow(/user name or password/);
  });
});

describe('parseTeamId and parseOwners', () => {
  it('accepts tag values and refuses grammar words and separators used in keys', () => {
    expect(parseTeamId('search', 'usage')).toBe('search');
    expect(parseTeamId('data-platform/eu', 'usage')).toBe('data-platform/eu');
    expect(() => parseTeamId('set', 'usage')).toThrow(/not a team ID/);
    expect(() => parseTeamId('a#b', 'usage')).toThrow(/not a team ID/);
    expect(() => parseTeamId('a|b', 'usage')).toThrow(/not a team ID/);
    expect(() => parseTeamId(undefined, 'budget set takes a team')).toThrow('budget set takes a team');
  });

  it('reads owners from Slack mentions', () => {
    expect(parseOwners('@U0123ABC,@U0456DEF')).toEqual(['U0123ABC', 'U0456DEF']);
    expect(() => parseOwners('@<script>')).toThrow(/not a user I can identify/);
  });
});
