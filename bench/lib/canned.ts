/**
 * A DynamoDB client that never leaves the process: its HTTP handler answers every request with a canned
 * DynamoDB response, so timing a call measures only the client side (the library plus the SDK's
 * serialising, signing and parsing), without the network or DynamoDB Local's own time.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/** A response body per DynamoDB operation (`GetItem`, `PutItem`, `Query`, …), as plain JavaScript. */
export type CannedBodies = Record<string, Record<string, unknown>>;

/** Marshals the `Item` / `Items` of a plain response into DynamoDB JSON. */
export function cannedBody(body: {
  Item?: Record<string, unknown>;
  Items?: Record<string, unknown>[];
}): Record<string, unknown> {
  return {
    ...(body.Item ? { Item: marshall(body.Item) } : {}),
    ...(body.Items
      ? {
          Items: body.Items.map((item) => marshall(item)),
          Count: body.Items.length,
          ScannedCount: body.Items.length,
        }
      : {}),
  };
}

interface Request {
  headers: Record<string, string>;
}

/** A low-level client whose every request is answered from `bodies`. */
export function cannedClient(bodies: CannedBodies): DynamoDBClient {
  const encoded = new Map(
    Object.entries(bodies).map(([operation, body]) => [operation, Buffer.from(JSON.stringify(body))]),
  );
  const requestHandler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: Request) {
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
      const operation = target.slice(target.indexOf('.') + 1);
      const body = encoded.get(operation) ?? Buffer.from('{}');
      return {
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) },
          body: Readable.from([body]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // biome-ignore lint/suspicious/noExplicitAny: a minimal HttpHandler, enough for the SDK's use
    requestHandler: requestHandler as any,
  });
}

/** A document client (dynago's marshalling options) over {@link cannedClient}. */
export function cannedDocumentClient(bodies: CannedBodies): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(cannedClient(bodies), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
