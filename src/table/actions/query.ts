import { QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../errors.js';
import type { TableContext } from '../context.js';
import { fingerprint } from '../cursor.js';
import { ExpressionBuilder } from '../expression.js';
import type { CallOptions } from './writeCondition.js';

export interface QueryOptions extends CallOptions {
  /** Name of a global or local secondary index. */
  index?: string;
  /** Sort-key order; default true. */
  ascending?: boolean;
  /**
   * `query`: the total number of items to return, across as many DynamoDB pages as needed, each page
   * asking only for what is still missing (so no item is read past the last one returned, and the
   * cursor continues right after it). DynamoDB applies its page limit before `filter`: with a selective
   * filter this means more, smaller requests; use `queryAll` to stream a filtered partition instead.
   * `queryAll`: stop after this many items.
   */
  limit?: number;
  /** Continue a previous `query` right after its last item; only valid for the very same query. */
  cursor?: string;
  /** A filter expression, using placeholders from `values` and `names`. */
  filter?: string;
  /** Placeholders for attribute names used in the key condition and the filter. */
  names?: Record<string, string>;
  /** Return only these attributes (reserved words are fine: they go through placeholders). */
  fields?: string[];
  consistentRead?: boolean;
}

export interface QueryAllOptions extends QueryOptions {
  /** Items per DynamoDB request (its `Limit`); default: as many as fit in 1 MB. */
  pageSize?: number;
  /**
   * Ask for the next page while the caller consumes the current one. Faster for long reads; holds
   * at most two pages. Default false: exactly one page in memory.
   */
  prefetch?: boolean;
}

export interface QueryResult<T> {
  items: T[];
  /** Present only when more items may follow. */
  cursor?: string;
  /**
   * With a `cursor`: the key of the item the page continues after, as the cursor sealed it (decoded
   * once, for layers that must know where a page starts, such as a gap check at the page boundary).
   */
  after?: Record<string, unknown>;
}

interface QueryPlan {
  input: QueryCommandInput;
  fingerprint: string;
}

function plan(
  ctx: TableContext,
  keyCondition: string,
  values: Record<string, unknown>,
  options: QueryOptions,
): QueryPlan {
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) {
    throw new ValidationError(`query: limit must be a positive integer, got ${String(options.limit)}.`);
  }
  if (options.index !== undefined && (typeof options.index !== 'string' || options.index === '')) {
    throw new ValidationError('query: index must be the name of an index.');
  }
  const builder = new ExpressionBuilder();
  builder.addCaller(keyCondition, options.names, values, 'query key condition');
  const filter =
    options.filter === undefined
      ? undefined
      : builder.addCaller(options.filter, undefined, undefined, 'query filter');
  const projection = options.fields?.map((field) => {
    if (typeof field !== 'string' || field === '')
      throw new ValidationError('query: fields must be attribute names.');
    return builder.name(field);
  });
  const projectionExpression = projection?.join(', ');
  const input: QueryCommandInput = {
    TableName: ctx.tableName,
    KeyConditionExpression: keyCondition,
    ...(options.index ? { IndexName: options.index } : {}),
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projectionExpression ? { ProjectionExpression: projectionExpression } : {}),
    ...(options.ascending === false ? { ScanIndexForward: false } : {}),
    ...(options.consistentRead ? { ConsistentRead: true } : {}),
    ...builder.build(keyCondition, filter, projectionExpression),
  };
  return {
    input,
    fingerprint: fingerprint([
      ctx.tableName,
      options.index ?? '',
      keyCondition,
      values,
      options.names ?? {},
      filter ?? '',
      options.ascending !== false,
    ]),
  };
}

function sendPage(
  ctx: TableContext,
  input: QueryCommandInput,
  startKey: Record<string, unknown> | undefined,
  limit: number | undefined,
  signal?: AbortSignal,
) {
  return ctx.send<QueryCommandOutput>(
    new QueryCommand({
      ...input,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      ...(limit !== undefined ? { Limit: limit } : {}),
    }),
    'Query',
    signal,
  );
}

