/**
 * POST /teams/bot: the Teams bot (Bot Framework protocol; Azure Bot messaging endpoint).
 * Verifies the Bot Connector's token, answers through the Bot Connector, hands slow
 * commands to the command worker. Front-door deps: account data only in the worker.
 */
import { createTeamsBotHandler } from '../lib/chat/teams-bot/app.js';
import { lambdaChatDeps, lambdaConfig } from '../lib/lambda/runtime.js';

export const handler = createTeamsBotHandler(lambdaChatDeps, {
  // The signing keys are fetched while the secrets are read from SSM.
  openIdUrl: () => lambdaConfig().BOTFRAMEWORK_OPENID_URL,
});
