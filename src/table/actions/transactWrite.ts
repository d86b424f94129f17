import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { v4 as uuidv4 } from 'uuid';
import { TransactionLimitError, ValidationError } from '../../errors.js';
import type { TableContext } from '../context.js';
import { type Condition, ExpressionBuilder } from '../expression.js';
import { buildKey, keyId } from '../keys.js';
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
  item: Record<string, unknown>,
  options: WriteOptions = {},
): TransactOperation {
  const stored = itemToStore(ctx, pk, sk, item, options);
  const { builder, condition, request } = conditionalParts(ctx, options, 'putOp');
  return {
    kind: 'put',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, stored)}`,
    request: { Put: { TableName: ctx.tableName, Item: stored, ...request, ...builder.build(condition) } },
  };
}

export function deleteOp(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  options: WriteOptions = {},
): TransactOperation {
  const key = buildKey(ctx, pk, sk);
  const { builder, condition, request } = conditionalParts(ctx, options, 'deleteOp');
  return {
    kind: 'delete',
    itemId: `${ctx.tableName}\u0000${keyId(ctx, key)}`,
    request: { Delete: { TableName: ctx.tableName, Key: key, ...request, ...builder.build(condition) } },
  };
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
  return {
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
   * Idempotency token (up to 36 characters). Default: a new UUID per call, which makes the SDK's own
   * retries of this call idempotent. Pass your own to make your retries of the same call idempotent too
   * (DynamoDB remembers a token for 10 minutes).
   */
  clientRequestToken?: string;
}

/**
 * Writes all operations or none. More than 100 operations, or two on the same item, fail before any
 * request. A cancellation throws TransactionCanceledError with one reason per operation. An empty list
 * sends nothing.
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
  await ctx.send(
    new TransactWriteCommand({
      // biome-ignore lint/suspicious/noExplicitAny: requests were built by the op factories above
      TransactItems: operations.map((operation) => operation.request) as any,
      ClientRequestToken: options.clientRequestToken ?? uuidv4(),
    }),
    'TransactWriteItems',
    options.signal,
  );
}
