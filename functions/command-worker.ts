/** PLACEHOLDER (issue 8): runs slow commands asynchronously and answers via response_url or Teams. */
import { lambdaDeps } from '../lib/lambda/runtime.js';

export const handler = async (event: unknown) => {
  const deps = await lambdaDeps();
  deps.log.warn('command worker not implemented yet', { event: typeof event });
  return { ok: false };
};
