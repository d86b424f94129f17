import {
  ConcurrencyError,
  KeySchemaError,
  StreamDeletedError,
  type TableKeySchema,
  TransactionValidationError,
  ValidationError,
} from '../errors.js';
import { inspectItem } from '../internal/item.js';
import { MAX_EVENT_VERSION } from '../internal/layout.js';
import { inSpan, recordConflict, recordDuration, traceIteration } from '../internal/telemetry.js';
import { checkId, checkKeyNames, STORE_FIELDS } from '../internal/validate.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import { describeKeySchema, sameKeyNames } from '../table/keySchema.js';
import type { Table } from '../table/Table.js';
import { Appender } from './append.js';
import { categoryOf } from './category.js';
import type { Upcast } from './codec.js';
import { deletionOf, eventPartition } from './codec.js';
import type { EventDefinition, EventOf } from './definition.js';
import { type DeletedStream, type DeleteStreamOptions, deleteStream } from './deleter.js';
import { Reader } from './reader.js';
import { EventRegistry } from './registry.js';
import { TableAppendStorage } from './tableStorage.js';
import { isStreamToken, issueToken, type StreamToken } from './token.js';
import type {
  AppendManyOptions,
  AppendOptions,
  AppendResult,
  EventInput,
  EventPage,
  EventStoreLike,
  ReadAllOptions,
  ReadAllSegmentsOptions,
  ReadOptions,
  ReadPageOptions,
  StoredEvent,
  StreamAppend,
  StreamTail,
} from './types.js';

export interface EventStoreOptions<Definitions extends EventDefinition = EventDefinition> {
  /**
   * A table whose partition key is a string and whose sort key is a number: create it with
   * `table.createTable({ sortKeyType: 'N' })`. On a table with other key types the first append fails
   * with a KeySchemaError that says so.
   */
  table: Table;
  /**
   * The store's event types (`defineEvent`): appends check each event's data with its type's schema and
   * refuse types not listed; reads bring old events up to each type's current schema version, and are
   * typed by the definitions. Without it, any type is appended as given and read back as stored.
   */
  events?: readonly Definitions[];
  /**
   * The name of the table's category index (create it with `categoryIndex(table)`): then
   * `readAll({ category })` and `rebuildAll` list the category's streams from it instead of scanning the
   * whole table. Without it they scan, which reads every item of the table.
   */
  categoryIndex?: string;
}

/**
 * Append-only event streams on one DynamoDB table. Each event is one item: partition key
 * `event#<streamId>`, sort key its version (1, 2, 3 …). Reads are strongly consistent, streamed page
 * by page, and check that versions are gapless. A stream belongs to a category, the text of its id
 * before the first `-` (`cart-42` is in `cart`). Given event definitions (`defineEvent`), the store
 * validates appends with their schemas and upcasts old events on every read (see `EventStoreOptions.events`).
 *
 * @example
 * ```ts
 * const store = new EventStore({ table });
 * const { version } = await store.append('account-1', [{ type: 'Deposited', data: { amount: 10 } }], { expectedVersion: 0 });
 * for await (const event of store.read('account-1')) console.log(event.version, event.type);
 * ```
 */
export class EventStore<Definitions extends EventDefinition = EventDefinition> implements EventStoreLike {
  readonly table: Table;
  private readonly appender: Appender;
  private readonly reader: Reader;
  /**
   * Brings an event built from a stored item (a stream record, say) up to its type's current schema
   * version; undefined when the store has no definitions. For the projector.
   * @internal
   */
  readonly upcast: Upcast | undefined;
  private readonly registry: EventRegistry | undefined;

  /** See `EventStoreLike.prepare`: schemas applied, as an append would apply them. */
  prepare(appends: StreamAppend[]): Promise<StreamAppend[]> {
    return this.registry === undefined ? Promise.resolve(appends) : this.registry.validate(appends);
  }

  /** See `EventStoreLike.schemaVersionOf`. */
  schemaVersionOf(type: string): number {
    return this.registry?.versionOf(type) ?? 1;
  }

  constructor(options: EventStoreOptions<Definitions>) {
    if (!options?.table) throw new ValidationError('new EventStore: give it a table ({ table }).');
    if (options.table.sortKeyName === undefined) {
      throw new ValidationError('new EventStore: the table needs a numeric sort key (the event version).');
    }
    checkKeyNames(options.table, STORE_FIELDS, 'EventStore');
    this.table = options.table;
    if (
      options.categoryIndex !== undefined &&
      (typeof options.categoryIndex !== 'string' || options.categoryIndex === '')
    ) {
      throw new ValidationError(
        "new EventStore: categoryIndex must be the name of the table's category index.",
      );
    }
    const registry =
      options.events === undefined ? undefined : new EventRegistry(options.events, 'new EventStore');
    this.registry = registry;
    this.upcast = registry && (<E extends StoredEvent>(event: E) => registry.upcast(event));
    this.reader = new Reader(this.table, options.categoryIndex, this.upcast);
    this.appender = new Appender(
      new TableAppendStorage(this.table, (streamId, signal, depth) =>
        this.reader.head(streamId, signal, depth),
      ),
      registry,
    );
  }

