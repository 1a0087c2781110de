/**
 * The Teams app package for the bot: `manifest.json` (schema 1.19) and its two icons, zipped
 * at the root of `.serverless/bedrock-cost-teams-app.zip`. `npm run package` builds it after
 * the Lambda zips; upload it in Teams (Apps -> Manage your apps -> Upload an app) or in the
 * Teams admin center. See infra/teams/README.md.
 *
 * The bot's Entra app ID comes from `TEAMS_APP_ID` (without it the package carries a
 * placeholder and a warning is printed: fine for CI, not for Teams). The icons are drawn
 * here, pixel by pixel, and written as PNGs with Node's zlib: a 192x192 full-colour icon and
 * a 32x32 outline icon (white on transparent), as Teams requires. No network, no native code.
 *
 * @example
 * TEAMS_APP_ID=0a1b2c3d-... npm run package
 * node --import tsx scripts/teams-package.ts --out /tmp/teams.zip
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The placeholder app ID used when `TEAMS_APP_ID` is not set. */
export const PLACEHOLDER_APP_ID = '00000000-0000-4000-8000-000000000000';

/** Microsoft Teams manifest schema this package targets. */
export const MANIFEST_VERSION = '1.19';

export interface TeamsPackageOptions {
  appId: string;
  /** The package version (default: package.json's). */
  version?: string;
  /** Developer links shown in the app details (https). */
  websiteUrl?: string;
  privacyUrl?: string;
  termsOfUseUrl?: string;
  developerName?: string;
}

/** The bot's command menu (at most 10 per list; title <= 32, description <= 128 characters). */
export const BOT_COMMANDS: { title: string; description: string }[] = [
  {
    title: 'why last week',
    description: 'Explain the change in Bedrock spend: which model, token class, team',
  },
  { title: 'spend mtd by team', description: 'Spend for a period, by model, team, usage, region or account' },
  { title: 'forecast', description: 'Month-end forecast, for everyone or one team (forecast team search)' },
  { title: 'budget', description: 'Budgets: status, or budget set TEAM AMOUNT teams CONVERSATION' },
  { title: 'idle', description: 'Provisioned throughput with no calls, and what it costs' },
  {
    title: 'estimate',
    description: 'What a workload would cost: estimate sonnet 4.5 2000 in 500 out 10k/day',
  },
  { title: 'savings', description: 'Every way to save, with its dollars a month (idle, caches, batch)' },
  { title: 'prices', description: 'Prices of a model in a Region: prices nova-micro region eu-west-1' },
  { title: 'ask', description: 'A free-form question about your Bedrock spend' },
  { title: 'help', description: 'Every command, with examples' },
];

