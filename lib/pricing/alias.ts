/**
 * How model names are compared, shared by the catalog index and model resolution (a module
 * of its own so that `catalog.ts` and `names.ts` need not import each other).
 */

/** Lowercase letters and digits only: how aliases are compared. */
export function aliasKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}