  /**
   * Appends events to one stream, atomically. With `expectedVersion: N` it succeeds only if the stream
   * is at version N (0: it must not exist yet), else ConcurrencyError. Re-sending the same events (same
   * ids) after they were stored returns the stored result; re-using stored ids for anything else (other
   * data, other events, another order) is an IdempotencyError and writes nothing.
   * @example `await store.append('order-7', [{ type: 'Shipped', data: {} }], { expectedVersion: 3 })`
   */
  async append<Type extends string, Data>(
    streamId: string,
    events: EventInput<Type, Data>[],
    options: AppendOptions = {},
  ): Promise<AppendResult<Type, Data>> {
    const [result] = await this.appendTraced(
      [
        {
          streamId,
          events,
          ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
          ...(options.commandId !== undefined ? { commandId: options.commandId } : {}),
          ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
        },
      ],
      options.signal,
    );
    const { version, token, events: stored } = result as AppendResult & { streamId: string };
    return { version, token, events: stored as StoredEvent<Type, Data>[] };
  }

  /**
   * Appends to several streams in one transaction: all or nothing (at most 100 items in all, events and
   * `operations`). `operations` are other writes (`table.putOp` …, on any table) committed in the same
   * transaction: a read model that must be consistent with the write. They make even a one-event append
   * a transaction: twice the write units of every item written.
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
    options: AppendManyOptions = {},
  ): Promise<(AppendResult & { streamId: string })[]> {
    return this.appendTraced(appends, options.signal, options.operations);
  }

  /**
   * Deletes the stream's events and snapshot, and leaves a tombstone: a later append (of any kind)
   * fails with StreamDeletedError instead of starting a new stream at version 1, and reads throw it.
   * With `expectedVersion`, only a stream at that version is deleted (else ConcurrencyError). Safe to
   * call again after an interruption: it finishes the work. Cost: 1 WCU per event (each becomes a stub
   * of about 40 bytes that keeps its version taken), 1 for the tombstone, 1 for the snapshot, and the
   * reads of the stream's keys. Projections are told once (`Projection.onStreamDeleted`). See deleter.ts.
   * @example `await store.deleteStream('customer-42', { expectedVersion: 17 });`
   */
  deleteStream(streamId: string, options: DeleteStreamOptions = {}): Promise<DeletedStream> {
    checkId(streamId, 'streamId');
    return inSpan(
      'dynago.delete',
      this.table.tableName,
      { 'dynago.stream_id': streamId, 'dynago.category': categoryOf(streamId) },
      () => deleteStream(this.table, streamId, options),
    );
  }

  /**
   * Copies the stream's events, as stored (ids, versions, timestamps, data), to the `to` table (same
   * layout: an EventStore on it reads them), then deletes it here (see {@link deleteStream}) with a
   * tombstone that names `to`: reads and appends here fail with a StreamDeletedError that says where it
   * went. The copy is idempotent and the deletion is conditioned on the version copied, so an append in
   * between makes it a ConcurrencyError (nothing deleted; archive again). Cost: the reads of the stream,
   * 1 WCU per event on `to` (BatchWriteItem), then the deletion's.
   * @example `await store.archive('customer-42', { to: archiveTable });`
   */
  archive(
    streamId: string,
    options: { to: Table; expectedVersion?: number | StreamToken; signal?: AbortSignal },
  ): Promise<DeletedStream> {
    checkId(streamId, 'streamId');
    const to = options?.to;
    if (to === undefined || typeof to.batchWriteItems !== 'function' || to.sortKeyName === undefined) {
      throw new ValidationError(
        "archive: give it { to: table }, a Table with a string partition key and a numeric sort key, like this store's.",
      );
    }
    if (to.tableName === this.table.tableName) {
      throw new ValidationError("archive: the archive table must be another table than the store's.");
    }
    return inSpan(
      'dynago.archive',
      this.table.tableName,
      {
        'dynago.stream_id': streamId,
        'dynago.category': categoryOf(streamId),
        'dynago.archive': to.tableName,
      },
      async () => {
        const signal = options.signal;
        const call = signal ? { signal } : {};
        const sortKey = this.table.sortKeyName as string;
        const pk = eventPartition(streamId);
        let version = 0;
        let copies: Record<string, unknown>[] = [];
        const flush = async () => {
          if (copies.length > 0) await to.batchWriteItems(copies, call);
          copies = [];
        };
        for await (const page of this.table.queryPages<Record<string, unknown>>(
          '#pk = :pk AND #sk <= :last',
          { ':pk': pk, ':last': MAX_EVENT_VERSION },
          { names: { '#pk': this.table.partitionKeyName, '#sk': sortKey }, consistentRead: true, ...call },
        )) {
          for (const item of page) {
            const deletion = deletionOf(item);
            if (deletion !== undefined) {
              // archived before (an interrupted archive): finish its deletion; deleted otherwise: refuse
              if (deletion.archivedTo !== to.tableName) throw new StreamDeletedError(streamId, deletion);
              return deleteStream(this.table, streamId, call, to.tableName);
            }
            const { [this.table.partitionKeyName]: _pk, [sortKey]: itemVersion, ...attributes } = item;
            version = itemVersion as number;
            copies.push({
              ...attributes,
              [to.partitionKeyName]: pk,
              [to.sortKeyName as string]: itemVersion,
            });
            if (copies.length >= 100) await flush();
          }
        }
        await flush();
        const expected = isStreamToken(options.expectedVersion)
          ? options.expectedVersion.version
          : options.expectedVersion;
        if (expected !== undefined && expected !== version)
          throw new ConcurrencyError(streamId, expected, version);
        return deleteStream(this.table, streamId, { expectedVersion: version, ...call }, to.tableName);
      },
    );
  }

