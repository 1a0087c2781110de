/**
 * API Gateway HTTP API (payload 2.0) event and result types used by the chat handlers,
 * and by `bedrock-cost serve`, which turns local requests into the same events.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** Every handler takes at most two parameters (Node 24 Lambda runtimes reject more). */
export type HttpHandler = (event: HttpEvent, context?: Context) => Promise<HttpResult>;
