/**
 * Read a team's budget change history (the audit items `lib/budgets/store.ts` writes in the
 * same transaction as each change). The product only writes the audit; tests read it back.
 */
import { type AuditEntry, auditPk } from '../../lib/budgets/store.js';
import type { Store } from '../../lib/store/store.js';

/** A team's change history, newest first. */
export async function listAudit(store: Store, team: string, limit = 50): Promise<AuditEntry[]> {
  const items = await store.query({ pk: auditPk(team), descending: true, limit, consistent: true });
  return items.map((item) => {
    const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
    return rest as unknown as AuditEntry;
  });
}
