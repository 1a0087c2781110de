/**
 * POST /teams/messages: the Teams outgoing-webhook endpoint. Answers within Teams' 5
 * seconds with an Adaptive Card; what takes longer goes to the command worker, which
 * posts to the team's Workflows webhook. Full deps: a cached spend answer can still be
 * given inline.
 */
import { createTeamsMessagesHandler } from '../lib/chat/teams-app.js';
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = createTeamsMessagesHandler(lambdaDeps);
