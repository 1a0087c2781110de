/**
 * POST /slack/events: the `/bedrock-cost` slash command and button clicks (Bolt on
 * AwsLambdaReceiver). Fast commands answer in the acknowledgement; slow ones go to the
 * command worker. Front-door deps: no account-data clients on this cold path.
 */
import { createSlackEventsHandler } from '../lib/chat/slack-app.js';
import { lambdaChatDeps } from '../lib/lambda/runtime.js';

export const handler = createSlackEventsHandler(lambdaChatDeps);
