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

/**
 * The chat front doors never read account data: their `deps.sources()` throws
 * `WorkerOnlyError` and slow work goes to the command worker (lib/lambda/runtime.ts
 * `lambdaChatDeps`). Code that would build the Cost Explorer / CloudWatch / Bedrock
 * clients is still reachable in the import graph (through lazy imports of commands such as
 * `ask`), so in the slack-events bundle `lib/aws/clients.ts` and `lib/aws/sources.ts` are
 * replaced by modules whose functions throw `WorkerOnlyError`: a command that reaches
 * them is handed to the worker, and ~350 KB of SDK clients stay out of the bundle.
 */
const FRONT_DOOR_ENTRY = /[\\/]functions[\\/]slack-events\.[cm]?[jt]s$/;
const WORKER_ONLY = /(^|[\\/])aws[\\/](clients|sources)\.js$/;
/** Account-data SDK clients some modules import lazily themselves (e.g. `ask` calls Bedrock Runtime). */
const WORKER_ONLY_PACKAGES = /^@aws-sdk\/client-(bedrock|bedrock-runtime|cost-explorer|cloudwatch|pricing)$/;

/** @type {import('esbuild').Plugin} */
const frontDoorOnly = {
  name: 'front-door-only',
  setup(build) {
    const fs = require('node:fs');
    const path = require('node:path');
    const entries = [].concat(build.initialOptions.entryPoints ?? []).map((e) => (typeof e === 'string' ? e : e.in));
    if (!entries.some((e) => FRONT_DOOR_ENTRY.test(path.resolve(e)))) return;
    build.onResolve({ filter: WORKER_ONLY }, (args) => {
      if (!/[\\/]lib[\\/]/.test(args.importer)) return undefined;
      const file = path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return { path: file, namespace: 'front-door-only' };
    });
    build.onResolve({ filter: WORKER_ONLY_PACKAGES }, (args) =>
      /[\\/]lib[\\/]/.test(args.importer)
        ? { path: path.resolve(args.importer, '../../chat/worker.ts'), namespace: 'front-door-sdk' }
        : undefined,
    );
    // Any export of such a package, used in the front door, throws WorkerOnlyError.
    build.onLoad({ filter: /.*/, namespace: 'front-door-sdk' }, (args) => ({
      loader: 'js',
      resolveDir: path.dirname(args.path),
      contents: `const { WorkerOnlyError } = require(${JSON.stringify(args.path)});
module.exports = new Proxy({}, { get: (_, name) => (name === '__esModule' ? false : function workerOnly() { throw new WorkerOnlyError(); }) });`,
    }));
    build.onLoad({ filter: /.*/, namespace: 'front-door-only' }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const names = [...source.matchAll(/^export\s+(?:async\s+)?(?:function|const|let|class)\s+([A-Za-z0-9_$]+)/gm)].map((m) => m[1]);
      const worker = path.resolve(path.dirname(args.path), '../chat/worker.ts');
      return {
        loader: 'js',
        resolveDir: path.dirname(args.path),
        contents: [
          `import { WorkerOnlyError } from ${JSON.stringify(worker)};`,
          ...names.map((n) => `export function ${n}() { throw new WorkerOnlyError(); }`),
        ].join('\n'),
      };
    });
  },
};

module.exports = [slimBolt, frontDoorOnly];
