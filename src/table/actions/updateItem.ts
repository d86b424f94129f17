import { UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../errors.js';
import { checkItem, isPlainObject } from '../../internal/item.js';
import type { TableContext } from '../context.js';
import type { ExpressionBuilder } from '../expression.js';
import { buildKey } from '../keys.js';
import {
  conditionalParts,
  explainConditionFailure,
  lockExpected,
  type WriteOptions,
} from './writeCondition.js';

/**
 * Changes to one item. Keys are top-level attribute names taken literally (`'a.b'` is an attribute
 * named `a.b`, not a path), each sent through a placeholder, so reserved words just work.
 */
export interface UpdateChanges {
  /** Attributes to set to these values (a plain object: an interface-typed value is fine). */
  set?: object;
  /** Numbers to add to (created at 0 when absent), or set elements to add. */
  add?: Record<string, number | Set<string> | Set<number>>;
  /** Attributes to remove. */
  remove?: string[];
}

/** The UpdateExpression for `changes` (plus the lock bump), with placeholders registered on `builder`. */
export function updateExpression(
  ctx: TableContext,
  builder: ExpressionBuilder,
  changes: UpdateChanges,
  options: WriteOptions,
): string {
  if (!isPlainObject(changes as unknown)) {
    throw new ValidationError('updateItem: changes must be an object { set?, add?, remove? }.');
  }
  const setEntries: [string, unknown][] = Object.entries(changes.set ?? {});
  const set = setEntries.filter(([, value]) => value !== undefined);
  const add = Object.entries(changes.add ?? {});
  const remove: string[] = changes.remove ?? [];
  const touched = [...set.map(([name]) => name), ...add.map(([name]) => name), ...remove];
  for (const name of touched) {
    if (typeof name !== 'string' || name === '')
      throw new ValidationError('updateItem: attribute names must be non-empty strings.');
    if (name === ctx.partitionKeyName || name === ctx.sortKeyName) {
      throw new ValidationError(
        `updateItem cannot change the key attribute "${name}". Delete the item and put a new one.`,
      );
    }
    if (options.optimisticLock && name === options.optimisticLock.attribute) {
      throw new ValidationError(`updateItem: "${name}" is the optimistic lock attribute; the lock sets it.`);
    }
  }
  if (new Set(touched).size !== touched.length) {
    throw new ValidationError('updateItem: an attribute appears more than once across set, add and remove.');
  }
  checkItem(Object.fromEntries([...set, ...add]), 'changes', 'The update');
  const setClauses = set.map(([name, value]) => `${builder.name(name)} = ${builder.value(value)}`);
  if (options.optimisticLock) {
    const next = lockExpected(ctx, options.optimisticLock) + 1;
    setClauses.push(`${builder.name(options.optimisticLock.attribute)} = ${builder.value(next)}`);
  }
  for (const [name, value] of add) {
    if (typeof value !== 'number' && !(value instanceof Set)) {
      throw new ValidationError(`updateItem: add.${name} must be a number or a Set.`);
    }
  }
  const clauses = [
    setClauses.length ? `SET ${setClauses.join(', ')}` : '',
    add.length
      ? `ADD ${add.map(([name, value]) => `${builder.name(name)} ${builder.value(value)}`).join(', ')}`
      : '',
    remove.length ? `REMOVE ${remove.map((name) => builder.name(name)).join(', ')}` : '',
  ].filter(Boolean);
  if (clauses.length === 0)
    throw new ValidationError('updateItem: nothing to change. Give set, add or remove.');
  return clauses.join(' ');
}

/** Applies `changes`; returns the item as stored afterwards. Creates the item if it did not exist. */
export async function updateItem<T>(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  changes: UpdateChanges,
  options: WriteOptions = {},
): Promise<T> {
  const key = buildKey(ctx, pk, sk);
  const { builder, condition, request } = conditionalParts(ctx, options, 'updateItem');
  const expression = updateExpression(ctx, builder, changes, options);
  try {
    const output = await ctx.send<UpdateCommandOutput>(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: expression,
        ReturnValues: 'ALL_NEW',
        ...request,
        ...builder.build(expression, condition),
      }),
      'UpdateItem',
      options.signal,
    );
    return output.Attributes as T;
  } catch (err) {
    throw explainConditionFailure(err, options.optimisticLock);
  }
}
