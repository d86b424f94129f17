import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableKeySchema, ValidationError } from '../errors.js';
import { batchGetItems } from './actions/batchGetItems.js';
import { batchDeleteItems, batchWriteItems } from './actions/batchWriteItems.js';
import { type CreateTableOptions, createTable, deleteTable } from './actions/createTable.js';
import { deleteItem } from './actions/deleteItem.js';
import { type GetItemOptions, getItem } from './actions/getItem.js';
import { putItem } from './actions/putItem.js';
import {
  type QueryAllOptions,
  type QueryOptions,
  type QueryResult,
  query,
  queryAll,
  queryPages,
} from './actions/query.js';
import { type ScanOptions, scanAll, scanSegments } from './actions/scan.js';
import {
  conditionCheckOp,
  deleteOp,
  putOp,
  type TransactOperation,
  type TransactWriteOptions,
  transactWrite,
  updateOp,
  writeOperation,
} from './actions/transactWrite.js';
import { type UpdateChanges, updateItem } from './actions/updateItem.js';
import type { CallOptions, WriteOptions } from './actions/writeCondition.js';
import { createContext, type TableContext, type TableOptions } from './context.js';
import type { Condition } from './expression.js';
import { keySchemaOf } from './keySchema.js';

/**
 * A small, safe adapter over one DynamoDB table. Values are plain JavaScript; `pk`/`sk` arguments
 * override whatever the item holds under the key names; every call takes an AbortSignal as `signal`;
 * everything thrown extends `DynagoError`.
 *
 * @example
 * ```ts
 * const table = new Table({ tableName: 'app', partitionKeyName: 'pk', sortKeyName: 'sk' });
 * await table.putItem('user#1', 'profile', { name: 'Ada' });
 * const user = await table.getItem<{ name: string }>('user#1', 'profile');
 * ```
 */
export class Table {
  readonly tableName: string;
  readonly partitionKeyName: string;
  readonly sortKeyName: string | undefined;
  private readonly ctx: TableContext;

  constructor(options: TableOptions) {
    for (const name of ['tableName', 'partitionKeyName'] as const) {
      if (typeof options?.[name] !== 'string' || options[name] === '') {
        throw new ValidationError(`new Table: ${name} must be a non-empty string.`);
      }
    }
    if (
      options.sortKeyName !== undefined &&
      (typeof options.sortKeyName !== 'string' || options.sortKeyName === '')
    ) {
      throw new ValidationError(
        'new Table: sortKeyName must be a non-empty string, or left out for a table without a sort key.',
      );
    }
    this.ctx = createContext(options);
    this.tableName = options.tableName;
    this.partitionKeyName = options.partitionKeyName;
    this.sortKeyName = options.sortKeyName;
  }

  /** The document client every request goes through (add middleware to it to observe requests). */
  get client(): DynamoDBDocumentClient {
    return this.ctx.client;
  }

  /**
   * Creates the table (on-demand billing) and waits until it is ACTIVE.
   * @example `await table.createTable({ sortKeyType: 'N', indexes: [{ name: 'gsi1', partitionKey: { name: 'gpk', type: 'S' } }] })`
   */
  createTable(options?: CreateTableOptions): Promise<void> {
    return createTable(this.ctx, options);
  }

  /**
   * @internal The table's key as DynamoDB has it (names and types): one DescribeTable. The stores use
   * it to explain a refused write.
   */
  async describeKeySchema(options: CallOptions = {}): Promise<TableKeySchema> {
    return keySchemaOf(await this.ctx.describeTable(options.signal));
  }

  /** Deletes the table and waits until it is gone. @example `await table.deleteTable()` */
  deleteTable(options?: CallOptions): Promise<void> {
    return deleteTable(this.ctx, options);
  }

  /**
   * One item by key; `undefined` when there is none.
   * @example `const account = await table.getItem<Account>('account#1', 'account#1', { consistentRead: true })`
   */
  getItem<T extends object = Record<string, unknown>>(
    pk: unknown,
    sk?: unknown,
    options?: GetItemOptions,
  ): Promise<T | undefined> {
    return getItem<T>(this.ctx, pk, sk, options);
  }

  /**
   * Many items by key, in the order of the keys, missing ones skipped, duplicates removed.
   * @example `const users = await table.batchGetItems<User>(ids.map((id) => ({ pk: `user#${id}`, sk: `user#${id}` })))`
   */
  batchGetItems<T extends object = Record<string, unknown>>(
    keys: readonly object[],
    options?: GetItemOptions,
  ): Promise<T[]> {
    return batchGetItems<T>(this.ctx, keys, options);
  }

  /**
   * Writes a whole item. With `optimisticLock`, the write succeeds only if the stored version is
   * `current` (or the item is new when `current` is 0/undefined) and stores `current + 1`; a conflict
   * throws OptimisticLockError carrying the stored item. Returns the item as stored.
   * @example `await table.putItem(pk, pk, { ...account, balance: 10 }, { optimisticLock: { attribute: 'version', current: account.version } })`
   */
  putItem<T extends object>(pk: unknown, sk: unknown, item: T, options?: WriteOptions): Promise<T> {
    return putItem(this.ctx, pk, sk, item, options);
  }

  /**
   * Sets, adds to and removes attributes; returns the item as stored afterwards.
   * @example `await table.updateItem('counter#1', 'c', { add: { hits: 1 } })`
   */
  updateItem<T extends object = Record<string, unknown>>(
    pk: unknown,
    sk: unknown,
    changes: UpdateChanges,
    options?: WriteOptions,
  ): Promise<T> {
    return updateItem<T>(this.ctx, pk, sk, changes, options);
  }

