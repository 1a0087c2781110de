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
// The chat front doors that acknowledge at once: Slack's, and the Teams bot's.
const FRONT_DOOR_ENTRY = /[\\/]functions[\\/](slack-events|teams-bot)\.[cm]?[jt]s$/;
const WORKER_ONLY = /(^|[\\/])aws[\\/](clients|sources)\.js$/;
/**
 * Account-data SDK clients some modules import lazily themselves (e.g. `ask` calls Bedrock
 * Runtime), and Powertools Parameters with its SSM client (~130 KB), which only
 * `lambdaDeps` uses: the front door reads its secrets with `withSecretsLite`.
 */
const WORKER_ONLY_PACKAGES =
  /^(@aws-sdk\/client-(bedrock|bedrock-runtime|cost-explorer|cloudwatch|pricing)|@aws-lambda-powertools\/parameters(\/.*)?)$/;

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

/**
 * Code splitting for the slack-events bundle. As one file, every byte of the function is
 * read and compiled by V8 before the first request, although the acknowledgement of `help`
 * runs a fraction of it: the DynamoDB SDK, the pricing catalog and most commands are
 * behind `import()` and only needed by slower paths. With ESM splitting each lazily
 * imported module becomes its own file, read only when imported.
 *
 * The chunks go to `functions/slack-events.chunks/` next to the entry: serverless-esbuild
 * ships everything in its build folder with each function except other functions' entry
 * files and the files derived from them (`functions/slack-events.*`), so the chunks are in
 * the slack-events zip and in no other. Only for ESM builds into a folder (`outdir`), as
 * serverless-esbuild makes them; a build into a single `outfile` stays one file.
 */
/** @type {import('esbuild').Plugin} */
const splitFrontDoor = {
  name: 'split-front-door',
  setup(build) {
    const path = require('node:path');
    const options = build.initialOptions;
    const entries = [].concat(options.entryPoints ?? []).map((e) => (typeof e === 'string' ? e : e.in));
    if (!entries.some((e) => FRONT_DOOR_ENTRY.test(path.resolve(e)))) return;
    if (options.format !== 'esm' || !options.outdir || options.outfile) return;
    const name = path.basename(entries.find((e) => FRONT_DOOR_ENTRY.test(path.resolve(e)))).replace(/\.[cm]?[jt]s$/, '');
    options.splitting = true;
    options.chunkNames = `${name}.chunks/[name]-[hash]`;

    // Fewer, larger files on the cold path. esbuild makes one chunk per set of entry
    // points (the function, and every `import()` target) that reach a module, so the
    // modules the function loads at start, shared in different combinations with lazily
    // imported ones, came out as ~16 small files; each costs ~0.7 ms to load (more than
    // compiling it). Every lazily imported project module is therefore wrapped in one that
    // also imports the function's entry: by the time an `import()` runs the entry is
    // loaded, so this changes nothing at run time, but every module the entry reaches is
    // now reached by the same entry points and lands in one chunk.
    const entry = path.resolve(entries.find((e) => FRONT_DOOR_ENTRY.test(path.resolve(e))));
    const project = path.resolve(__dirname, '..');
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.lazyWrapped) return undefined;
      if (!args.importer.startsWith(project) || args.importer.includes(`${path.sep}node_modules${path.sep}`))
        return undefined;
      const real = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { lazyWrapped: true },
      });
      if (real.errors.length || real.namespace !== 'file' || real.external) return real;
      return { path: real.path, namespace: 'front-door-lazy' };
    });
    build.onLoad({ filter: /.*/, namespace: 'front-door-lazy' }, (args) => ({
      loader: 'js',
      resolveDir: path.dirname(args.path),
      contents: `import ${JSON.stringify(entry)};\nexport * from ${JSON.stringify(args.path)};`,
    }));
  },
};

module.exports = [slimBolt, frontDoorOnly, splitFrontDoor];
