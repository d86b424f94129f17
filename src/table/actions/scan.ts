import { ScanCommand, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../errors.js';
import { merge } from '../../internal/merge.js';
import type { TableContext } from '../context.js';
import { ExpressionBuilder } from '../expression.js';
import type { CallOptions } from './writeCondition.js';

export interface ScanOptions extends CallOptions {
  /** Parallel scan segments (1 to 1 000 000); default 1. */
  segments?: number;
  filter?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  fields?: string[];
  index?: string;
  consistentRead?: boolean;
  /** Items per DynamoDB request; default: as many as fit in 1 MB. */
  pageSize?: number;
}

/**
 * Every item of the table, one async iterable per parallel scan segment. Each segment reads page by
 * page; segments share nothing, so they can be consumed concurrently.
 */
export function scanSegments<T>(ctx: TableContext, options: ScanOptions = {}): AsyncIterable<T>[] {
  const segments = options.segments ?? 1;
  if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
    throw new ValidationError(
      `scan: segments must be an integer from 1 to 1000000, got ${String(segments)}.`,
    );
  }
  const builder = new ExpressionBuilder();
  const filter =
    options.filter === undefined
      ? undefined
      : builder.addCaller(options.filter, options.names, options.values, 'scan filter');
  const projection = options.fields?.map((field) => builder.name(field)).join(', ');
  const input: ScanCommandInput = {
    TableName: ctx.tableName,
    ...(options.index ? { IndexName: options.index } : {}),
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...(options.consistentRead ? { ConsistentRead: true } : {}),
    ...(options.pageSize ? { Limit: options.pageSize } : {}),
    ...builder.build(filter, projection),
  };
  return Array.from({ length: segments }, (_, segment) => ({
    async *[Symbol.asyncIterator]() {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await ctx.send<ScanCommandOutput>(
          new ScanCommand({
            ...input,
            ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
          'Scan',
          options.signal,
        );
        for (const item of (page.Items ?? []) as T[]) {
          options.signal?.throwIfAborted(); // an abort stops within one item, even mid-page
          yield item;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    },
  }));
}

/** Every item of the table, all segments interleaved into one stream. */
export function scanAll<T>(ctx: TableContext, options: ScanOptions = {}): AsyncGenerator<T, void, undefined> {
  return merge(scanSegments<T>(ctx, options));
}
