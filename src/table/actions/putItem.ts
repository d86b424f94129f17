import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../errors.js';
import { checkItem, isChecked, isPlainObject } from '../../internal/item.js';
import type { TableContext } from '../context.js';
import { buildKey } from '../keys.js';
import {
  conditionalParts,
  explainConditionFailure,
  lockExpected,
  type WriteOptions,
} from './writeCondition.js';

/** The item as it will be stored: key from `pk`/`sk` (overriding the item's), lock bumped, validated. */
export function itemToStore(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  item: object,
  options: WriteOptions,
): Record<string, unknown> {
  if (!isPlainObject(item)) throw new ValidationError('putItem: item must be a plain object.');
  const stored: Record<string, unknown> = { ...item, ...buildKey(ctx, pk, sk) };
  if (options.optimisticLock) {
    stored[options.optimisticLock.attribute] = lockExpected(ctx, options.optimisticLock) + 1;
  }
  // An item the event store already checked (it marks what it writes) is not walked a second time.
  if (!isChecked(item))
    checkItem(stored, 'item', `The item ${JSON.stringify(pk)}/${JSON.stringify(sk)}`, item);
  return stored;
}

/** Writes the whole item; returns what was stored. */
export async function putItem<T extends object>(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  item: T,
  options: WriteOptions = {},
): Promise<T> {
  const stored = itemToStore(ctx, pk, sk, item, options);
  const { builder, condition, request } = conditionalParts(ctx, options, 'putItem');
  try {
    await ctx.send(
      new PutCommand({ TableName: ctx.tableName, Item: stored, ...request, ...builder.build(condition) }),
      'PutItem',
      options.signal,
    );
  } catch (err) {
    throw explainConditionFailure(err, options.optimisticLock);
  }
  return stored as T;
}