/** The app manifest. */
export function teamsManifest(options: TeamsPackageOptions): Record<string, unknown> {
  const version =
    options.version ??
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const website = options.websiteUrl ?? 'https://example.com/bedrock-cost';
  const scopes = ['personal', 'team', 'groupChat'];
  return {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version,
    id: options.appId,
    developer: {
      name: options.developerName ?? 'bedrock-cost',
      websiteUrl: website,
      privacyUrl: options.privacyUrl ?? website,
      termsOfUseUrl: options.termsOfUseUrl ?? website,
    },
    name: { short: 'bedrock-cost', full: 'bedrock-cost: Amazon Bedrock spend' },
    description: {
      short: 'Your Amazon Bedrock spend, explained: why it changed, budgets, alerts',
      full:
        'Ask bedrock-cost about your Amazon Bedrock bill in a channel (@bedrock-cost why last week), a group chat or a personal chat. ' +
        'It answers from Cost Explorer and CloudWatch: which model, token class and team drove a change, spend by team, ' +
        'month-end forecasts, idle provisioned throughput and what a workload would cost. Teams with a budget get alerts ' +
        '(with Acknowledge and Show breakdown buttons) and a weekly digest with a chart in the channel of their choice.',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: '#232F3E',
    bots: [
      {
        botId: options.appId,
        scopes,
        isNotificationOnly: false,
        supportsFiles: false,
        supportsCalling: false,
        supportsVideo: false,
        commandLists: [{ scopes, commands: BOT_COMMANDS }],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [],
  };
}

/** An RGBA image. */
interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

function image(width: number, height: number): Image {
  return { width, height, rgba: new Uint8Array(width * height * 4) };
}

function fill(
  img: Image,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  rgba: [number, number, number, number],
) {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++)
      img.rgba.set(rgba, (y * img.width + x) * 4);
  }
}

/** Three rising bars and a baseline: a cost chart, in `color` on whatever is below. */
function drawBars(img: Image, size: number, pad: number, color: [number, number, number, number]) {
  const inner = size - 2 * pad;
  const gap = Math.max(1, Math.round(inner / 12));
  const bar = Math.floor((inner - 2 * gap) / 3);
  const base = size - pad;
  const heights = [0.45, 0.7, 1];
  heights.forEach((h, i) => {
    const x = pad + i * (bar + gap);
    fill(img, x, base - Math.round(inner * h), x + bar, base, color);
  });
}

/** The 192x192 colour icon: white bars on the accent colour, full bleed. */
export function colorIcon(): Image {
  const img = image(192, 192);
  fill(img, 0, 0, 192, 192, [0x23, 0x2f, 0x3e, 255]);
  drawBars(img, 192, 44, [255, 255, 255, 255]);
  fill(img, 44, 150, 148, 156, [0xff, 0x99, 0x00, 255]);
  return img;
}

/** The 32x32 outline icon: white on a transparent background. */
export function outlineIcon(): Image {
  const img = image(32, 32);
  drawBars(img, 32, 6, [255, 255, 255, 255]);
  return img;
}

/** Encode RGBA as a PNG (8-bit, colour type 6, no interlace). */
export function encodePng(img: Image): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const stride = img.width * 4;
  const raw = Buffer.alloc((stride + 1) * img.height);
  for (let y = 0; y < img.height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(img.rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A zip archive of files at its root (deflated; a fixed timestamp, so builds are reproducible). */
export function zipFiles(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // 2026-01-01
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const compressed = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The package's bytes. */
export function buildTeamsAppPackage(options: TeamsPackageOptions): Buffer {
  return zipFiles([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(teamsManifest(options), null, 2)}\n`) },
    { name: 'color.png', data: encodePng(colorIcon()) },
    { name: 'outline.png', data: encodePng(outlineIcon()) },
  ]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const at = argv.indexOf('--out');
  const out = resolve(
    at >= 0 && argv[at + 1] ? argv[at + 1]! : join(ROOT, '.serverless', 'bedrock-cost-teams-app.zip'),
  );
  const appId = env.TEAMS_APP_ID?.trim() || PLACEHOLDER_APP_ID;
  if (!GUID.test(appId)) {
    process.stderr.write(
      `TEAMS_APP_ID must be the bot's Entra app (client) ID, a GUID; got "${appId.slice(0, 60)}"\n`,
    );
    return 2;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    buildTeamsAppPackage({
      appId,
      ...(env.TEAMS_APP_WEBSITE_URL ? { websiteUrl: env.TEAMS_APP_WEBSITE_URL } : {}),
      ...(env.TEAMS_APP_PRIVACY_URL ? { privacyUrl: env.TEAMS_APP_PRIVACY_URL } : {}),
      ...(env.TEAMS_APP_TERMS_URL ? { termsOfUseUrl: env.TEAMS_APP_TERMS_URL } : {}),
    }),
  );
  process.stdout.write(`Teams app package: ${out}\n`);
  if (appId === PLACEHOLDER_APP_ID) {
    process.stdout.write(
      '  (TEAMS_APP_ID is not set: the manifest carries a placeholder app ID; set it before uploading to Teams)\n',
    );
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
