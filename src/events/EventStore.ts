import { StreamCorruptedError, ValidationError } from '../errors.js';
import { merge } from '../internal/merge.js';
import type { Table } from '../table/Table.js';
import { Appender, type StreamHead } from './append.js';
import { EVENT_PREFIX, eventPartition, toStoredEvent } from './codec.js';
import { KnownVersions } from './knownVersions.js';
import { StreamOrder } from './streamOrder.js';
import type {
  AppendOptions,
  AppendResult,
  EventInput,
  EventPage,
  ReadAllOptions,
  ReadOptions,
  ReadPageOptions,
  StoredEvent,
  StreamAppend,
} from './types.js';
import { checkId, checkVersionBound } from './validate.js';

export interface EventStoreOptions {
  /** A table whose partition key is a string and whose sort key is a number. */
  table: Table;
}

interface Range {
  streamId: string;
  from: number;
  to: number;
  forward: boolean;
  limit: number | undefined;
}

/**
 * Append-only event streams on one DynamoDB table. Each event is one item: partition key
 * `event#<streamId>`, sort key its version (1, 2, 3 …). Reads are strongly consistent, streamed page
 * by page, and check that versions are gapless.
 *
 * @example
 * ```ts
 * const store = new EventStore({ table });
 * const { version } = await store.append('account-1', [{ type: 'Deposited', data: { amount: 10 } }], { expectedVersion: 0 });
 * for await (const event of store.read('account-1')) console.log(event.version, event.type);
 * ```
 */
export class EventStore {
  readonly table: Table;
  private readonly known = new KnownVersions();
  private readonly appender: Appender;

  constructor(options: EventStoreOptions) {
    if (!options?.table) throw new ValidationError('new EventStore: give it a table ({ table }).');
    if (options.table.sortKeyName === undefined) {
      throw new ValidationError('new EventStore: the table needs a numeric sort key (the event version).');
    }
    this.table = options.table;
    this.appender = new Appender(this.table, this.known, (streamId, signal, depth) =>
      this.head(streamId, signal, depth),
    );
  }

  /**
   * Appends events to one stream, atomically. With `expectedVersion: N` it succeeds only if the stream
   * is at version N (0: it must not exist yet), else ConcurrencyError. Re-sending the same events (same
   * ids) after they were stored returns the stored result.
   * @example `await store.append('order-7', [{ type: 'Shipped', data: {} }], { expectedVersion: 3 })`
   */
  async append<Type extends string, Data>(
    streamId: string,
    events: EventInput<Type, Data>[],
    options: AppendOptions = {},
  ): Promise<AppendResult<Type, Data>> {
    const [result] = await this.appender.append(
      [
        {
          streamId,
          events,
          ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
        },
      ],
      options.signal,
    );
    const { version, events: stored } = result as AppendResult & { streamId: string };
    return { version, events: stored as StoredEvent<Type, Data>[] };
  }

  /**
   * Appends to several streams in one transaction: all or nothing (at most 100 events in all).
   * @example
   * ```ts
   * await store.appendMany([
   *   { streamId: 'account-1', events: [{ type: 'TransferredOut', data: { amount: 5, to: 'account-2' } }], expectedVersion: 4 },
   *   { streamId: 'account-2', events: [{ type: 'TransferredIn', data: { amount: 5, from: 'account-1' } }], expectedVersion: 9 },
   * ]);
   * ```
   */
  appendMany(
    appends: StreamAppend[],
    options: { signal?: AbortSignal } = {},
  ): Promise<(AppendResult & { streamId: string })[]> {
    return this.appender.append(appends, options.signal);
  }

