import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { v4 as uuidv4 } from 'uuid';
import { TransactionConflictError, TransactionLimitError, ValidationError } from '../../errors.js';
import { backoffDelay, sleep } from '../../internal/backoff.js';
import type { TableContext } from '../context.js';
import { type Condition, ExpressionBuilder } from '../expression.js';
import { buildKey, keyId } from '../keys.js';
import { mergeSources, type OperationSource, rememberSource, sourceOf } from './mergeOperations.js';
import { itemToStore } from './putItem.js';
import { type UpdateChanges, updateExpression } from './updateItem.js';
import { type CallOptions, conditionalParts, type WriteOptions } from './writeCondition.js';

/** DynamoDB's limit of operations in one transaction. */
export const TRANSACTION_LIMIT = 100;

/**
 * One operation of a transaction, built (and validated) by `table.putOp`, `deleteOp`, `updateOp` or
 * `conditionCheckOp`. Operations of several tables may share one transaction.
 */
export interface TransactOperation {
  readonly kind: 'put' | 'delete' | 'update' | 'conditionCheck';
  /** The TransactItems entry as sent to DynamoDB (useful to inspect, like a `.params()`). */
  readonly request: Record<string, unknown>;
  /** Identifies the item, to refuse two operations on one item before sending. */
  readonly itemId: string;
}

export function putOp(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  item: object,
  options: WriteOptions = {},
): TransactOperation {
  const stored = itemToStore(ctx, pk, sk, item, options);
  const { builder, condition, request } = conditionalParts(ctx, options, 'putOp');
  const operation: TransactOperation = {
    kind: 'put',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, stored)}`,
    request: { Put: { TableName: ctx.tableName, Item: stored, ...request, ...builder.build(condition) } },
  };
  return condition ? operation : rememberSource(operation, { kind: 'put', ctx, pk, sk, item: { ...item } });
}

export function deleteOp(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  options: WriteOptions = {},
): TransactOperation {
  const key = buildKey(ctx, pk, sk);
  const { builder, condition, request } = conditionalParts(ctx, options, 'deleteOp');
  const operation: TransactOperation = {
    kind: 'delete',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, key)}`,
    request: { Delete: { TableName: ctx.tableName, Key: key, ...request, ...builder.build(condition) } },
  };
  return condition ? operation : rememberSource(operation, { kind: 'delete', ctx, pk, sk });
}

export function updateOp(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  changes: UpdateChanges,
  options: WriteOptions = {},
): TransactOperation {
  const key = buildKey(ctx, pk, sk);
  const builder = new ExpressionBuilder();
  const { condition, request } = conditionalParts(ctx, options, 'updateOp', builder);
  const expression = updateExpression(ctx, builder, changes, options);
  const operation: TransactOperation = {
    kind: 'update',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, key)}`,
    request: {
      Update: {
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: expression,
        ...request,
        ...builder.build(expression, condition),
      },
    },
  };
  if (condition || options.optimisticLock) return operation;
  return rememberSource(operation, { kind: 'update', ctx, pk, sk, changes: copyChanges(changes) });
}

/** The caller's changes as they are now: a later change to their object does not change the merge. */
function copyChanges(changes: UpdateChanges): UpdateChanges {
  return {
    ...(changes.set ? { set: { ...changes.set } } : {}),
    ...(changes.add ? { add: { ...changes.add } } : {}),
    ...(changes.remove ? { remove: [...changes.remove] } : {}),
  };
}

/**
 * One operation with the effect of `earlier` then `later` on the same item, when both were built by
 * this library without a condition or lock and the merge is exact (see `mergeSources`); otherwise
 * undefined, and the two must be sent as two writes. The projector uses it so that consecutive events
 * writing one read-model item cost one write.
 */
export function mergeOperations(
  earlier: TransactOperation,
  later: TransactOperation,
): TransactOperation | undefined {
  if (earlier.itemId !== later.itemId) return undefined;
  const first = sourceOf(earlier);
  const second = sourceOf(later);
  if (first === undefined || second === undefined) return undefined;
  const merged = mergeSources(first, second);
  return merged && operationOf(merged);
}

function operationOf(source: OperationSource): TransactOperation {
  switch (source.kind) {
    case 'put':
      return putOp(source.ctx, source.pk, source.sk, source.item);
    case 'delete':
      return deleteOp(source.ctx, source.pk, source.sk);
    case 'update':
      return updateOp(source.ctx, source.pk, source.sk, source.changes);
  }
}

export function conditionCheckOp(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  condition: Condition,
): TransactOperation {
  if (!condition) throw new ValidationError('conditionCheckOp needs a condition.');
  const key = buildKey(ctx, pk, sk);
  const {
    builder,
    condition: expression,
    request,
  } = conditionalParts(ctx, { condition }, 'conditionCheckOp');
  return {
    kind: 'conditionCheck',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, key)}`,
    request: {
      ConditionCheck: { TableName: ctx.tableName, Key: key, ...request, ...builder.build(expression) },
    },
  };
}

