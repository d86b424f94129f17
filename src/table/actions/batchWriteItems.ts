import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { BatchIncompleteError, DynagoError, ValidationError } from '../../errors.js';
import { backoffDelay, sleep } from '../../internal/backoff.js';
import { checkItem, plainObject } from '../../internal/item.js';
import { mapConcurrent } from '../../internal/mapConcurrent.js';
import type { TableContext } from '../context.js';
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
 * be lost. Unprocessed items are retried with backoff. When not everything could be written,
 * {@link BatchIncompleteError} says how many writes were made and lists the items not written.
 */
export async function batchWriteItems(
  ctx: TableContext,
  items: readonly object[],
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
    const record = plainObject(item, `items[${index}]`);
    checkItem(record, `items[${index}]`);
    return { PutRequest: { Item: record } };
  });
  await sendBatches(ctx, requests, 'batchWriteItems', options.signal);
}

/** Deletes items by key, 25 per request; duplicate keys are removed. Same retry and reporting as writes. */
export async function batchDeleteItems(
  ctx: TableContext,
  keys: readonly object[],
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

/**
 * Sends the writes 25 per request, `CONCURRENCY` requests at a time, retrying what DynamoDB leaves
 * unprocessed. Whatever happens, the caller learns exactly what was written:
 *
 * - all written: resolves;
 * - a request failed before any write was made: that request's error, as is (nothing was written);
 * - otherwise {@link BatchIncompleteError} with `written` and the items/keys not written
 *   (`unprocessed`): still unprocessed after the last attempt, in a request that failed, or never sent.
 *
 * After a request fails no new request is sent, not even a retry of unprocessed items (mapConcurrent
 * signals `stop`), and the error is thrown only once the requests in flight have answered: nothing is
 * still writing behind the caller's back. Requests in flight are not aborted: their outcome would then be
 * unknown, and the report could no longer be exact.
 */
async function sendBatches(
  ctx: TableContext,
  requests: WriteRequest[],
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const batches = chunk(requests, BATCH_WRITE_LIMIT);
  // What each batch has still to write: all of it until a request of it succeeds, then what DynamoDB
  // left unprocessed. A batch never sent keeps all of its writes here.
  const remaining: WriteRequest[][] = [...batches];
  let failure: { error: unknown } | undefined;
  try {
    await mapConcurrent(batches, CONCURRENCY, async (_batch, index, stop) => {
      for (let attempt = 1; ; attempt++) {
        const output = await ctx.send<BatchWriteCommandOutput>(
          new BatchWriteCommand({ RequestItems: { [ctx.tableName]: remaining[index] ?? [] } }),
          'BatchWriteItem',
          signal,
        );
        const pending = (output.UnprocessedItems?.[ctx.tableName] ?? []) as WriteRequest[];
        remaining[index] = pending;
        if (pending.length === 0 || attempt >= ctx.batchRetry.maxAttempts || stop.aborted) return;
        try {
          await sleep(backoffDelay(attempt, ctx.batchRetry), signal ? AbortSignal.any([signal, stop]) : stop);
        } catch (error) {
          if (signal?.aborted || !stop.aborted) throw error;
          return; // another batch failed meanwhile: send no retry, these stay not written
        }
      }
    });
  } catch (error) {
    failure = { error };
  }
  const notWritten = remaining.flat();
  const written = requests.length - notWritten.length;
  if (failure && (written === 0 || notWritten.length === 0)) throw failure.error;
  if (notWritten.length === 0) return;
  const reason = failure
    ? `a request failed (${failure.error instanceof Error ? failure.error.message : String(failure.error)}), ` +
      'after which no further request was sent'
    : `still unprocessed after ${ctx.batchRetry.maxAttempts} attempts (DynamoDB is throttling)`;
  throw new BatchIncompleteError(
    `${what}: ${written} of ${requests.length} writes were written, ${notWritten.length} were not: ${reason}. ` +
      'The unwritten ones are on error.unprocessed; sending them again is safe.',
    notWritten.map((request) =>
      'PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key,
    ),
    {
      written,
      ...(failure
        ? {
            cause: failure.error,
            retryable: DynagoError.is(failure.error) ? failure.error.retryable : false,
          }
        : {}),
    },
  );
}
