/**
 * The DynamoDB document client (kept apart from the other clients so the chat
 * acknowledgement path loads only what it needs).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function createDynamoClients(config: DynamoDBClientConfig): {
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
} {
  const client = new DynamoDBClient({ maxAttempts: 5, ...config });
  const db = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, db };
}
