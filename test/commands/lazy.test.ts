import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, loadCommand, parseLineLazy } from '../../lib/commands/lazy.js';
import { COMMANDS } from '../../lib/commands/registry.js';

describe('the chat front doors load each command on first use', () => {
  it('load every command help lists: the same one the CLI runs', async () => {
    expect(COMMAND_NAMES).toEqual(COMMANDS.map((c) => c.name));
    for (const command of COMMANDS) expect(await loadCommand(command.name), command.name).toBe(command);
  });

  it('understand `status` typed in Slack or Teams (it was "I don\'t know the command status")', async () => {
    const parsed = await parseLineLazy('status');
    expect(parsed.command.name).toBe('status');
  });
});
