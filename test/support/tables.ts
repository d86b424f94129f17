/**
 * Helpers for tests that need a table: the endpoint the global setup started, fresh tables with random
 * names, and a request counter on an SDK client.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';

/** Where the tests' DynamoDB is, and the credentials to use. */
export interface TestEndpoint {
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The DynamoDB the global setup (test/support/global-setup.ts) started or found, from `process.env`.
 *
 * @example
 * ```ts
 * const { url, region } = testEndpoint();
 * const client = new DynamoDBClient({ endpoint: url, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 * ```
 */
export function testEndpoint(): TestEndpoint {
  const url = process.env.DYNAMODB_ENDPOINT;
  if (!url) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: run the tests with mocha (npm test), whose global setup starts DynamoDB.',
    );
  }
  return {
    url,
    region: process.env.AWS_REGION || 'us-east-1',
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local',
  };
}

type CreateTableOptions = NonNullable<Parameters<Table['createTable']>[0]>;

/** Options of {@link createTestTable}. */
export interface CreateTestTableOptions {
  /** Whether the table has a sort key (`sk`). Default true. */
  sortKey?: boolean;
  /** Type of `pk`. Default `S`. */
  partitionKeyType?: 'S' | 'N';
  /** Type of `sk`. Default `S`. */
  sortKeyType?: 'S' | 'N';
  /** Global secondary indexes, e.g. `[{ name: 'gsi1', partitionKey: { name: 'gpk', type: 'S' } }]`. */
  indexes?: CreateTableOptions['indexes'];
  /** Start of the random table name. Default `test`. */
  prefix?: string;
}

/**
 * Creates a table with a random name (partition key `pk`, sort key `sk` unless `sortKey: false`) on the
 * tests' DynamoDB and returns its {@link Table}.
 *
 * @example
 * ```ts
 * const table = await createTestTable();
 * const numbered = await createTestTable({ sortKey: false, partitionKeyType: 'N' });
 * const indexed = await createTestTable({ indexes: [{ name: 'gsi1', partitionKey: { name: 'gpk', type: 'S' } }] });
 * ```
 */
export async function createTestTable(options: CreateTestTableOptions = {}): Promise<Table> {
  const { sortKey = true, partitionKeyType, sortKeyType, indexes, prefix } = options;
  const endpoint = testEndpoint();
  const table = new Table({
    tableName: createTestTableName(prefix),
    partitionKeyName: 'pk',
    ...(sortKey ? { sortKeyName: 'sk' } : {}),
    region: endpoint.region,
    endpoint: {
      url: endpoint.url,
      accessKeyId: endpoint.accessKeyId,
      secretAccessKey: endpoint.secretAccessKey,
    },
  });
  await table.createTable({
    ...(partitionKeyType ? { partitionKeyType } : {}),
    ...(sortKey && sortKeyType ? { sortKeyType } : {}),
    ...(indexes ? { indexes } : {}),
  });
  return table;
}

/** Requests counted by {@link countRequests}. */
export interface RequestCounter {
  /** Requests sent so far per command, e.g. `{ PutItemCommand: 2, QueryCommand: 1 }`. */
  readonly counts: Record<string, number>;
  /** All requests sent so far. */
  total(): number;
  /** Starts counting from zero again. */
  reset(): void;
  /** Stops counting (removes the middleware). */
  detach(): void;
}

type AnySdkClient = DynamoDBClient | DynamoDBDocumentClient;
type CountingMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;
interface UntypedStack {
  add(
    middleware: CountingMiddleware,
    options: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ): void;
  remove(name: string): boolean;
}

let counterSequence = 0;

/**
 * Counts the HTTP requests `client` sends, per command: a middleware in the `finalizeRequest` step with
 * low priority, i.e. after the SDK's retry middleware, so every attempt (retries included) counts. Keys
 * are the SDK's `context.commandName` of the low-level command: a document client's `PutCommand` counts
 * as `PutItemCommand`. Adding it to a `DynamoDBDocumentClient` counts its underlying client too (they
 * share one middleware stack).
 *
 * @example
 * ```ts
 * const requests = countRequests(table.client);
 * await table.putItem('a', 'b', { n: 1 });
 * expect(requests.counts.PutItemCommand).to.equal(1);
 * expect(requests.total()).to.equal(1);
 * requests.detach();
 * ```
 */
export function countRequests(client: AnySdkClient): RequestCounter {
  const counts: Record<string, number> = {};
  const name = `dynagoTestRequestCounter${++counterSequence}`;
  const stack = client.middlewareStack as unknown as UntypedStack;
  stack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts[command] = (counts[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return {
    counts,
    total: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    detach: () => {
      stack.remove(name);
    },
  };
}
