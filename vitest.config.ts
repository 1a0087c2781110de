import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Four projects, all run by `npm test` (`vitest run`); one at a time with
 * `npx vitest run --project unit` (seconds, while you work), `integration`, `deploy`, `scale`.
 *
 * - deploy: packages the stack (`osls package`, cfn-lint) and the Teams app: slow. The stack
 *   is packaged once per run for all its files (`globalSetup`, test/deploy/packaging.ts).
 * - scale: thousands of teams through the real jobs.
 * - integration: a test that starts a local server (dynalite, the AWS wire server, Slack,
 *   the Bot Connector) or a process; found by what the file calls, so it cannot go stale.
 * - unit: everything else (pure code).
 */
const DEPLOY = ['test/deploy/**/*.test.ts'];
const SCALE = ['test/**/scale.test.ts'];
const STARTS_SOMETHING =
  /\b(startTestDynamo|startAwsServer|startSlackServer|startWebhookServer|startBotFramework\w*|createLocalRuntime|runCli|execFile\w*|spawn\w*)\(/;

const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f));
const integration = testFiles.filter(
  (f) =>
    !f.startsWith(join('test', 'deploy')) &&
    !f.endsWith('scale.test.ts') &&
    STARTS_SOMETHING.test(readFileSync(f, 'utf8')),
);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', AWS_REGION: 'us-east-1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...DEPLOY, ...SCALE, ...integration],
        },
      },
      { extends: true, test: { name: 'integration', include: integration } },
      {
        extends: true,
        test: { name: 'deploy', include: DEPLOY, globalSetup: ['test/deploy/global-setup.ts'] },
      },
      { extends: true, test: { name: 'scale', include: SCALE } },
    ],
  },
});
