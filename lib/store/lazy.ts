/**
 * A `Store` whose real table is built on its first use. The chat front door's
 * acknowledgement path (`help`, `estimate`) never touches the table, and loading the
 * DynamoDB client costs more than the rest of its cold start (figures in
 * lib/lambda/runtime.ts `lazyTableStore`).
 */
import type { Store } from './store.js';

export function lazyStore(load: () => Promise<Store>): Store {
  let real: Promise<Store> | undefined;
  const store = () => {
    real ??= load().catch((error: unknown) => {
      real = undefined; // a failed load is tried again on the next use
      throw error;
    });
    return real;
  };
  return {
    get: async (...args) => (await store()).get(...args),
    write: async (...args) => (await store()).write(...args),
    query: async (...args) => (await store()).query(...args),
    scan: async (...args) => (await store()).scan(...args),
    getMany: async (...args) => (await store()).getMany(...args),
    removeMany: async (...args) => (await store()).removeMany(...args),
    transact: async (...args) => (await store()).transact(...args),
  };
}
