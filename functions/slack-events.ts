/** POST /slack/events: slash command and interactivity (Bolt on AwsLambdaReceiver). */
import { createSlackEventsHandler } from '../lib/chat/slack-app.js';
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = createSlackEventsHandler(lambdaDeps);