export interface TransactWriteOptions extends CallOptions {
  /**
   * Idempotency token (1 to 36 characters). Default: a new UUID per call, used by every send of that
   * call (the SDK's retries and the re-sends after `TransactionConflict`), so none of them can apply
   * the writes twice. Pass your own, the same one each time, when you send the same transaction again
   * yourself (after a lost response): DynamoDB remembers a token for 10 minutes, and a second success
   * with it writes nothing again. A token reused with other operations is refused by DynamoDB.
   */
  clientRequestToken?: string;
}

/**
 * Writes all operations or none. More than 100 operations, or two on the same item, fail before any
 * request. An empty list sends nothing. A cancelled transaction throws, by its reasons (`reasons[i]`
 * belongs to operation `i`; nothing was written in every case):
 *
 * | reasons include                               | error                                          |
 * | --------------------------------------------- | ---------------------------------------------- |
 * | `ConditionalCheckFailed`                      | TransactionCanceledError (a condition failed)  |
 * | `ValidationError`                             | TransactionValidationError (a ValidationError) |
 * | `ItemCollectionSizeLimitExceeded`             | ItemCollectionSizeLimitError                   |
 * | `ThrottlingError`, `ProvisionedThroughputExceeded` | DynamoDBUnavailableError (retryable)      |
 * | only `TransactionConflict`                    | re-sent with the same token under `transactionRetry`, then TransactionConflictError (retryable) |
 * | nothing (no reasons, or only `None`)          | DynamoDBError                                  |
 * | anything else                                 | TransactionCanceledError                       |
 */
export async function transactWrite(
  ctx: TableContext,
  operations: TransactOperation[],
  options: TransactWriteOptions = {},
): Promise<void> {
  if (!Array.isArray(operations))
    throw new ValidationError(
      'transactWrite: operations must be an array of table.putOp/deleteOp/updateOp/conditionCheckOp results.',
    );
  if (operations.length === 0) return;
  checkToken(options.clientRequestToken);
  if (operations.length > TRANSACTION_LIMIT) {
    throw new TransactionLimitError(
      `transactWrite: ${operations.length} operations, but DynamoDB allows at most ${TRANSACTION_LIMIT} in one transaction. Nothing was written; split the work.`,
    );
  }
  const seen = new Set<string>();
  operations.forEach((operation, index) => {
    if (!operation || typeof operation.itemId !== 'string') {
      throw new ValidationError(
        `transactWrite: operations[${index}] was not built by table.putOp/deleteOp/updateOp/conditionCheckOp.`,
      );
    }
    if (seen.has(operation.itemId)) {
      throw new ValidationError(
        `transactWrite: operations[${index}] touches an item that an earlier operation touches; DynamoDB allows one operation per item.`,
      );
    }
    seen.add(operation.itemId);
  });
  const token = options.clientRequestToken ?? uuidv4();
  // Every send carries the very same request, token included, so DynamoDB applies it at most once
  // however many of these sends reach it. A new command each time: a command is not meant to be re-sent.
  const input = {
    // biome-ignore lint/suspicious/noExplicitAny: requests were built by the op factories above
    TransactItems: operations.map((operation) => operation.request) as any,
    ClientRequestToken: token,
  };
  const policy = ctx.transactionRetry;
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.send(new TransactWriteCommand({ ...input }), 'TransactWriteItems', options.signal);
      return;
    } catch (err) {
      // Only a cancellation by concurrent transactions alone is re-sent here: it says nothing about the
      // caller's conditions and clears in milliseconds. Everything else goes to the caller as it is.
      if (!(err instanceof TransactionConflictError)) throw err;
      if (attempt >= policy.maxAttempts) {
        throw new TransactionConflictError(err.reasons, attempt, { cause: err.cause });
      }
      await sleep(backoffDelay(attempt, policy), options.signal);
    }
  }
}

/** A caller's token must be one DynamoDB accepts: 1 to 36 characters. */
function checkToken(token: unknown): void {
  if (token === undefined) return;
  if (typeof token !== 'string' || token.length < 1 || token.length > 36) {
    throw new ValidationError(
      `transactWrite: clientRequestToken must be a string of 1 to 36 characters, got ${
        typeof token === 'string' ? `${token.length} characters` : typeof token
      }.`,
    );
  }
}

/**
 * Sends one operation built by `putOp`, `updateOp` or `deleteOp` as its own single-item request
 * (PutItem, UpdateItem, DeleteItem) instead of a transaction: the same condition, half the write units
 * (a transaction costs 2 WCU per KB of each item). A failed condition throws ConditionFailedError with
 * the stored item.
 */
export async function writeOperation(
  ctx: TableContext,
  operation: TransactOperation,
  options: CallOptions = {},
): Promise<void> {
  if (!operation || typeof operation.itemId !== 'string' || operation.kind === 'conditionCheck') {
    throw new ValidationError(
      'writeOperation: give it one table.putOp, updateOp or deleteOp result (a condition check writes nothing).',
    );
  }
  const request = operation.request as { Put?: object; Update?: object; Delete?: object };
  if (request.Put) await ctx.send(new PutCommand(request.Put as never), 'PutItem', options.signal);
  else if (request.Update)
    await ctx.send(new UpdateCommand(request.Update as never), 'UpdateItem', options.signal);
  else await ctx.send(new DeleteCommand(request.Delete as never), 'DeleteItem', options.signal);
}
