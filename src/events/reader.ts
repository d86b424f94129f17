import { StreamCorruptedError, ValidationError } from '../errors.js';
import { merge } from '../internal/merge.js';
import { checkId, checkVersionBound } from '../internal/validate.js';
import type { Table } from '../table/Table.js';
import type { StreamHead } from './append.js';
import { checkCategory } from './category.js';
import { CATEGORY_ATTRIBUTE } from './categoryIndex.js';
import { EVENT_PREFIX, eventPartition, toStoredEvent } from './codec.js';
import type { KnownVersions } from './knownVersions.js';
import { inStreamOrder } from './streamOrder.js';
import type { EventPage, ReadAllOptions, ReadOptions, ReadPageOptions, StoredEvent } from './types.js';

interface Range {
  streamId: string;
  from: number;
  to: number;
  forward: boolean;
  limit: number | undefined;
}

/**
 * The read side of the event store: one stream (read, readPage, the head), and every stream or one
 * category (readAll). Reads are strongly consistent and check that versions are gapless.
 */
export class Reader {
  constructor(
    private readonly table: Table,
    private readonly known: KnownVersions,
    /** The name of the category index (see `categoryIndex`), when the table has one. */
    private readonly categoryIndex?: string,
  ) {}

  async *read<E extends StoredEvent>(
    streamId: string,
    options: ReadOptions,
  ): AsyncGenerator<E, void, undefined> {
    const range = this.range(streamId, options);
    let expected: number | undefined = range.forward ? range.from : undefined;
    let count = 0;
    let highest = 0;
    try {
      for await (const item of this.table.queryAll<Record<string, unknown>>(...this.rangeQuery(range), {
        ...this.rangeOptions(range, options.signal),
        prefetch: true,
      })) {
        options.signal?.throwIfAborted(); // stop within one event, even inside a page already in memory
        const event = toStoredEvent<E>(this.table, item);
        expected = this.checkNext(range, event, expected);
        highest = Math.max(highest, event.version);
        count++;
        yield event;
      }
    } finally {
      this.known.note(range.streamId, highest); // once per read, even when the caller stops early
    }
    this.checkEnd(range, expected, range.limit === undefined || count < range.limit);
  }

  async readPage<E extends StoredEvent>(
    streamId: string,
    options: ReadPageOptions,
  ): Promise<EventPage<E['type'], E['data']>> {
    const range = this.range(streamId, options);
    const [condition, values] = this.rangeQuery(range);
    const queryOptions = this.rangeOptions(range, options.signal);
    const page = await this.table.query<Record<string, unknown>>(condition, values, {
      ...queryOptions,
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    });
    let expected: number | undefined = range.forward ? range.from : undefined;
    if (page.after !== undefined) {
      // the page starts right after the cursor's event: a version missing at the boundary is a gap too
      const version = page.after[this.table.sortKeyName as string] as number;
      expected = range.forward ? version + 1 : version - 1;
    }
    const events = page.items.map((item) => {
      const event = toStoredEvent<E>(this.table, item);
      expected = this.checkNext(range, event, expected);
      return event;
    });
    this.known.note(
      range.streamId,
      events.reduce((highest, event) => Math.max(highest, event.version), 0),
    );
    if (page.cursor === undefined) this.checkEnd(range, expected, true);
    return page.cursor === undefined ? { events } : { events, cursor: page.cursor };
  }

