/**
 * Asynchronous command worker: runs slow commands (spend, why, idle, forecast, ask) that
 * the Slack and Teams front doors acknowledged, and posts the answer to Slack's
 * `response_url` or the team's Teams Workflows webhook.
 */
import { createCommandWorkerHandler } from '../lib/chat/worker.js';
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = createCommandWorkerHandler(lambdaDeps);
