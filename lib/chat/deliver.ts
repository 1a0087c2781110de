/** PLACEHOLDER: Slack/Teams delivery (issue 8 replaces this file). */
import type { Config } from '../config.js';
import { type ChatTarget, type Delivery, DeliveryError } from './delivery.js';

export function createChatDelivery(_config: Config): Delivery {
  return {
    async send(_target: ChatTarget) {
      throw new DeliveryError('Chat delivery is not available yet.', { retryable: true });
    },
  };
}
