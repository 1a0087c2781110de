/**
 * Scheduled daily: refresh the pricing catalog from the AWS Price List API
 * (`AmazonBedrock` + `AmazonBedrockFoundationModels`, us-east-1 endpoint) into DynamoDB.
 * A refresh that fails or looks wrong keeps the previous catalog and logs why.
 */
import { createPricingClient } from '../lib/aws/clients.js';
import { createPriceListSource } from '../lib/aws/price-list.js';
import { createScheduledHandler } from '../lib/lambda/runtime.js';
import { runPricingRefresh } from '../lib/pricing/refresh.js';

/** Built once per cold start; the SDK resolves credentials on the first call. */
const priceList = createPriceListSource(createPricingClient());

export const handler = createScheduledHandler('pricing-refresh', (deps, options) =>
  runPricingRefresh(deps, options, priceList),
);
