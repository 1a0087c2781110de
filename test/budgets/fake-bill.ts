/**
 * An in-process bill for budget tests: daily Bedrock spend per team, service and usage
 * type that a test can change between runs, served through the `CostSource` port with the
 * grouping (TAG, SERVICE, USAGE_TYPE), granularity, tag filter and request counting Cost
 * Explorer has (the month of the latest spend is `estimated`). Marketplace usage types do not name the model, as in the real bill. Metrics and the control
 * plane are empty (budget tests pass their own nowcast).
 */
import { eachDay, laterDay, startOfMonth } from '../../lib/clock.js';
import { type BillFact, queryFacts, regionOfUsageType } from '../../lib/ledger/facts.js';
import { Dec, ZERO } from '../../lib/money.js';
import type { CostQuery, DataSources } from '../../lib/ports.js';

export const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
export const BEDROCK = 'Amazon Bedrock';
/** The one linked account of the fake bill. */
export const ACCOUNT = '111122223333';

/** Usage types as Cost Explorer names them (see shared/reference/bedrock-billing.md). */
export const SONNET_INPUT = 'USE1-MP:USE1_InputTokenCount-Units';
export const SONNET_OUTPUT = 'USE1-MP:USE1_OutputTokenCount-Units';
export const NOVA_PRO_INPUT = 'USE1-NovaPro-input-tokens';

/** The usage type of spend added without one: input tokens of the service's model. */
function defaultUsageType(service: string): string {
  return service === BEDROCK ? NOVA_PRO_INPUT : SONNET_INPUT;
}

interface Entry {
  team: string;
  service: string;
  usageType: string;
  day: string;
  usd: Dec;
}

export interface FakeBill {
  sources: DataSources;
  /** Add spend on one day (UTC) for a team (`''` = untagged). */
  add(team: string, day: string, usd: string | number, service?: string, usageType?: string): void;
  /** Spread `usd` evenly over the days of a half-open range. */
  spread(
    team: string,
    start: string,
    end: string,
    usd: string | number,
    service?: string,
    usageType?: string,
  ): void;
  /** Remove every entry. */
  clear(): void;
  /** GetCostAndUsage calls so far, with their queries. */
  queries: CostQuery[];
  /** Billed requests so far (GetCostAndUsage pages + GetDimensionValues). */
  requests(): number;
}

export function fakeBill(tagKey = 'team'): FakeBill {
  const entries: Entry[] = [];
  const queries: CostQuery[] = [];
  let billed = 0;
  const bill: FakeBill = {
    queries,
    requests: () => billed,
    add(team, day, usd, service = SONNET, usageType = defaultUsageType(service)) {
      entries.push({ team, service, usageType, day, usd: new Dec(usd) });
    },
    spread(team, start, end, usd, service = SONNET, usageType?: string) {
      const days = eachDay({ start, end });
      const each = new Dec(usd).div(days.length);
      for (const day of days) bill.add(team, day, each.toFixed(), service, usageType);
    },
    clear() {
      entries.length = 0;
    },
    sources: {
      kind: 'aws',
      costs: {
        async listServices(range) {
          billed++;
          return [
            ...new Set(
              entries.filter((e) => e.day >= range.start && e.day < range.end).map((e) => e.service),
            ),
          ].sort();
        },
        async getCostAndUsage(query) {
          billed++;
          queries.push(query);
          if (query.groupBy.length > 2) throw new Error('Cost Explorer groups by at most two dimensions');
          // As Cost Explorer does, the open month (that of the latest spend) is `estimated`.
          const latest = entries.reduce((max, e) => laterDay(e.day, max), '');
          const open = latest ? startOfMonth(latest) : '';
          // The entries as bill facts, answered by the ledger's own query engine (one engine
          // for every fake bill, the demo and the ledger).
          const facts: BillFact[] = entries.map((e) => ({
            day: e.day,
            service: e.service,
            usageType: e.usageType,
            team: e.team,
            account: ACCOUNT,
            region: regionOfUsageType(e.usageType),
            recordType: 'Usage',
            amount: e.usd,
            quantity: ZERO,
            state: e.day >= open ? 'provisional' : 'final',
          }));
          const rows = queryFacts(query, tagKey, (start, end) =>
            facts.filter((f) => f.day >= start && f.day < end),
          );
          return { rows, requests: 1 };
        },
        async getCostForecast() {
          billed++;
          return null;
        },
      },
      metrics: {
        async listModelIds() {
          return [];
        },
        async getMetricSums() {
          return { series: [], requests: 0 };
        },
      },
      bedrock: {
        async listProvisionedThroughputs() {
          return [];
        },
        async listInferenceProfiles() {
          return [];
        },
      },
    },
  };
  return bill;
}
