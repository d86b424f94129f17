import { StreamCorruptedError, StreamDeletedError } from '../errors.js';
import { MAX_EVENT_VERSION, SNAPSHOT_SORT_KEY } from '../internal/layout.js';
import { merge } from '../internal/merge.js';
import type { Table } from '../table/Table.js';
import type { StreamHead } from './append.js';
import { checkCategory } from './category.js';
import { CATEGORY_ATTRIBUTE } from './categoryIndex.js';
import {
  deletionOf,
  EVENT_PREFIX,
  eventPartition,
  streamEventReader,
  toStoredEvent,
  type Upcast,
} from './codec.js';
import { checkParallel, checkReadRange, checkSegments, type ReadRange } from './readRange.js';
import { inStreamOrder } from './streamOrder.js';
import { issueToken } from './token.js';
import type { EventPage, ReadAllOptions, ReadOptions, ReadPageOptions, StoredEvent } from './types.js';

/** The top of a stream's partition: see {@link Reader.tail}. */
export interface Tail {
  /** The stored snapshot item, as the Query returned it. */
  snapshot?: Record<string, unknown>;
  /** The newest events, oldest first, gapless; the stream's head is the last one (none: no events). */
  events: StoredEvent[];
}

/**
 * The read side of the event store: one stream (read, readPage, the head), and every stream or one
 * category (readAll). Reads are strongly consistent and check that versions are gapless.
 */
export class Reader {
  constructor(
    private readonly table: Table,
    /** The name of the category index (see `categoryIndex`), when the table has one. */
    private readonly categoryIndex?: string,
    /** Brings each event read up to its type's current schema version (the store's definitions). */
    private readonly upcast?: Upcast,
  ) {}

  async *read<E extends StoredEvent>(
    streamId: string,
    options: ReadOptions,
  ): AsyncGenerator<E, void, undefined> {
    const range = checkReadRange(streamId, options);
    const parallel = checkParallel(options.parallel);
    const signal = options.signal;
    const toEvent = streamEventReader<E>(this.table, range.streamId, options.raw ? undefined : this.upcast);
    const [condition, values] = this.rangeQuery(range);
    const queryOptions = this.rangeOptions(range, signal, options.consistent);
    let expected: number | undefined = range.forward ? range.from : undefined;
    if (!range.forward || range.limit !== undefined || parallel === 1) {
      // Backward, limited or asked for: one page after the other (the next page prefetched).
      let count = 0;
      for await (const page of this.table.queryPages<Record<string, unknown>>(condition, values, {
        ...queryOptions,
        prefetch: true,
      })) {
        for (const item of page) {
          signal?.throwIfAborted(); // stop within one event, even inside a page already in memory
          const event = toEvent(item);
          expected = this.checkNext(range, event, expected);
          count++;
          yield event;
        }
      }
      this.checkEnd(range, expected, range.limit === undefined || count < range.limit);
      return;
    }
    // A forward read of the whole range. The first page says how many events fit in a page; when more
    // follow, the head is looked up (one small Query) and the rest is read in version windows of about
    // one page each (BETWEEN), `parallel` of them in flight and yielded in order: page n+1 no longer
    // waits for page n's LastEvaluatedKey. Memory: `parallel` windows, about a page each.
    const first = await this.table.query<Record<string, unknown>>(condition, values, queryOptions);
    for (const item of first.items) {
      signal?.throwIfAborted();
      const event = toEvent(item);
      expected = this.checkNext(range, event, expected);
      yield event;
    }
    if (first.cursor === undefined) return;
    const head = Math.min(range.to, (await this.head(range.streamId, signal)).version);
    // A little under a page per window: windows sized to exactly the first page would now and then spill
    // into a second request when later events are a bit larger.
    const width = Math.max(1, Math.floor(first.items.length * 0.9));
    let next = expected as number;
    const inFlight: Promise<Record<string, unknown>[]>[] = [];
    const launch = () => {
      if (next > head) return;
      const window = { ...range, from: next, to: Math.min(head, next + width - 1) };
      next = window.to + 1;
      const items = (async () => {
        const found: Record<string, unknown>[] = [];
        for await (const item of this.table.queryAll<Record<string, unknown>>(
          ...this.rangeQuery(window),
          queryOptions,
        )) {
          found.push(item);
        }
        return found;
      })();
      items.catch(() => {}); // a window the caller never reaches (it stopped early) must not be unhandled
      inFlight.push(items);
    };
    for (let index = 0; index < parallel; index++) launch();
    while (inFlight.length > 0) {
      const items = await (inFlight.shift() as Promise<Record<string, unknown>[]>);
      launch();
      for (const item of items) {
        signal?.throwIfAborted();
        const event = toEvent(item);
        expected = this.checkNext(range, event, expected);
        yield event;
      }
    }
    // Every version up to the head the read started from must have come: a missing one is a gap.
    if ((expected as number) <= head)
      throw new StreamCorruptedError(range.streamId, expected as number, undefined);
  }

