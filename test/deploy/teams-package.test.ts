/**
 * The Teams app package `npm run package` builds for the bot: a manifest Teams accepts
 * (schema 1.19, the bot with its app ID in the three scopes and its command menu) and the
 * two icons Teams requires (192x192 colour; 32x32 white-on-transparent outline).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type BOT_COMMANDS, PLACEHOLDER_APP_ID } from '../../scripts/teams-package.js';
import { readZip } from './zip.js';

const APP_ID = '0a1b2c3d-0000-4000-8000-bedc05700001';

/** Decode an 8-bit RGBA PNG whose rows use filter 0 (what the package writes). */
function decodePng(png: Buffer): {
  width: number;
  height: number;
  colorType: number;
  pixel(x: number, y: number): number[];
} {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  return {
    width,
    height,
    colorType,
    pixel: (x, y) => {
      expect(raw[y * stride]).toBe(0);
      const at = y * stride + 1 + x * 4;
      return [...raw.subarray(at, at + 4)];
    },
  };
}

describe('Teams app package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'teams-package-'));
  const out = join(dir, 'teams.zip');

  it('is built by the packaging script with the bot app ID, the command menu and both icons', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--out', out], {
      env: { ...process.env, TEAMS_APP_ID: APP_ID },
      stdio: 'pipe',
    });
    const files = Object.fromEntries(readZip(out).map((e) => [e.name, e.data]));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(files['manifest.json']!.toString('utf8'));
    expect(manifest).toMatchObject({
      $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json',
      manifestVersion: '1.19',
      id: APP_ID,
      icons: { color: 'color.png', outline: 'outline.png' },
      bots: [{ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'], isNotificationOnly: false }],
    });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    for (const url of Object.values(manifest.developer).slice(1)) expect(url).toMatch(/^https:\/\//);
    const commands = manifest.bots[0].commandLists[0].commands as typeof BOT_COMMANDS;
    expect(commands.length).toBeLessThanOrEqual(10);
    for (const c of commands) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(commands.map((c) => c.title)).toContain('why last week');

    const color = decodePng(files['color.png']!);
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    expect(color.pixel(0, 0)[3]).toBe(255);
    const outline = decodePng(files['outline.png']!);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    // White on transparent: every pixel is either fully transparent or opaque white.
    let white = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const [r, g, b, a] = outline.pixel(x, y);
        if (a === 0) continue;
        expect([r, g, b, a]).toEqual([255, 255, 255, 255]);
        white++;
      }
    }
    expect(outline.pixel(0, 0)[3]).toBe(0);
    expect(white).toBeGreaterThan(50);
  });

  it('warns and uses a placeholder without TEAMS_APP_ID, and refuses a malformed one', () => {
    const env = { ...process.env };
    delete env.TEAMS_APP_ID;
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/teams-package.ts', '--out', out],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(stdout).toMatch(/placeholder app ID/);
    expect(
      JSON.parse(
        readZip(out)
          .find((e) => e.name === 'manifest.json')!
          .data.toString(),
      ).id,
    ).toBe(PLACEHOLDER_APP_ID);
    expect(() =>
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--out', out], {
        env: { ...env, TEAMS_APP_ID: 'not-a-guid' },
        stdio: 'pipe',
      }),
    ).toThrow(/TEAMS_APP_ID must be/);
    rmSync(dir, { recursive: true, force: true });
  });
});