  /**
   * The append in a `dynago.append` span (stream, category, expected and actual version, events, bytes,
   * conflicts), timed in `dynago.append.duration`; a ConcurrencyError counts in `dynago.conflicts`.
   */
  private async appendTraced(
    appends: StreamAppend[],
    signal: AbortSignal | undefined,
    operations?: TransactOperation[],
  ): Promise<(AppendResult & { streamId: string })[]> {
    const started = performance.now();
    const one = Array.isArray(appends) && appends.length === 1 ? appends[0] : undefined;
    const streamId = typeof one?.streamId === 'string' ? one.streamId : undefined;
    const category = streamId === undefined ? undefined : categoryOf(streamId);
    const expected = one?.expectedVersion;
    const metric = { 'dynago.category': category };
    return inSpan(
      'dynago.append',
      this.table.tableName,
      {
        'dynago.stream_id': streamId,
        'dynago.category': category,
        'dynago.stream_count': Array.isArray(appends) ? appends.length : undefined,
        'dynago.expected_version': isStreamToken(expected)
          ? expected.version
          : (expected as number | 'any' | undefined),
      },
      async (span) => {
        try {
          const results = await this.explained(this.appender.append(appends, signal, operations), signal);
          if (span.recording) {
            const events = results.flatMap((result) => result.events);
            span.set({
              'dynago.version': results.length === 1 ? results[0]?.version : undefined,
              'dynago.event_count': events.length,
              'dynago.bytes': events.reduce(
                (sum, event) => sum + inspectItem({ ...event }, 'event', event),
                0,
              ),
            });
          }
          recordDuration('append', (performance.now() - started) / 1000, metric);
          return results;
        } catch (error) {
          if (error instanceof ConcurrencyError) {
            recordConflict(metric);
            span.set({ 'dynago.conflicts': 1 });
          }
          throw error;
        }
      },
    );
  }

  /**
   * A stream's events in version order (or reverse), streamed page by page. Throws
   * StreamCorruptedError when a version is missing. An abort stops it within one event.
   * @example `for await (const event of store.read('account-1', { from: 10 })) state = evolve(state, event);`
   */
  read<E extends StoredEvent = EventOf<Definitions>>(
    streamId: string,
    options: ReadOptions = {},
  ): AsyncGenerator<E, void, undefined> {
    return traceIteration(
      'dynago.read',
      this.table.tableName,
      { 'dynago.stream_id': streamId, 'dynago.category': safeCategory(streamId) },
      this.reader.read<E>(streamId, options),
    );
  }

  /**
   * One page of a stream, with a cursor for the next. Versions are checked within the page, and the
   * first page is checked against `from`.
   * @example `const { events, cursor } = await store.readPage('account-1', { limit: 50 });`
   */
  readPage<E extends StoredEvent = EventOf<Definitions>>(
    streamId: string,
    options: ReadPageOptions = {},
  ): Promise<EventPage<E['type'], E['data']>> {
    return inSpan(
      'dynago.read',
      this.table.tableName,
      { 'dynago.stream_id': streamId, 'dynago.category': safeCategory(streamId) },
      async (span) => {
        const page = await this.reader.readPage<E>(streamId, options);
        span.set({ 'dynago.event_count': page.events.length });
        return page;
      },
    );
  }

