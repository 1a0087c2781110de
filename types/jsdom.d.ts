/** The part of jsdom the tests use (test/support/adaptive-cards.ts): a window to render cards in. */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string, options?: { pretendToBeVisual?: boolean; url?: string });
    readonly window: Window & typeof globalThis;
  }
}
