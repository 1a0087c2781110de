import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', AWS_REGION: 'us-east-1' },
  },
});
