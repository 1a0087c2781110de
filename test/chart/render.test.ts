import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dailyStackedSpec, recompressPng, renderDailyChart } from '../../lib/chart/render.js';
import { sparkline, weeklySparkline } from '../../lib/chart/sparkline.js';
import { addDays } from '../../lib/clock.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk (bytes 16-23, big-endian). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function fourWeeks(): { day: string; series: string; value: number }[] {
  const points = [];
  for (let i = 0; i < 28; i++) {
    const day = addDays('2026-10-19', i);
    points.push({ day, series: 'Claude Sonnet 4.5', value: i >= 22 ? 400 : 150 + (i % 7) * 5 });
    points.push({ day, series: 'Nova Pro', value: 40 });
  }
  return points;
}

describe('sparkline', () => {
  it('scales values between the lowest and highest bar', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });

  it('groups days into weeks so Mondays line up', () => {
    const line = weeklySparkline(Array.from({ length: 14 }, (_, i) => (i === 9 ? 10 : 1)));
    expect(line.split(' ')).toHaveLength(2);
    expect(line.split(' ')[1]).toContain('█');
  });
});

describe('renderDailyChart', () => {
  it('draws a PNG of the expected size with the shipped font, headless', async () => {
    const chart = await renderDailyChart({ title: 'search: daily spend by model', points: fourWeeks() });
    expect([...chart.png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    const size = pngSize(chart.png);
    expect(size).toEqual({ width: chart.width, height: chart.height });
    // 720 x 260 plot plus title, legend, axes and padding, at 2x.
    expect(chart.width).toBeGreaterThan(1440);
    expect(chart.width).toBeLessThan(1800);
    expect(chart.height).toBeGreaterThan(520);
    expect(chart.height).toBeLessThan(800);
    expect(chart.png.byteLength).toBeLessThan(200_000);
    // Text is drawn as text in the SVG, in the shipped font; the legend names the models.
    expect(chart.svg).toContain('DejaVu Sans');
    expect(chart.svg).toContain('Claude Sonnet 4.5');
    expect(chart.svg).toContain('Nov 9');
  });

  it('renders again once the stack is loaded (its time is in the bench)', async () => {
    await renderDailyChart({ title: 'warm-up', points: fourWeeks() });
    const chart = await renderDailyChart({ title: 'again', points: fourWeeks(), scale: 1 });
    expect(chart.width).toBeLessThan(900);
    expect(chart.png.byteLength).toBeGreaterThan(0);
  });

  it('keeps the series order given (largest first) in the legend and colours', () => {
    const spec = dailyStackedSpec({
      title: 't',
      points: fourWeeks(),
      seriesOrder: ['Nova Pro', 'Claude Sonnet 4.5'],
    });
    const color = (spec.encoding as { color: { scale: { domain: string[] } } }).color;
    expect(color.scale.domain).toEqual(['Nova Pro', 'Claude Sonnet 4.5']);
  });
});

describe('renderDailyChart for a Teams card', () => {
  /** The concatenated, inflated IDAT data: the filtered pixel rows. */
  function pixels(png: Uint8Array): Buffer {
    const buf = Buffer.from(png);
    const parts: Buffer[] = [];
    for (let at = 8; at + 12 <= buf.length; at += 12 + buf.readUInt32BE(at)) {
      if (buf.toString('latin1', at + 4, at + 8) === 'IDAT')
        parts.push(buf.subarray(at + 8, at + 8 + buf.readUInt32BE(at)));
    }
    return inflateSync(Buffer.concat(parts));
  }

  it('draws a small chart that recompresses losslessly to fit inline in a card', async () => {
    const input = {
      title: ['search · daily Bedrock spend by model', 'Oct 19 - Nov 15'],
      points: fourWeeks(),
      width: 480,
      height: 160,
      scale: 1,
      legendColumns: 3,
    };
    const plain = await renderDailyChart(input);
    const small = await renderDailyChart({ ...input, smallest: true });
    expect([...small.png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    // Two title lines and a wrapped legend keep the picture near the asked-for width.
    expect(pngSize(small.png)).toEqual({ width: small.width, height: small.height });
    expect(small.width).toBeLessThan(620);
    // Same pixels, fewer bytes; base64 of it leaves room for the text in 28 KB.
    expect(pixels(small.png).equals(pixels(plain.png))).toBe(true);
    expect(small.png.byteLength).toBeLessThan(plain.png.byteLength * 0.8);
    expect(Math.ceil(small.png.byteLength / 3) * 4).toBeLessThan(20_000);
  });

  it('keeps a PNG it cannot improve as it is', () => {
    const notPng = new Uint8Array([1, 2, 3]);
    expect(recompressPng(notPng)).toBe(notPng);
  });
});

describe('chart legends', () => {
  it('never cut a model name, even wrapped in a narrow chart', async () => {
    const points = fourWeeks().map((p) =>
      p.series === 'Nova Pro' ? { ...p, series: 'Titan Text Embeddings V2 (us-east-1, batch)' } : p,
    );
    const chart = await renderDailyChart({ title: 'narrow', points, width: 300, legendColumns: 2, scale: 1 });
    expect(chart.svg).toContain('Titan Text Embeddings V2 (us-east-1, batch)');
    expect(chart.svg).not.toContain('…');
  });
});
