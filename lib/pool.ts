/**
 * Bounded concurrency: a pool, not batches. Each of `limit` workers takes the next item as
 * soon as its previous one is done, so one slow call does not hold up the others (batches
 * of four wait on their slowest call every time).
 */

/**
 * Run `work` over `items`, at most `limit` at a time; results in input order. The first
 * failure rejects the run; with `stopOnError` no further item is started after it (the
 * ones under way finish), otherwise the other workers carry on with theirs.
 *
 * @example
 * const tags = await mapPool(arns, 4, (arn) => tagsOf(arn), { stopOnError: true });
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  options: { stopOnError?: boolean } = {},
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length && !(options.stopOnError && failed)) {
        const i = next++;
        try {
          out[i] = await work(items[i]!);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  return out;
}