  /**
   * The stream's current version; 0 when it does not exist. One consistent query of one item.
   * @example `const version = await store.version('account-1');`
   */
  async version(streamId: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    checkId(streamId, 'streamId');
    return (await this.explained(this.reader.head(streamId, options.signal), options.signal)).version;
  }

  /**
   * The stream's head as a token, for an append that must go right after it. One consistent query.
   * @example `await store.append('order-7', events, { expectedVersion: await store.head('order-7') })`
   */
  async head(streamId: string, options: { signal?: AbortSignal } = {}): Promise<StreamToken> {
    checkId(streamId, 'streamId');
    const head = await this.explained(this.reader.head(streamId, options.signal), options.signal);
    return issueToken(streamId, head.version);
  }

  /**
   * The top of a stream's partition (snapshot item and newest events) in one consistent Query, and a
   * token for its head: how `AggregateRepository` loads in one request. The snapshot item is the one a
   * `SnapshotStore` on the same table saved (decode it with its `fromItem`).
   */
  async tail(streamId: string, options: { limit: number; signal?: AbortSignal }): Promise<StreamTail> {
    checkId(streamId, 'streamId');
    // At least 2: with the snapshot item first, the head event still fits, so "no events" means none.
    const tail = await this.explained(
      this.reader.tail(streamId, Math.max(2, options.limit), options.signal),
      options.signal,
    );
    return { ...tail, token: issueToken(streamId, tail.events.at(-1)?.version ?? 0) };
  }

  /**
   * Every event of every stream, or of one `category` (never snapshots or other items), each stream's
   * events in version order, read with parallel scan segments. Streams interleave; see
   * {@link readAllSegments} to consume streams whole. A failing segment rejects the loop and stops the
   * others.
   *
   * Cost: without a category index, a Scan reads the whole table, whatever the category: about 1 RCU per
   * 4 KB of the table (consistent reads); the filter saves network and client work, not read units. With
   * `categoryIndex`, a category costs about 1 RCU per 80 streams in the index plus one Query per stream
   * (see `categoryIndex`), and streams come whole, one after another per segment.
   * @example `for await (const event of store.readAll({ category: 'cart', segments: 8 })) project(event);`
   */
  readAll<E extends StoredEvent = EventOf<Definitions>>(
    options: ReadAllOptions = {},
  ): AsyncGenerator<E, void, undefined> {
    return traceIteration(
      'dynago.read',
      this.table.tableName,
      { 'dynago.category': options?.category, 'dynago.read_all': true },
      this.reader.readAll<E>(options),
    );
  }

  /**
   * Every event (of one `category`, when given), one async iterable per scan segment. A segment yields
   * every stream from version 1, gapless, one stream after the other (DynamoDB keeps a partition's items
   * together, in sort-key order); a stream that the scan returns in pieces is completed with a
   * consistent `read`, and a real gap is a StreamCorruptedError rather than a wrong fold.
   */
  readAllSegments<E extends StoredEvent = EventOf<Definitions>>(
    options: ReadAllSegmentsOptions = {},
  ): AsyncIterable<E>[] {
    return this.reader.segments<E>(options, options.onBroken);
  }

  /**
   * `work`, with a refusal caused by the table's key types turned into a KeySchemaError that says what
   * the store needs: a string partition key and a numeric sort key. DynamoDB refuses the first request
   * whose key values do not fit (the head's Query, or the first write); a KeySchemaError from the table
   * already carries the table's key, a refused transaction costs one DescribeTable, on that failure path
   * only.
   */
  private async explained<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await work;
    } catch (err) {
      let actual: TableKeySchema | undefined;
      if (err instanceof KeySchemaError) actual = err.actual;
      else if (
        err instanceof TransactionValidationError &&
        err.reasons.some((reason) => /type mismatch for key/i.test(reason.message ?? ''))
      ) {
        actual = await this.table.describeKeySchema(signal ? { signal } : {}).catch(() => undefined);
      }
      if (actual === undefined || !sameKeyNames(this.table, actual)) throw err;
      if (actual.partitionKey.type === 'S' && actual.sortKey?.type === 'N') throw err;
      throw new KeySchemaError(
        `EventStore needs a table whose partition key "${this.table.partitionKeyName}" is a string (S) and whose ` +
          `sort key "${this.table.sortKeyName}" is a number (N, the event version), but table "${this.table.tableName}" ` +
          `has ${describeKeySchema(actual)}. Create the table with table.createTable({ sortKeyType: 'N' }); a table's ` +
          'key types cannot change, so use a new table (another name, or delete this one first).',
        this.table.tableName,
        actual,
        { cause: err },
      );
    }
  }
}

/** The category of a stream id, or undefined for one that is not a string (the read then refuses it). */
function safeCategory(streamId: unknown): string | undefined {
  return typeof streamId === 'string' ? categoryOf(streamId) : undefined;
}
