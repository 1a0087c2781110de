/**
 * The one sentence a model may contribute to an answer. Language models state numbers
 * with confidence whether or not they are right, so the rule is mechanical rather than
 * trusting the prompt: a sentence with any digit, currency sign or number word is
 * dropped, and what is left is plain text (no markup, no links, no mentions), short, and
 * shown in a context line marked as model-written. The figures always come from the
 * command the tool ran.
 */
import { stripTags } from '../reply/markup.js';

/** Longest intro shown, in characters. */
export const MAX_INTRO_LENGTH = 160;

const NUMBER_WORDS =
  /\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|half|double|doubled|triple|tripled|twice|dozen|percent|dollars?|cents?|usd|eur|bucks)\b/i;

/**
 * The model's text, reduced to one safe sentence, or undefined when nothing safe is left.
 *
 * @example
 * sanitizeIntro("I'll look up this week's spend for search."); // "I'll look up this week's spend for search."
 * sanitizeIntro('Search spent $1,240 more.'); // undefined
 */
export function sanitizeIntro(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const plain = stripTags(text, ' ', { allowEmpty: true }) // Slack links and mentions (<@U1>, <!channel>, <http://...>)
    .replace(/https?:\/\/\S+/gi, ' ')
    .replace(/[`*_~]/g, '')
    .replace(/[<>#|[\]{}\\]/g, ' ')
    .replace(/@(here|channel|everyone)\b/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const sentences = plain.match(/[^.!?]+[.!?]?/g) ?? [];
  for (const raw of sentences) {
    const sentence = raw.trim();
    if (sentence.length < 3) continue;
    // One sentence at most: the first one, if it is safe; never a later one out of context.
    // Any script's digits (`٤٢`, `४२`), numerals (`Ⅻ`, `½`, `²`) and currency signs, not only ASCII.
    if (/[\p{N}\p{Sc}%‰]/u.test(sentence) || NUMBER_WORDS.test(sentence)) return undefined;
    if (sentence.length > MAX_INTRO_LENGTH) return undefined;
    return sentence;
  }
  return undefined;
}
