import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { BatchIncompleteError, ValidationError } from '../../errors.js';
import { backoffDelay, sleep } from '../../internal/backoff.js';
import { mapConcurrent } from '../../internal/mapConcurrent.js';
import type { TableContext } from '../context.js';
import { checkItem } from '../item.js';
import { keyId, keyOf } from '../keys.js';
import { chunk } from './batchGetItems.js';
import type { CallOptions } from './writeCondition.js';

/** DynamoDB's limit of writes in one BatchWriteItem request. */
export const BATCH_WRITE_LIMIT = 25;
const CONCURRENCY = 4;

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Puts items that carry their own key attributes, 25 per request, unconditionally (batch writes take no
 * conditions). Two items with the same key in one call are a {@link ValidationError}: one of them would
 * be lost. Unprocessed items are retried with backoff, then reported in {@link BatchIncompleteError}.
 */
export async function batchWriteItems(
  ctx: TableContext,
  items: Record<string, unknown>[],
  options: CallOptions = {},
): Promise<void> {
  if (!Array.isArray(items)) throw new ValidationError('batchWriteItems: items must be an array.');
  const seen = new Set<string>();
  const requests = items.map((item, index) => {
    const id = keyId(ctx, keyOf(ctx, item, `batchWriteItems items[${index}]`));
    if (seen.has(id)) {
      throw new ValidationError(
        `batchWriteItems: items[${index}] has the same key as an earlier item; one would be lost. Merge them.`,
      );
    }
    seen.add(id);
    checkItem(item, `items[${index}]`);
    return { PutRequest: { Item: item } };
  });
  await sendBatches(ctx, requests, 'batchWriteItems', options.signal);
}

/** Deletes items by key, 25 per request; duplicate keys are removed. Same retry and reporting as writes. */
export async function batchDeleteItems(
  ctx: TableContext,
  keys: Record<string, unknown>[],
  options: CallOptions = {},
): Promise<void> {
  if (!Array.isArray(keys)) throw new ValidationError('batchDeleteItems: keys must be an array.');
  const unique = new Map<string, Record<string, unknown>>();
  keys.forEach((record, index) => {
    const key = keyOf(ctx, record, `batchDeleteItems keys[${index}]`);
    unique.set(keyId(ctx, key), key);
  });
  await sendBatches(
    ctx,
    [...unique.values()].map((Key) => ({ DeleteRequest: { Key } })),
    'batchDeleteItems',
    options.signal,
  );
}

async function sendBatches(
  ctx: TableContext,
  requests: WriteRequest[],
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const notWritten: WriteRequest[] = [];
  await mapConcurrent(chunk(requests, BATCH_WRITE_LIMIT), CONCURRENCY, async (batch) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const output = await ctx.send<BatchWriteCommandOutput>(
        new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } }),
        'BatchWriteItem',
        signal,
      );
      pending = (output.UnprocessedItems?.[ctx.tableName] ?? []) as WriteRequest[];
      if (pending.length === 0) break;
      if (attempt >= ctx.batchRetry.maxAttempts) {
        notWritten.push(...pending);
        break;
      }
      await sleep(backoffDelay(attempt, ctx.batchRetry), signal);
    }
  });
  if (notWritten.length > 0) {
    throw new BatchIncompleteError(
      `${what}: ${notWritten.length} of ${requests.length} writes were still unprocessed after ${ctx.batchRetry.maxAttempts} attempts ` +
        '(DynamoDB is throttling); the others were written. The unwritten ones are on error.unprocessed.',
      notWritten.map((request) =>
        'PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key,
      ),
    );
  }
}
