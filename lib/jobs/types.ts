/**
 * Scheduled jobs (digest, alerts, idle scan, pricing refresh) report what they did in one
 * shape, so the CLI can print a dry run and Lambda can log a summary.
 */
import type { Reply } from '../reply/reply.js';

export interface JobMessage {
  /** Where it goes, described without secrets (`slack:C0123`, `teams:host`). */
  target: string;
  /** What it is about (`search`, `THRESHOLD#80`, ...). */
  subject: string;
  reply: Reply;
  status: 'sent' | 'dry-run' | 'already-sent' | 'failed';
  reason?: string;
}

export interface JobReport {
  job: 'digest' | 'alerts' | 'idle-scan' | 'pricing-refresh' | 'ledger-sync';
  messages: JobMessage[];
  /** One line for logs and the CLI. */
  summary: string;
}

export interface JobOptions {
  dryRun: boolean;
}
