/** PLACEHOLDER (issue 3): scheduled daily refresh of the pricing catalog from the Price List API. */
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = async () => {
  const deps = await lambdaDeps();
  deps.log.warn('pricing refresh not implemented yet');
  return { ok: false };
};
