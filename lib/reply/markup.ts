/**
 * Markup removal for text that arrives from outside (a Teams message, a model's sentence).
 *
 * A regular expression such as `/<[^>]+>/g` backtracks: on text with many `<` and no `>`
 * each `<` scans to the end, so 100 KB of `<` takes seconds (quadratic). `stripTags` finds
 * each tag's end with one `indexOf` and stops at the first `<` that has no `>` after it
 * (no tag can start after it either): every character is looked at a bounded number of
 * times, whatever the input.
 */

/**
 * Replace every `<...>` (at least one character between the brackets, as `/<[^>]+>/g`)
 * with `replacement`, in time linear in the text's length.
 *
 * @example
 * stripTags('<at>bot</at> spend <b>now</b>', ' '); // ' bot  spend  now '
 */
export function stripTags(text: string, replacement = ' ', options: { allowEmpty?: boolean } = {}): string {
  let out = '';
  let from = 0;
  let at = 0;
  for (;;) {
    const open = text.indexOf('<', at);
    if (open === -1) break;
    // `<>` is no tag for `/<[^>]+>/`: keep it, and look for the next `<` after it.
    if (!options.allowEmpty && text[open + 1] === '>') {
      at = open + 1;
      continue;
    }
    // Scanned once: the next search starts after this `>` (or there is none, and no tag).
    const close = text.indexOf('>', open + 1);
    if (close === -1) break;
    out += text.slice(from, open) + replacement;
    from = close + 1;
    at = from;
  }
  return out + text.slice(from);
}
