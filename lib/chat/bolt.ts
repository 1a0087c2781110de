/**
 * Bolt's `App` and `AwsLambdaReceiver`, from their own modules: Bolt's index also loads
 * Express, Socket Mode and OAuth, which the Slack front door never uses (see
 * infra/slack-esbuild-plugins.cjs for what the bundle drops). One module, imported by
 * `slack-app.ts` on the first button click or event (a slash command is answered without
 * Bolt), so the split bundle reads Bolt as one file, and not on a cold `help`.
 */
import * as appModule from '@slack/bolt/dist/App.js';
import * as receiverModule from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';

// CommonJS interop differs between Node, tsx and bundlers: find the class either way.
const pick = <T>(mod: unknown): T => {
  const m = mod as { default?: { default?: T } & T };
  return (m.default?.default ?? m.default) as T;
};

export const App = pick<typeof import('@slack/bolt').App>(appModule);
export const AwsLambdaReceiver = pick<typeof import('@slack/bolt').AwsLambdaReceiver>(receiverModule);
