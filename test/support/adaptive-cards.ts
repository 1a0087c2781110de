/**
 * Microsoft's own Adaptive Cards library (`adaptivecards`, the renderer Teams' web client
 * is built on) as a validator: a card is parsed against schema 1.5, its properties are
 * validated, and it is rendered to a DOM (jsdom: the library needs `window` and
 * `document`). Every parse and validation event comes back as a line, so a card that Teams
 * would refuse or show differently fails a test with the library's own message.
 *
 * @example
 * expect(await adaptiveCardProblems(renderTeams(reply))).toEqual([]);
 */
import { JSDOM } from 'jsdom';

type AdaptiveCardsModule = typeof import('adaptivecards');

let loaded: Promise<AdaptiveCardsModule> | undefined;

/** Load the library once, in a jsdom window. */
function library(): Promise<AdaptiveCardsModule> {
  loaded ??= (async () => {
    const { window } = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
    // The library reaches for browser globals (document, HTMLButtonElement, getComputedStyle...).
    const g = globalThis as Record<string, unknown>;
    const w = window as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(window)) {
      if (name in g || !(/^[A-Z]/.test(name) || name === 'getComputedStyle')) continue;
      const value = w[name];
      g[name] = name === 'getComputedStyle' ? (value as (e: unknown) => unknown).bind(window) : value;
    }
    for (const name of ['window', 'document', 'navigator']) if (g[name] === undefined) g[name] = w[name];
    const mod = (await import('adaptivecards')) as AdaptiveCardsModule & { default?: AdaptiveCardsModule };
    return mod.AdaptiveCard ? mod : (mod.default as AdaptiveCardsModule);
  })();
  return loaded;
}

/**
 * Everything the library objects to in a card (empty when the card is valid for 1.5 and
 * renders): parse events (unknown elements or actions, bad property values, a newer
 * version), validation failures, or a render that throws or draws nothing.
 */
export async function adaptiveCardProblems(json: Record<string, unknown>): Promise<string[]> {
  const AC = await library();
  const problems: string[] = [];
  if (json.version !== '1.5') problems.push(`version is ${String(json.version)}, not 1.5`);
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const describe = (e: { phase: number; event: number; message: string }) =>
    `${AC.ValidationPhase[e.phase]}: ${AC.ValidationEvent[e.event]}: ${e.message}`;
  for (let i = 0; i < context.eventCount; i++) problems.push(describe(context.getEventAt(i)));
  for (const e of card.validateProperties().validationEvents) problems.push(describe(e));
  try {
    const element = card.render();
    if (!element) problems.push('render: nothing rendered');
  } catch (error) {
    problems.push(`render: ${(error as Error).message}`);
  }
  return problems;
}