/**
 * One page of results. With `limit`, returns up to `limit` items, reading as many DynamoDB pages as it
 * takes and asking each only for what is still missing. Without `limit`, returns one DynamoDB page
 * (up to 1 MB), so a query never reads a whole partition into memory by accident: use `queryAll` to
 * stream everything.
 */
export async function query<T>(
  ctx: TableContext,
  keyCondition: string,
  values: Record<string, unknown>,
  options: QueryOptions = {},
): Promise<QueryResult<T>> {
  const { input, fingerprint: print } = plan(ctx, keyCondition, values, options);
  const after = options.cursor === undefined ? undefined : ctx.cursors.decode(options.cursor, print);
  let startKey = after;
  const items: T[] = [];
  const limit = options.limit;
  do {
    const output = await sendPage(
      ctx,
      input,
      startKey,
      limit === undefined ? undefined : limit - items.length,
      options.signal,
    );
    items.push(...((output.Items ?? []) as T[]));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined && limit !== undefined && items.length < limit);
  return {
    items,
    ...(startKey !== undefined ? { cursor: ctx.cursors.encode(startKey, print) } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/**
 * Every matching item, one DynamoDB page at a time (an array per page; one page in memory, two with
 * `prefetch`). For consumers that fold a page in a plain loop: one await per page instead of one per item.
 * Accepts a `cursor` from `query` to continue from there.
 */
export async function* queryPages<T>(
  ctx: TableContext,
  keyCondition: string,
  values: Record<string, unknown>,
  options: QueryAllOptions = {},
): AsyncGenerator<T[], void, undefined> {
  const { input, fingerprint: print } = plan(ctx, keyCondition, values, options);
  if (options.pageSize !== undefined && (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1)) {
    throw new ValidationError(
      `queryAll: pageSize must be a positive integer, got ${String(options.pageSize)}.`,
    );
  }
  const limit = options.limit;
  /** A page asks only for what the caller still needs once `counted` items are accounted for. */
  const fetch = (startKey: Record<string, unknown> | undefined, counted: number) => {
    const remaining = limit === undefined ? undefined : limit - counted;
    const pageLimit =
      remaining === undefined ? options.pageSize : Math.min(remaining, options.pageSize ?? remaining);
    const page = sendPage(ctx, input, startKey, pageLimit, options.signal);
    page.catch(() => {}); // a prefetched page the caller never reaches must not become an unhandled rejection
    return page;
  };
  let yielded = 0;
  let pending: Promise<QueryCommandOutput> | undefined = fetch(
    options.cursor === undefined ? undefined : ctx.cursors.decode(options.cursor, print),
    0,
  );
  while (pending) {
    const page: QueryCommandOutput = await pending;
    pending = undefined;
    let items = (page.Items ?? []) as T[];
    if (limit !== undefined && yielded + items.length > limit) items = items.slice(0, limit - yielded);
    const more =
      page.LastEvaluatedKey !== undefined && (limit === undefined || yielded + items.length < limit);
    if (more && options.prefetch) {
      pending = fetch(page.LastEvaluatedKey, yielded + items.length);
      // The SDK hands the request to its socket in a nextTick callback, and a caller folding items that
      // are already in memory runs on microtasks only, which drain first: without one turn of the event
      // loop here the prefetch would leave only after the whole page was folded, overlapping nothing.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    options.signal?.throwIfAborted();
    if (items.length > 0) yield items;
    yielded += items.length;
    if (more && !options.prefetch) pending = fetch(page.LastEvaluatedKey, yielded);
  }
}

/**
 * Every matching item, streamed page by page (one DynamoDB page in memory, two with `prefetch`).
 * Accepts a `cursor` from `query` to continue from there.
 */
export async function* queryAll<T>(
  ctx: TableContext,
  keyCondition: string,
  values: Record<string, unknown>,
  options: QueryAllOptions = {},
): AsyncGenerator<T, void, undefined> {
  for await (const page of queryPages<T>(ctx, keyCondition, values, options)) {
    for (const item of page) {
      // A page in memory is not a reason to keep going: an abort stops the stream before the next item.
      options.signal?.throwIfAborted();
      yield item;
    }
  }
}
