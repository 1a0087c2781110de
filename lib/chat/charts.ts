/**
 * Charts for command answers, drawn at the edge that delivers them. A command's `image`
 * block carries what to draw (`chart`) and a text stand-in (`fallback`); here the PNG is
 * drawn (Vega-Lite + resvg, loaded only when a chart is drawn) and made deliverable:
 *
 * - Slack: a `response_url` message cannot carry a file, so the PNG is uploaded with the
 *   bot token (`files.getUploadURLExternal`, POST, `files.completeUploadExternal` without a
 *   channel: the file stays private to the app, so an answer only the asker sees does not
 *   put a chart in the channel) and the message shows it with an image block's
 *   `slack_file`. Without a bot token the text stand-in stays.
 * - Teams: the PNG goes inline in the Adaptive Card (`teams-render.ts`), drawn small.
 *
 * A chart is a bonus: any failure leaves the answer with its text stand-in, never without
 * an answer.
 */
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import type { ChartRequest, Reply, ReplyBlock } from '../reply/reply.js';

type ImageBlock = Extract<ReplyBlock, { kind: 'image' }>;

export interface ChartOptions {
  /** Teams: a smaller chart, recompressed (it travels as base64 inside a 28 KB card). */
  small?: boolean;
}

async function draw(chart: ChartRequest, options: ChartOptions): Promise<Uint8Array> {
  const render = await import('../chart/render.js');
  const size = options.small ? { width: chart.kind === 'bridge' ? 200 : 420, scale: 1, smallest: true } : {};
  // In a Teams card the headline above says what the title would: bytes are scarce there.
  if (chart.kind === 'bridge')
    return (await render.renderBridgeChart(options.small ? { ...chart.input, title: '' } : chart.input, size))
      .png;
  return (
    await render.renderDailyChart({ ...chart.input, ...size, ...(options.small ? { legendColumns: 2 } : {}) })
  ).png;
}

/**
 * The reply with a PNG drawn for each `image` block that asks for a chart and has none.
 *
 * @example
 * const drawn = await drawCharts(result.reply);
 */
export async function drawCharts(reply: Reply, options: ChartOptions = {}, log?: Log): Promise<Reply> {
  if (!reply.blocks.some((b) => b.kind === 'image' && b.chart && !b.png)) return reply;
  const blocks = await Promise.all(
    reply.blocks.map(async (block) => {
      if (block.kind !== 'image' || !block.chart || block.png) return block;
      try {
        return { ...block, png: await draw(block.chart, options) } satisfies ImageBlock;
      } catch (error) {
        log?.warn('chart not drawn: the answer keeps its text stand-in', { alt: block.alt }, error);
        return block;
      }
    }),
  );
  return { ...reply, blocks };
}

interface SlackUploadOptions {
  apiUrl: string;
  token: string;
  fetch?: typeof fetch;
}

async function slackCall(
  method: string,
  body: Record<string, string>,
  options: SlackUploadOptions,
): Promise<Record<string, unknown>> {
  const response = await (options.fetch ?? fetch)(`${options.apiUrl.replace(/\/$/, '')}/${method}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(body).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (parsed.ok !== true) throw new Error(`slack ${method}: ${String(parsed.error ?? response.status)}`);
  return parsed;
}

/** Upload a PNG privately to the app (no channel); returns its file ID. */
async function uploadPrivatePng(
  png: Uint8Array,
  title: string,
  options: SlackUploadOptions,
): Promise<string> {
  const filename = `${
    title
      .replace(/[^A-Za-z0-9-]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'chart'
  }.png`;
  const target = await slackCall(
    'files.getUploadURLExternal',
    { filename, length: String(png.byteLength) },
    options,
  );
  const uploadUrl = String(target.upload_url ?? '');
  const fileId = String(target.file_id ?? '');
  if (!uploadUrl || !fileId) throw new Error('slack files.getUploadURLExternal: no upload URL');
  const uploaded = await (options.fetch ?? fetch)(uploadUrl, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: png,
    signal: AbortSignal.timeout(10_000),
  });
  if (!uploaded.ok) throw new Error(`slack file upload: HTTP ${uploaded.status}`);
  await slackCall(
    'files.completeUploadExternal',
    { files: JSON.stringify([{ id: fileId, title }]) },
    options,
  );
  return fileId;
}

/**
 * Draw and upload the reply's charts for a Slack `response_url` answer; each uploaded
 * chart's block gets its `slackFileId`. Without `SLACK_BOT_TOKEN` the reply is unchanged.
 */
export async function chartsForSlack(
  reply: Reply,
  config: Pick<Config, 'SLACK_API_URL' | 'SLACK_BOT_TOKEN'>,
  options: { fetch?: typeof fetch; log?: Log } = {},
): Promise<Reply> {
  const token = config.SLACK_BOT_TOKEN;
  if (!token || !reply.blocks.some((b) => b.kind === 'image' && b.chart)) return reply;
  const drawn = await drawCharts(reply, {}, options.log);
  const blocks = await Promise.all(
    drawn.blocks.map(async (block) => {
      if (block.kind !== 'image' || !block.png || block.url || block.slackFileId) return block;
      try {
        const slackFileId = await uploadPrivatePng(block.png, block.alt, {
          apiUrl: config.SLACK_API_URL,
          token,
          fetch: options.fetch,
        });
        return { ...block, slackFileId } satisfies ImageBlock;
      } catch (error) {
        options.log?.warn(
          'chart not uploaded: the answer keeps its text stand-in',
          { alt: block.alt },
          error,
        );
        return block;
      }
    }),
  );
  return { ...drawn, blocks };
}
