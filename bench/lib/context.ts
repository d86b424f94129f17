/**
 * What every workload gets: the DynamoDB Local of this run, fresh tables in dynago's and in Castore's
 * documented layouts, and fresh SDK clients configured exactly like dynago's own (same endpoint, region,
 * credentials and marshalling options), so that no side starts with a different HTTP agent or setting.
 */
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Table } from '../../src/index.js';
import { createTestTableName, type DynamoDBHandle } from '../../src/testing/index.js';
import { Fixtures } from './fixtures.js';

export interface BenchOptions {
  quick: boolean;
  /** Workload numbers to run (1 to 10); all when empty. */
  only: Set<number>;
}

export class Bench {
  readonly startedAt = Date.now();
  /** Long streams shared by several workloads, written on first use. */
  readonly fixtures = new Fixtures(this);

  constructor(
    readonly db: DynamoDBHandle,
    readonly options: BenchOptions,
  ) {}

  get quick(): boolean {
    return this.options.quick;
  }

  /** `full` in a full run, `quick` with --quick. */
  scale<T>(full: T, quick: T): T {
    return this.options.quick ? quick : full;
  }

  log(line: string): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(0).padStart(4);
    console.log(`[bench ${seconds}s] ${line}`);
  }

  /** A low-level client, configured as dynago configures its own. */
  rawClient(): DynamoDBClient {
    return new DynamoDBClient({
      region: this.db.region,
      endpoint: this.db.endpoint,
      credentials: this.db.credentials,
    });
  }

  /** A document client with dynago's marshalling options: the "raw SDK" baseline. */
  documentClient(): DynamoDBDocumentClient {
    return DynamoDBDocumentClient.from(this.rawClient(), {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  /** A dynago Table over a table that already exists (e.g. another Table's, to seed it). */
  tableFor(tableName: string, partitionKeyName: string, sortKeyName: string): Table {
    return new Table({
      tableName,
      partitionKeyName,
      sortKeyName,
      region: this.db.region,
      endpoint: { url: this.db.endpoint, ...this.db.credentials },
    });
  }

  /** A new table in dynago's layout: `pk` (S) and `sk` (N for event tables, S otherwise). */
  async dynagoTable(prefix: string, sortKeyType: 'S' | 'N' = 'N'): Promise<Table> {
    const table = this.tableFor(createTestTableName(`bench-${prefix}`), 'pk', 'sk');
    await table.createTable({ sortKeyType });
    return table;
  }

  /**
   * A new table in the layout Castore's DynamoDBSingleTableEventStorageAdapter documents: `aggregateId`
   * (S) and `version` (N), and the `initialEvents` index (eventStoreId, timestamp) projecting keys only.
   */
  async castoreTable(prefix: string): Promise<string> {
    const tableName = createTestTableName(`bench-${prefix}`);
    const client = this.rawClient();
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'aggregateId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
          { AttributeName: 'eventStoreId', AttributeType: 'S' },
          { AttributeName: 'timestamp', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'aggregateId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'initialEvents',
            KeySchema: [
              { AttributeName: 'eventStoreId', KeyType: 'HASH' },
              { AttributeName: 'timestamp', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
    client.destroy();
    return tableName;
  }
}
