/**
 * The deploy project's global setup (vitest.config.ts): one scratch folder per test run,
 * where the stack is packaged once for every deploy test file that reads it
 * (test/deploy/packaging.ts), and removed at the end with osls' work folders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packageOnRequest } from './packaging.js';

export default function setup(project: TestProject): () => Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bedrock-cost-deploy-'));
  const workFolders: string[] = [];
  const packaging = packageOnRequest(scratch, workFolders);
  project.provide('deployScratch', scratch);
  return async () => {
    await packaging.stop();
    rmSync(scratch, { recursive: true, force: true });
    for (const folder of workFolders) rmSync(folder, { recursive: true, force: true });
  };
}
