import { DeleteCommand, type DeleteCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { TableContext } from '../context.js';
import { buildKey } from '../keys.js';
import { conditionalParts, explainConditionFailure, type WriteOptions } from './writeCondition.js';

/**
 * Deletes one item; returns the item as it was (undefined when there was none). With an
 * `optimisticLock`, deletes only when the stored version equals `current`.
 */
export async function deleteItem<T>(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  options: WriteOptions = {},
): Promise<T | undefined> {
  const key = buildKey(ctx, pk, sk);
  const { builder, condition, request } = conditionalParts(ctx, options, 'deleteItem');
  try {
    const output = await ctx.send<DeleteCommandOutput>(
      new DeleteCommand({
        TableName: ctx.tableName,
        Key: key,
        ReturnValues: 'ALL_OLD',
        ...request,
        ...builder.build(condition),
      }),
      'DeleteItem',
      options.signal,
    );
    return output.Attributes as T | undefined;
  } catch (err) {
    throw explainConditionFailure(err, options.optimisticLock);
  }
}
