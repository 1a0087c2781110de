/**
 * esbuild plugins for the Lambda bundles (serverless-esbuild `custom.esbuild.plugins:
 * infra/slack-esbuild-plugins.cjs`; also used by bench/cold-start.ts).
 *
 * Bolt's `App` module statically requires its HTTP and Socket Mode receivers, which pull
 * in Express-style body parsing (iconv-lite), OAuth (jsonwebtoken) and a WebSocket client
 * (undici): about 1.2 MB of a 1.3 MB bundle. The slack-events function only ever uses
 * `AwsLambdaReceiver` (passed to `App` explicitly, so the others are never constructed),
 * so those two modules are replaced by stubs that throw if anything ever tries.
 */
const STUBBED = /^\.\/receivers\/(HTTPReceiver|SocketModeReceiver|ExpressReceiver)$/;

/** @type {import('esbuild').Plugin} */
const slimBolt = {
  name: 'slim-bolt',
  setup(build) {
    build.onResolve({ filter: STUBBED }, (args) =>
      /[\\/]@slack[\\/]bolt[\\/]/.test(args.importer) ? { path: args.path, namespace: 'slim-bolt' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'slim-bolt' }, (args) => ({
      loader: 'js',
      contents: `class Unbundled { constructor() { throw new Error(${JSON.stringify(
        `${args.path} is not bundled: pass AwsLambdaReceiver to App`,
      )}); } }
module.exports = { __esModule: true, default: Unbundled };`,
    }));
  },
};

module.exports = [slimBolt];
