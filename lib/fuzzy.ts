/**
 * Closest-match suggestions for typos: commands ("spedn"), models ("sonet 4.5"),
 * teams, regions. Optimal-string-alignment distance on normalised names.
 */

/** Lowercase, and drop everything but letters and digits. */
export function normaliseName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Edit distance with adjacent transpositions (so "spedn" is 1 away from "spend"). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The `limit` candidates closest to `input`, best first. A candidate containing the
 * input (or contained in it) ranks ahead of pure edit distance.
 */
export function closestMatches(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = normaliseName(input);
  const scored = candidates.map((candidate) => {
    const hay = normaliseName(candidate);
    let score = editDistance(needle, hay);
    if (needle && hay.includes(needle)) score = Math.min(score, (hay.length - needle.length) * 0.1);
    else if (needle && hay && needle.includes(hay))
      score = Math.min(score, (needle.length - hay.length) * 0.2 + 0.5);
    return { candidate, score };
  });
  return scored
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}
