import {
  type AttributeDefinition,
  CreateTableCommand,
  DeleteTableCommand,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import {
  DynagoError,
  DynamoDBError,
  KeySchemaError,
  TableExistsError,
  type TableKeySchema,
  ValidationError,
} from '../../errors.js';
import type { TableContext } from '../context.js';
import { describeKeySchema, keySchemaOf } from '../keySchema.js';
import type { CallOptions } from './writeCondition.js';

export type KeyType = 'S' | 'N' | 'B';

export interface IndexDefinition {
  name: string;
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
  /** Which attributes the index holds: all of them (default), or only the keys (cheaper to write). */
  projection?: 'ALL' | 'KEYS_ONLY';
}

export interface CreateTableOptions extends CallOptions {
  partitionKeyType?: KeyType;
  sortKeyType?: KeyType;
  /** Global secondary indexes, projecting all attributes unless an index says `projection: 'KEYS_ONLY'`. */
  indexes?: IndexDefinition[];
  /** Seconds to wait for the table to become ACTIVE; default 60. */
  waitSeconds?: number;
  /**
   * Turn on the table's DynamoDB Stream with this view of each change: `'NEW_IMAGE'` is what
   * `Projector.run` and the Lambda handler need (each event's item as written). Off by default.
   */
  stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE';
  /**
   * Accept a table that already exists instead of throwing {@link TableExistsError}: its key (names and
   * types) must be the one this call would create, else {@link KeySchemaError}; then it waits until the
   * table is ACTIVE. Only the key is compared: indexes and the stream of an existing table are left as
   * they are. Costs one DescribeTable when the table exists.
   */
  ifNotExists?: boolean;
}

/**
 * Creates the table with on-demand billing (PAY_PER_REQUEST) and waits until it is ACTIVE.
 * Meant for tests, local development and bootstrap scripts; production tables usually come from
 * infrastructure code. A table that exists already is a {@link TableExistsError}, unless `ifNotExists`.
 */
export async function createTable(ctx: TableContext, options: CreateTableOptions = {}): Promise<void> {
  const attributes = new Map<string, KeyType>();
  const define = (name: string, type: KeyType) => {
    const known = attributes.get(name);
    if (known !== undefined && known !== type) {
      throw new ValidationError(
        `createTable: attribute "${name}" is declared both as ${known} and as ${type}.`,
      );
    }
    attributes.set(name, type);
  };
  const keySchema = (pk: string, sk: string | undefined): KeySchemaElement[] => [
    { AttributeName: pk, KeyType: 'HASH' },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  if (options.ifNotExists !== undefined && typeof options.ifNotExists !== 'boolean') {
    throw new ValidationError(
      `createTable: ifNotExists must be true or false, got ${String(options.ifNotExists)}.`,
    );
  }
  const views = ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY', 'OLD_IMAGE'];
  if (options.stream !== undefined && !views.includes(options.stream)) {
    throw new ValidationError(
      `createTable: stream must be one of ${views.join(', ')} (NEW_IMAGE for projections), got ${String(options.stream)}.`,
    );
  }
  define(ctx.partitionKeyName, options.partitionKeyType ?? 'S');
  if (ctx.sortKeyName) define(ctx.sortKeyName, options.sortKeyType ?? 'S');
  const indexes: GlobalSecondaryIndex[] = (options.indexes ?? []).map((index) => {
    define(index.partitionKey.name, index.partitionKey.type);
    if (index.sortKey) define(index.sortKey.name, index.sortKey.type);
    return {
      IndexName: index.name,
      KeySchema: keySchema(index.partitionKey.name, index.sortKey?.name),
      Projection: { ProjectionType: index.projection ?? 'ALL' },
    };
  });
  const definitions: AttributeDefinition[] = [...attributes].map(([AttributeName, AttributeType]) => ({
    AttributeName,
    AttributeType,
  }));
  try {
    await ctx.send(
      new CreateTableCommand({
        TableName: ctx.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: definitions,
        KeySchema: keySchema(ctx.partitionKeyName, ctx.sortKeyName),
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        ...(options.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: options.stream } }
          : {}),
      }),
      'CreateTable',
      options.signal,
    );
  } catch (err) {
    if (!(err instanceof TableExistsError) || options.ifNotExists !== true) throw err;
    const wanted: TableKeySchema = {
      partitionKey: { name: ctx.partitionKeyName, type: options.partitionKeyType ?? 'S' },
      ...(ctx.sortKeyName ? { sortKey: { name: ctx.sortKeyName, type: options.sortKeyType ?? 'S' } } : {}),
    };
    const description = await ctx.describeTable(options.signal);
    const actual = keySchemaOf(description);
    if (describeKeySchema(actual) !== describeKeySchema(wanted)) {
      throw new KeySchemaError(
        `createTable({ ifNotExists: true }): table "${ctx.tableName}" exists with ${describeKeySchema(actual)}, ` +
          `but this call would create ${describeKeySchema(wanted)}. A table's key cannot change: make the Table's ` +
          'key names and the createTable key types those of the table, use another table name, or delete the table first.',
        ctx.tableName,
        actual,
        { cause: err },
      );
    }
    if (description.TableStatus === 'ACTIVE') return;
  }
  await waitFor(() =>
    waitUntilTableExists(
      {
        client: ctx.client,
        maxWaitTime: options.waitSeconds ?? 60,
        minDelay: 1,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      },
      { TableName: ctx.tableName },
    ),
  );
}

/** Deletes the table and waits until it is gone. */
export async function deleteTable(ctx: TableContext, options: CallOptions = {}): Promise<void> {
  await ctx.send(new DeleteTableCommand({ TableName: ctx.tableName }), 'DeleteTable', options.signal);
  await waitFor(() =>
    waitUntilTableNotExists(
      {
        client: ctx.client,
        maxWaitTime: 60,
        minDelay: 1,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      },
      { TableName: ctx.tableName },
    ),
  );
}

async function waitFor(wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (err) {
    if (err instanceof DynagoError) throw err;
    throw new DynamoDBError(`Waiting for the table failed: ${(err as Error).message}`, { cause: err });
  }
}
