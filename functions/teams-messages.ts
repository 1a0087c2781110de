/** POST /teams/messages: the Teams outgoing-webhook endpoint. */
import { createTeamsMessagesHandler } from '../lib/chat/teams-app.js';
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = createTeamsMessagesHandler(lambdaDeps);
