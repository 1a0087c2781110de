import { describe, expect, it } from 'vitest';
import { isSentence } from '../../lib/assistant/route.js';
import { tokenize } from '../../lib/commands/grammar.js';
import { COMMANDS } from '../../lib/commands/registry.js';

const commandWords = [
  ...COMMANDS.map((c) => c.name),
  'cost',
  'costs',
  'explain',
  'est',
  'price',
  'pricing',
  'budgets',
];
const sentence = (text: string) => isSentence(text, tokenize(text), commandWords);

describe('isSentence', () => {
  it('takes questions and real sentences', () => {
    expect(sentence('which team spent the most last month?')).toBe(true);
    expect(sentence('what did we spend last week')).toBe(true);
    expect(sentence('how much is search costing us')).toBe(true);
    expect(sentence('search spend last week')).toBe(true);
    expect(sentence('spend?')).toBe(true);
  });

  it('leaves typos of commands and short fragments to the "Did you mean" answer', () => {
    expect(sentence('spedn last week')).toBe(false);
    expect(sentence('budgte search 5000')).toBe(false);
    expect(sentence('forcast team search')).toBe(false);
    expect(sentence('idel 72')).toBe(false);
    expect(sentence('hello')).toBe(false);
    expect(sentence('search spend')).toBe(false);
  });
});
