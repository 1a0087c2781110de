/**
 * `help`: every command with its grammar and an example, or one command in detail.
 */

import { closestMatches } from '../fuzzy.js';
import type { Reply } from '../reply/reply.js';
import { COMMAND_HELP, helpOf } from './meta.js';
import { defineCommand } from './types.js';

export interface HelpData {
  commands: { name: string; summary: string; usage: string[]; examples: string[] }[];
}

export const helpCommand = defineCommand<{ topic?: string }, HelpData>({
  ...helpOf('help'),
  slow: false,
  parse: (words) => ({ topic: words[0]?.toLowerCase() }),
  run: async (input) => {
    // The commands' help only (`meta.ts`), not the commands: `help` answers inside Slack's
    // acknowledgement, also on a cold start.
    const COMMANDS = COMMAND_HELP;
    const chosen = input.topic ? COMMANDS.filter((c) => c.name === input.topic) : COMMANDS;
    const list = chosen.length ? chosen : COMMANDS;
    // `help foo`: say there is no such command (and the closest ones) before the full list.
    const unknown =
      input.topic && !chosen.length
        ? `I don't know the command "${input.topic.slice(0, 40)}" (did you mean: ${closestMatches(
            input.topic,
            COMMANDS.map((c) => c.name),
            3,
          ).join(', ')}?). Here is everything I can answer.`
        : undefined;
    const data: HelpData = {
      commands: list.map((c) => ({ name: c.name, summary: c.summary, usage: c.usage, examples: c.examples })),
    };
    const single = list.length === 1 ? list[0] : undefined;
    const reply: Reply = single
      ? {
          headline: `${single.name}: ${single.summary}`,
          blocks: [
            { kind: 'text', text: single.usage.map((u) => `\`${u}\``).join('\n') },
            ...(single.examples.length
              ? [
                  {
                    kind: 'text' as const,
                    text: `Examples:\n${single.examples.map((e) => `• \`${e}\``).join('\n')}`,
                  },
                ]
              : []),
          ],
        }
      : {
          headline:
            unknown ??
            'Ask me about your Amazon Bedrock spend: what it is, why it changed, and what a workload would cost.',
          context: [
            'PERIOD: today, yesterday, 7d, 30d, this week, last week, mtd, last month, 2026-10, 2026-10-01..2026-10-15',
          ],
          blocks: [
            // One short paragraph per command (name and purpose, then its grammar) rather than a
            // table: the workload grammar is too wide for a two-column table in a chat window.
            {
              kind: 'text',
              text: list
                .map((c) => `*${c.name}*: ${c.summary}\n${c.usage.map((u) => `\`${u}\``).join('\n')}`)
                .join('\n'),
            },
            {
              kind: 'text',
              text: `Examples: ${list
                .flatMap((c) => c.examples.slice(0, 1))
                .filter((e) => e !== 'help')
                .map((e) => `\`${e}\``)
                .join(', ')}. Add \`public\` to post the answer in the channel.`,
            },
          ],
        };
    return { command: 'help', data, reply };
  },
});