  /**
   * A stream's events in version order (or reverse), streamed page by page. Throws
   * StreamCorruptedError when a version is missing.
   * @example `for await (const event of store.read('account-1', { from: 10 })) state = evolve(state, event);`
   */
  async *read<E extends StoredEvent = StoredEvent>(
    streamId: string,
    options: ReadOptions = {},
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

  /**
   * One page of a stream, with a cursor for the next. Versions are checked within the page, and the
   * first page is checked against `from`.
   * @example `const { events, cursor } = await store.readPage('account-1', { limit: 50 });`
   */
  async readPage<E extends StoredEvent = StoredEvent>(
    streamId: string,
    options: ReadPageOptions = {},
  ): Promise<EventPage<E['type'], E['data']>> {
    const range = this.range(streamId, options);
    const [condition, values] = this.rangeQuery(range);
    const queryOptions = this.rangeOptions(range, options.signal);
    let expected: number | undefined = range.forward ? range.from : undefined;
    if (options.cursor !== undefined) {
      // the page starts right after the cursor's event: a version missing at the boundary is a gap too
      const after = this.table.openCursor(condition, values, { ...queryOptions, cursor: options.cursor });
      const version = after[this.table.sortKeyName as string] as number;
      expected = range.forward ? version + 1 : version - 1;
    }
    const page = await this.table.query<Record<string, unknown>>(condition, values, {
      ...queryOptions,
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    });
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
   * The stream's current version; 0 when it does not exist. One consistent query of one item.
   * @example `const version = await store.version('account-1');`
   */
  async version(streamId: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    checkId(streamId, EVENT_PREFIX, 'streamId');
    return (await this.head(streamId, options.signal)).version;
  }

  /**
   * Every event of every stream (never snapshots), each stream's events in version order, read with
   * parallel scan segments. Streams interleave; see {@link readAllSegments} to consume streams whole.
   * @example `for await (const event of store.readAll({ segments: 8 })) project(event);`
   */
  readAll<E extends StoredEvent = StoredEvent>(
    options: ReadAllOptions = {},
  ): AsyncGenerator<E, void, undefined> {
    return merge(this.readAllSegments<E>(options));
  }

  /**
   * Every event, one async iterable per scan segment. A segment yields whole streams one after the
   * other (DynamoDB keeps a partition's items together, in sort-key order); the check that each stream
   * starts at 1 and is gapless turns any surprise into StreamCorruptedError rather than a wrong fold.
   */
  readAllSegments<E extends StoredEvent = StoredEvent>(options: ReadAllOptions = {}): AsyncIterable<E>[] {
    return this.scanEvents<E>(options).map((segment) => ({
      async *[Symbol.asyncIterator]() {
        const order = new StreamOrder();
        for await (const event of segment) {
          const problem = order.check(event);
          if (problem) throw problem;
          yield event;
        }
      },
    }));
  }

  /** @internal Every event, per scan segment, unchecked: for consumers that check order themselves. */
  scanEvents<E extends StoredEvent = StoredEvent>(options: ReadAllOptions = {}): AsyncIterable<E>[] {
    const table = this.table;
    return table
      .scanSegments<Record<string, unknown>>({
        segments: options.segments ?? 4,
        filter: 'begins_with(#pk, :prefix)',
        names: { '#pk': table.partitionKeyName },
        values: { ':prefix': EVENT_PREFIX },
        consistentRead: true,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .map((segment) => ({
        async *[Symbol.asyncIterator]() {
          for await (const item of segment) yield toStoredEvent<E>(table, item);
        },
      }));
  }

  /** The stream's version and the ids of its last `depth` events, newest first. One consistent query. */
  private async head(streamId: string, signal?: AbortSignal, depth = 1): Promise<StreamHead> {
    const sortKey = this.table.sortKeyName as string;
    const { items } = await this.table.query<Record<string, unknown>>(
      '#pk = :pk',
      { ':pk': eventPartition(streamId) },
      {
        names: { '#pk': this.table.partitionKeyName },
        ascending: false,
        limit: depth,
        consistentRead: true,
        fields: [sortKey, 'id'],
        ...(signal ? { signal } : {}),
      },
    );
    const recent = items.map((item) => ({ version: item[sortKey] as number, id: item.id as string }));
    const version = recent[0]?.version ?? 0;
    this.known.note(streamId, version);
    return { version, recent };
  }

  private range(streamId: string, options: ReadOptions): Range {
    checkId(streamId, EVENT_PREFIX, 'streamId');
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