  async readPage<E extends StoredEvent>(
    streamId: string,
    options: ReadPageOptions,
  ): Promise<EventPage<E['type'], E['data']>> {
    const range = checkReadRange(streamId, options);
    const [condition, values] = this.rangeQuery(range);
    const queryOptions = this.rangeOptions(range, options.signal, options.consistent);
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
      const event = toStoredEvent<E>(this.table, item, this.upcast);
      expected = this.checkNext(range, event, expected);
      return event;
    });
    if (page.cursor !== undefined) return { events, cursor: page.cursor };
    this.checkEnd(range, expected, true);
    // A forward read that ran to the end of the stream saw its head: the caller may append after it.
    const toTheEnd = range.forward && options.to === undefined && range.limit === undefined;
    // The head is the last event seen: on this page, or the one the cursor continues after. An empty
    // first page says only that nothing is at `from` or above: the head is 0 when `from` is 1, else unknown
    // (a token for `from - 1` could name a version that does not exist, and an append at it leave a gap).
    const last =
      events.at(-1)?.version ??
      (page.after !== undefined ? (expected as number) - 1 : range.from === 1 ? 0 : undefined);
    if (!toTheEnd || last === undefined) return { events };
    return { events, token: issueToken(range.streamId, last) };
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
    const segments = checkSegments(options.segments);
    const category = options.category === undefined ? undefined : checkCategory(options.category);
    if (category !== undefined && this.categoryIndex !== undefined) {
      return this.indexedSegments<E>(category, segments, options.signal, onBroken, options.raw);
    }
    const table = this.table;
    const upcast = options.raw ? undefined : this.upcast;
    // `cat-…` streams, and the singleton stream named `cat` itself: the same rule as categoryOf.
    const filter =
      category === undefined
        ? {
            filter: 'begins_with(#pk, :prefix) AND #sk < :snapshot AND attribute_not_exists(#deleted)',
            values: { ':prefix': EVENT_PREFIX, ':snapshot': SNAPSHOT_SORT_KEY },
          }
        : {
            filter:
              '(begins_with(#pk, :prefix) OR #pk = :single) AND #sk < :snapshot AND attribute_not_exists(#deleted)',
            values: {
              ':prefix': `${eventPartition(category)}-`,
              ':single': eventPartition(category),
              ':snapshot': SNAPSHOT_SORT_KEY,
            },
          };
    const readRange = (streamId: string, from: number, to: number) =>
      this.read<E>(streamId, {
        from,
        to,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.raw ? { raw: true } : {}),
      });
    return table
      .scanSegments<Record<string, unknown>>({
        segments,
        ...filter,
        // a deleted stream's stubs are not events: readAll and rebuilds pass over deleted streams
        names: { '#pk': table.partitionKeyName, '#sk': table.sortKeyName as string, '#deleted': 'deleted' },
        consistentRead: true,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .map((segment) => ({
        [Symbol.asyncIterator]: () =>
          inStreamOrder<E>(
            (async function* () {
              for await (const item of segment) yield toStoredEvent<E>(table, item, upcast);
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
    raw?: boolean,
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
    const read = (streamId: string) =>
      this.read<E>(streamId, { ...(signal ? { signal } : {}), ...(raw ? { raw: true } : {}) });
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
            if (error instanceof StreamDeletedError) continue; // deleted streams are passed over
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

  /**
   * The top of a stream's partition in one consistent backward Query: the snapshot item (when there is
   * one) and the newest events below it, at most `limit` items in all. Checks the events are gapless.
   * Cost: the read units of everything read, summed and rounded up to 4 KB once.
   */
  async tail(streamId: string, limit: number, signal?: AbortSignal): Promise<Tail> {
    const sortKey = this.table.sortKeyName as string;
    const { items } = await this.table.query<Record<string, unknown>>(
      '#pk = :pk AND #sk <= :top',
      { ':pk': eventPartition(streamId), ':top': SNAPSHOT_SORT_KEY },
      {
        names: { '#pk': this.table.partitionKeyName, '#sk': sortKey },
        ascending: false,
        limit,
        consistentRead: true,
        ...(signal ? { signal } : {}),
      },
    );
    const snapshot = items[0]?.[sortKey] === SNAPSHOT_SORT_KEY ? items.shift() : undefined;
    const events = items.reverse().map((item) => toStoredEvent<StoredEvent>(this.table, item, this.upcast));
    events.forEach((event, index) => {
      if (index > 0 && event.version !== (events[index - 1] as StoredEvent).version + 1) {
        throw new StreamCorruptedError(
          streamId,
          (events[index - 1] as StoredEvent).version + 1,
          event.version,
        );
      }
    });
    return { ...(snapshot !== undefined ? { snapshot } : {}), events };
  }

  /** The stream's version and the version, id and digest of its last `depth` events, newest first. One consistent query. */
  async head(streamId: string, signal?: AbortSignal, depth = 1): Promise<StreamHead> {
    const sortKey = this.table.sortKeyName as string;
    const { items } = await this.table.query<Record<string, unknown>>(
      '#pk = :pk AND #sk <= :last',
      { ':pk': eventPartition(streamId), ':last': MAX_EVENT_VERSION },
      {
        names: { '#pk': this.table.partitionKeyName, '#sk': sortKey },
        ascending: false,
        limit: depth,
        consistentRead: true,
        fields: [sortKey, 'id', 'digest', 'deleted'],
        ...(signal ? { signal } : {}),
      },
    );
    if (items[0]?.deleted !== undefined) throw new StreamDeletedError(streamId, deletionOf(items[0]));
    const recent = items.map((item) => ({
      version: item[sortKey] as number,
      id: item.id as string,
      ...(item.digest !== undefined ? { digest: item.digest as string } : {}),
    }));
    const version = recent[0]?.version ?? 0;
    return { version, recent };
  }

  private rangeQuery(range: ReadRange): [string, Record<string, unknown>] {
    return [
      '#pk = :pk AND #sk BETWEEN :from AND :to',
      { ':pk': eventPartition(range.streamId), ':from': range.from, ':to': range.to },
    ];
  }

  private rangeOptions(range: ReadRange, signal: AbortSignal | undefined, consistent = true) {
    return {
      names: { '#pk': this.table.partitionKeyName, '#sk': this.table.sortKeyName as string },
      consistentRead: consistent !== false,
      ascending: range.forward,
      ...(range.limit !== undefined ? { limit: range.limit } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  /** Each event must be the next version in the direction of the read; returns the one after it. */
  private checkNext(range: ReadRange, event: StoredEvent, expected: number | undefined): number {
    if (expected !== undefined && event.version !== expected) {
      throw new StreamCorruptedError(range.streamId, expected, event.version);
    }
    return range.forward ? event.version + 1 : event.version - 1;
  }

  /** A backward read that reached the start of the stream above `from` is missing its first events. */
  private checkEnd(range: ReadRange, expected: number | undefined, reachedEnd: boolean): void {
    if (!range.forward && reachedEnd && expected !== undefined && expected >= range.from) {
      throw new StreamCorruptedError(range.streamId, expected, undefined);
    }
  }
}
