/**
 * Helpers for tests that need a table: the endpoint the global setup started, fresh tables with random
 * names (the request counter now lives in ./helpers.ts).
 */
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

// The request counter moved to the shared helpers; re-exported for the files that import it from here.
export { countRequests, type RequestCounter } from './helpers.js';
