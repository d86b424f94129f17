import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { BatchIncompleteError, ValidationError } from '../../errors.js';
import { backoffDelay, sleep } from '../../internal/backoff.js';
import { mapConcurrent } from '../../internal/mapConcurrent.js';
import type { TableContext } from '../context.js';
import { keyId, keyOf } from '../keys.js';
import type { GetItemOptions } from './getItem.js';

/** DynamoDB's limit of keys in one BatchGetItem request. */
export const BATCH_GET_LIMIT = 100;
/** Chunks in flight at once: enough to hide latency, few enough not to cause throttling on their own. */
const CONCURRENCY = 4;

/**
 * Reads any number of items by key: duplicates removed, 100 keys per request, missing items skipped,
 * results in the order of the keys. Unprocessed keys are retried with backoff; keys still unread after
 * the last attempt throw {@link BatchIncompleteError} listing them. An empty list sends nothing.
 */
export async function batchGetItems<T>(
  ctx: TableContext,
  keys: readonly object[],
  options: GetItemOptions = {},
): Promise<T[]> {
  if (!Array.isArray(keys)) throw new ValidationError('batchGetItems: keys must be an array of key objects.');
  const unique = new Map<string, Record<string, unknown>>();
  keys.forEach((record, index) => {
    const key = keyOf(ctx, record, `batchGetItems keys[${index}]`);
    const id = keyId(ctx, key);
    if (!unique.has(id)) unique.set(id, key);
  });
  const found = new Map<string, T>();
  const neverRead: Record<string, unknown>[] = [];
  const chunks = chunk([...unique.values()], BATCH_GET_LIMIT);
  await mapConcurrent(chunks, CONCURRENCY, async (chunkKeys) => {
    let pending = chunkKeys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const output = await ctx.send<BatchGetCommandOutput>(
        new BatchGetCommand({
          RequestItems: {
            [ctx.tableName]: { Keys: pending, ...(options.consistentRead ? { ConsistentRead: true } : {}) },
          },
        }),
        'BatchGetItem',
        options.signal,
      );
      for (const item of output.Responses?.[ctx.tableName] ?? []) found.set(keyId(ctx, item), item as T);
      pending = (output.UnprocessedKeys?.[ctx.tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length === 0) break;
      if (attempt >= ctx.batchRetry.maxAttempts) {
        neverRead.push(...pending);
        break;
      }
      await sleep(backoffDelay(attempt, ctx.batchRetry), options.signal);
    }
  });
  if (neverRead.length > 0) {
    throw new BatchIncompleteError(
      `batchGetItems: ${neverRead.length} of ${unique.size} keys were still unprocessed after ${ctx.batchRetry.maxAttempts} attempts ` +
        '(DynamoDB is throttling). They are on error.unprocessed; retry later or raise the table capacity.',
      neverRead,
    );
  }
  const results: T[] = [];
  for (const id of unique.keys()) {
    const item = found.get(id);
    if (item !== undefined) results.push(item);
  }
  return results;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
