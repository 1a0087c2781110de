/**
 * Text sparklines: the chart's stand-in where images are off (notifications, plain-text
 * clients, Teams cards, the CLI). One block character per value, scaled between zero and
 * the largest value, so a spike reads at a glance: `▂▂▃▂▂▁▁▂▂█▇▇▁▁`.
 */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * One character per value. Zero (and negative, e.g. a credit) is the lowest bar; the largest
 * value the highest; all-zero input gives a flat line.
 *
 * @example
 * sparkline([1, 2, 8]); // "▁▂█"
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max <= 0) return BARS[0].repeat(values.length);
  return values
    .map((v) => {
      const level = Math.round((Math.max(0, v) / max) * (BARS.length - 1));
      return BARS[Math.min(BARS.length - 1, Math.max(0, level))];
    })
    .join('');
}

/**
 * A sparkline per ISO week, separated by spaces, so Mondays line up: `▃▄▄▄▃▁▁ ▃▄▅▅▄▁▁`.
 * `values` are daily, oldest first; weeks are consecutive groups of seven.
 */
export function weeklySparkline(values: readonly number[]): string {
  const line = sparkline(values);
  const chars = [...line];
  const weeks: string[] = [];
  for (let i = 0; i < chars.length; i += 7) weeks.push(chars.slice(i, i + 7).join(''));
  return weeks.join(' ');
}