  /**
   * Every event of the table, or of one category, as one async iterable per scan segment. Each segment
   * yields every stream from version 1, gapless, in order ({@link inStreamOrder}); streams follow one
   * another and interleave only in the rare case of a stream that the scan returns in two pieces.
   *
   * Cost: a Scan reads every item of the table, whatever the filter: about 1 RCU per 4 KB of the whole
   * table (consistent), although only the category's events cross the network. A category that is a
   * small part of a large table pays for the whole table; keep such categories in tables of their own,
   * or read them stream by stream with `read` when you know their ids.
   */
  segments<E extends StoredEvent>(
    options: ReadAllOptions,
    onBroken?: (streamId: string, error: StreamCorruptedError) => void,
  ): AsyncIterable<E>[] {
    const segments = options.segments ?? 4;
    if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
      throw new ValidationError(`readAll: segments must be a whole number from 1, got ${String(segments)}.`);
    }
    const category = options.category === undefined ? undefined : checkCategory(options.category);
    if (category !== undefined && this.categoryIndex !== undefined) {
      return this.indexedSegments<E>(category, segments, options.signal, onBroken);
    }
    const table = this.table;
    // `cat-…` streams, and the singleton stream named `cat` itself: the same rule as categoryOf.
    const filter =
      category === undefined
        ? { filter: 'begins_with(#pk, :prefix)', values: { ':prefix': EVENT_PREFIX } }
        : {
            filter: 'begins_with(#pk, :prefix) OR #pk = :single',
            values: { ':prefix': `${eventPartition(category)}-`, ':single': eventPartition(category) },
          };
    const readRange = (streamId: string, from: number, to: number) =>
      this.read<E>(streamId, { from, to, ...(options.signal ? { signal: options.signal } : {}) });
    return table
      .scanSegments<Record<string, unknown>>({
        segments,
        ...filter,
        names: { '#pk': table.partitionKeyName },
        consistentRead: true,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .map((segment) => ({
        [Symbol.asyncIterator]: () =>
          inStreamOrder<E>(
            (async function* () {
              for await (const item of segment) yield toStoredEvent<E>(table, item);
            })(),
            readRange,
            onBroken,
          ),
      }));
  }

  /**
   * A category's streams from the category index, `segments` of them read at a time, each whole and in
   * order by a consistent `read`. The index is paged lazily, so memory holds one index page and one
   * DynamoDB page per segment, whatever the category's size. Costs: see `categoryIndex`.
   */
  private indexedSegments<E extends StoredEvent>(
    category: string,
    segments: number,
    signal: AbortSignal | undefined,
    onBroken?: (streamId: string, error: StreamCorruptedError) => void,
  ): AsyncIterable<E>[] {
    const table = this.table;
    const index = this.categoryIndex as string;
    const streams = (async function* () {
      for await (const key of table.queryAll<Record<string, unknown>>(
        '#category = :category',
        { ':category': category },
        {
          index,
          names: { '#category': CATEGORY_ATTRIBUTE },
          ...(signal ? { signal } : {}),
        },
      )) {
        yield String(key[table.partitionKeyName]).slice(EVENT_PREFIX.length);
      }
    })();
    const read = (streamId: string) => this.read<E>(streamId, signal ? { signal } : {});
    // Each segment takes the next stream id from the shared index iterator: an async generator queues
    // concurrent next() calls, so every stream is handed to exactly one segment.
    const shared: AsyncIterator<string> = streams;
    return Array.from({ length: segments }, () => ({
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = await shared.next();
          if (next.done) return;
          try {
            yield* read(next.value);
          } catch (error) {
            if (!(error instanceof StreamCorruptedError) || onBroken === undefined) throw error;
            onBroken(next.value, error);
          }
        }
      },
    }));
  }

  readAll<E extends StoredEvent>(options: ReadAllOptions): AsyncGenerator<E, void, undefined> {
    const merged = merge(this.segments<E>(options)); // validates now, reads when iterated
    const signal = options.signal;
    return (async function* () {
      for await (const event of merged) {
        signal?.throwIfAborted(); // merge holds one event per segment ahead: stop within one event
        yield event;
      }
    })();
  }

  /** The stream's version and the version, id and digest of its last `depth` events, newest first. One consistent query. */
  async head(streamId: string, signal?: AbortSignal, depth = 1): Promise<StreamHead> {
    const sortKey = this.table.sortKeyName as string;
    const { items } = await this.table.query<Record<string, unknown>>(
      '#pk = :pk',
      { ':pk': eventPartition(streamId) },
      {
        names: { '#pk': this.table.partitionKeyName },
        ascending: false,
        limit: depth,
        consistentRead: true,
        fields: [sortKey, 'id', 'digest'],
        ...(signal ? { signal } : {}),
      },
    );
    const recent = items.map((item) => ({
      version: item[sortKey] as number,
      id: item.id as string,
      ...(item.digest !== undefined ? { digest: item.digest as string } : {}),
    }));
    const version = recent[0]?.version ?? 0;
    this.known.note(streamId, version);
    return { version, recent };
  }

  private range(streamId: string, options: ReadOptions): Range {
    checkId(streamId, 'streamId');
    const from = checkVersionBound(options.from, 'from') ?? 1;
    const to = checkVersionBound(options.to, 'to') ?? Number.MAX_SAFE_INTEGER;
    if (from > to) throw new ValidationError(`read: from (${from}) is after to (${to}).`);
    if (
      options.direction !== undefined &&
      options.direction !== 'forward' &&
      options.direction !== 'backward'
    ) {
      throw new ValidationError(
        `read: direction must be 'forward' or 'backward', got ${String(options.direction)}.`,
      );
    }
    const limit = options.limit === undefined ? undefined : checkVersionBound(options.limit, 'limit');
    return { streamId, from, to, forward: options.direction !== 'backward', limit };
  }

  private rangeQuery(range: Range): [string, Record<string, unknown>] {
    return [
      '#pk = :pk AND #sk BETWEEN :from AND :to',
      { ':pk': eventPartition(range.streamId), ':from': range.from, ':to': range.to },
    ];
  }

  private rangeOptions(range: Range, signal: AbortSignal | undefined) {
    return {
      names: { '#pk': this.table.partitionKeyName, '#sk': this.table.sortKeyName as string },
      consistentRead: true,
      ascending: range.forward,
      ...(range.limit !== undefined ? { limit: range.limit } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  /** Each event must be the next version in the direction of the read; returns the one after it. */
  private checkNext(range: Range, event: StoredEvent, expected: number | undefined): number {
    if (expected !== undefined && event.version !== expected) {
      throw new StreamCorruptedError(range.streamId, expected, event.version);
    }
    return range.forward ? event.version + 1 : event.version - 1;
  }

  /** A backward read that reached the start of the stream above `from` is missing its first events. */
  private checkEnd(range: Range, expected: number | undefined, reachedEnd: boolean): void {
    if (!range.forward && reachedEnd && expected !== undefined && expected >= range.from) {
      throw new StreamCorruptedError(range.streamId, expected, undefined);
    }
  }
}