  /**
   * Deletes one item; returns it as it was, or undefined when there was none.
   * @example `await table.deleteItem('user#1', 'profile', { condition: { expression: 'attribute_exists(pk)' } })`
   */
  deleteItem<T extends object = Record<string, unknown>>(
    pk: unknown,
    sk?: unknown,
    options?: WriteOptions,
  ): Promise<T | undefined> {
    return deleteItem<T>(this.ctx, pk, sk, options);
  }

  /**
   * A page of items: up to `limit` (across DynamoDB pages), or one DynamoDB page without a limit.
   * Pass `cursor` back to continue.
   * @example
   * ```ts
   * const page = await table.query<Order>('pk = :pk', { ':pk': 'merchant#1' }, { index: 'gsi1', ascending: false, limit: 10 });
   * const next = page.cursor && (await table.query<Order>('pk = :pk', { ':pk': 'merchant#1' }, { index: 'gsi1', ascending: false, limit: 10, cursor: page.cursor }));
   * ```
   */
  query<T extends object = Record<string, unknown>>(
    keyCondition: string,
    values: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<QueryResult<T>> {
    return query<T>(this.ctx, keyCondition, values, options);
  }

  /**
   * Every matching item, streamed page by page.
   * @example `for await (const order of table.queryAll<Order>('pk = :pk', { ':pk': 'merchant#1' })) total += order.amount;`
   */
  queryAll<T extends object = Record<string, unknown>>(
    keyCondition: string,
    values: Record<string, unknown>,
    options?: QueryAllOptions,
  ): AsyncGenerator<T, void, undefined> {
    return queryAll<T>(this.ctx, keyCondition, values, options);
  }
  /**
   * Every matching item, one DynamoDB page (an array) at a time: for folds that run a plain loop over a
   * page, one await per page instead of one per item.
   * @example `for await (const page of table.queryPages('pk = :pk', { ':pk': 'a' })) total += page.length;`
   */
  queryPages<T extends object = Record<string, unknown>>(
    keyCondition: string,
    values: Record<string, unknown>,
    options?: QueryAllOptions,
  ): AsyncGenerator<T[], void, undefined> {
    return queryPages<T>(this.ctx, keyCondition, values, options);
  }

  /**
   * Every item of the table (or index), streamed; with `segments`, read by parallel scan segments.
   * @example `for await (const item of table.scanAll({ segments: 4 })) count++;`
   */
  scanAll<T extends object = Record<string, unknown>>(
    options?: ScanOptions,
  ): AsyncGenerator<T, void, undefined> {
    return scanAll<T>(this.ctx, options);
  }

  /**
   * One async iterable per parallel scan segment, to consume concurrently.
   * @example `await Promise.all(table.scanSegments({ segments: 4 }).map(async (segment) => { for await (const item of segment) handle(item); }))`
   */
  scanSegments<T extends object = Record<string, unknown>>(options?: ScanOptions): AsyncIterable<T>[] {
    return scanSegments<T>(this.ctx, options);
  }

  /**
   * Puts items that carry their key attributes, 25 per request, retrying unprocessed ones.
   * @example `await table.batchWriteItems([{ pk: 'a', sk: '1', n: 1 }, { pk: 'a', sk: '2', n: 2 }])`
   */
  batchWriteItems(items: readonly object[], options?: CallOptions): Promise<void> {
    return batchWriteItems(this.ctx, items, options);
  }

  /**
   * Deletes items by key, 25 per request, retrying unprocessed ones.
   * @example `await table.batchDeleteItems([{ pk: 'a', sk: '1' }])`
   */
  batchDeleteItems(keys: readonly object[], options?: CallOptions): Promise<void> {
    return batchDeleteItems(this.ctx, keys, options);
  }

  /**
   * Writes all operations or none (at most 100).
   * @example `await table.transactWrite([table.deleteOp('a', '1'), table.putOp('a', '2', { n: 2 })])`
   */
  transactWrite(operations: TransactOperation[], options?: TransactWriteOptions): Promise<void> {
    return transactWrite(this.ctx, operations, options);
  }

  /**
   * One operation of `putOp` / `updateOp` / `deleteOp`, sent on its own as a single-item request: the
   * same condition at half a transaction's write units.
   * @example `await table.writeOperation(table.updateOp(pk, sk, { add: { n: 1 } }, { condition }))`
   */
  writeOperation(operation: TransactOperation, options?: CallOptions): Promise<void> {
    return writeOperation(this.ctx, operation, options);
  }

  /** A put for {@link transactWrite}. @example `table.putOp(pk, sk, item, { optimisticLock: { attribute: 'version', current: 2 } })` */
  putOp(pk: unknown, sk: unknown, item: object, options?: WriteOptions): TransactOperation {
    return putOp(this.ctx, pk, sk, item, options);
  }

  /** A delete for {@link transactWrite}. @example `table.deleteOp(pk, sk)` */
  deleteOp(pk: unknown, sk?: unknown, options?: WriteOptions): TransactOperation {
    return deleteOp(this.ctx, pk, sk, options);
  }

  /** An update for {@link transactWrite}. @example `table.updateOp(pk, sk, { add: { balance: -10 } })` */
  updateOp(pk: unknown, sk: unknown, changes: UpdateChanges, options?: WriteOptions): TransactOperation {
    return updateOp(this.ctx, pk, sk, changes, options);
  }

  /** A condition on an item that is not written, for {@link transactWrite}. @example `table.conditionCheckOp(pk, sk, { expression: 'attribute_exists(pk)' })` */
  conditionCheckOp(pk: unknown, sk: unknown, condition: Condition): TransactOperation {
    return conditionCheckOp(this.ctx, pk, sk, condition);
  }
}
