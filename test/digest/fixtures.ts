/**
 * A bill of many teams for the digest's scale test and benchmark: each team on two
 * Marketplace models (on alternate days both) and Nova Pro, answered the way Cost Explorer
 * answers (keys `team$<id>`), every request counted.
 */
import { addDays } from '../../lib/clock.js';
import { type BillFact, queryFacts } from '../../lib/ledger/facts.js';
import { Dec } from '../../lib/money.js';
import type { CostQuery, CostSource } from '../../lib/ports.js';

export const TEAMS = 1000;
const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const HAIKU = 'Claude Haiku 4.5 (Amazon Bedrock Edition)';
export const team = (i: number) => `team-${String(i).padStart(4, '0')}`;

/**
 * A bill of 1,000 teams, each on two Marketplace models and Nova Pro, answering the way Cost
 * Explorer does (keys `team$<id>`), and counting every billed request.
 */
export function thousandTeamBill(teams = TEAMS): {
  costs: CostSource;
  requests: CostQuery[];
  listCalls: () => number;
} {
  const requests: CostQuery[] = [];
  let listCalls = 0;
  const meters = [
    { service: SONNET, usageType: 'USE1-MP:USE1_InputTokenCount-Units', rate: 3 },
    { service: SONNET, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', rate: 15 },
    { service: HAIKU, usageType: 'USE1-MP:USE1_InputTokenCount-Units', rate: 1 },
    { service: 'Amazon Bedrock', usageType: 'USE1-NovaPro-input-tokens', rate: 0.8 },
    { service: 'Amazon Bedrock', usageType: 'USE1-NovaPro-output-tokens', rate: 3.2 },
  ];
  // The bill as facts, one day at a time, answered by the ledger's own query engine (the
  // way Cost Explorer answers: filters, group-bys, DAILY buckets).
  const factsOf = (day: string): BillFact[] => {
    const out: BillFact[] = [];
    for (let i = 0; i < teams; i++) {
      meters.forEach((m, k) => {
        // Haiku only on even days: teams mix Marketplace models on some days.
        if (m.service === HAIKU && Number(day.slice(8)) % 2) return;
        const quantity = 1000 + ((i * 7 + k * 13 + Number(day.slice(8))) % 500);
        out.push({
          day,
          service: m.service,
          usageType: m.usageType,
          team: team(i),
          account: '111122223333',
          region: 'us-east-1',
          recordType: 'Usage',
          amount: new Dec(((quantity * m.rate) / 1000).toFixed(6)),
          quantity: new Dec((quantity / 1000).toFixed(6)),
          state: 'final',
        });
      });
    }
    return out;
  };
  const costs: CostSource = {
    async listServices() {
      listCalls++;
      return [SONNET, HAIKU, 'Amazon Bedrock'];
    },
    async getCostForecast() {
      throw new Error('the digest must not ask for forecasts per team');
    },
    async getCostAndUsage(query) {
      requests.push(query);
      const rows = queryFacts(query, 'team', function* (start, end) {
        for (let day = start; day < end; day = addDays(day, 1)) yield* factsOf(day);
      });
      return { rows, requests: 1 };
    },
  };
  return { costs, requests, listCalls: () => listCalls };
}
