import { GetCommand, type GetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { TableContext } from '../context.js';
import { buildKey } from '../keys.js';
import type { CallOptions } from './writeCondition.js';

export interface GetItemOptions extends CallOptions {
  /** Strongly consistent read (twice the read units of an eventually consistent one). */
  consistentRead?: boolean;
}

export async function getItem<T>(
  ctx: TableContext,
  pk: unknown,
  sk: unknown,
  options: GetItemOptions = {},
): Promise<T | undefined> {
  const output = await ctx.send<GetCommandOutput>(
    new GetCommand({
      TableName: ctx.tableName,
      Key: buildKey(ctx, pk, sk),
      ...(options.consistentRead ? { ConsistentRead: true } : {}),
    }),
    'GetItem',
    options.signal,
  );
  return output.Item as T | undefined;
}
