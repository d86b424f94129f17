import { randomBytes } from 'node:crypto';
import { ConcurrencyError, ValidationError } from '../errors.js';
import {
  Appender,
  type AppendStorage,
  type StreamHead,
  type StreamPlan,
  type WriteOutcome,
} from '../events/append.js';
import { categoryOf, checkCategory } from '../events/category.js';
import { eventAttributes } from '../events/codec.js';
import type { EventDefinition, EventOf } from '../events/definition.js';
import { checkParallel, checkReadRange, checkSegments } from '../events/readRange.js';
import { EventRegistry } from '../events/registry.js';
import { issueToken, type StreamToken } from '../events/token.js';
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
} from '../events/types.js';
import { merge } from '../internal/merge.js';
import { checkId } from '../internal/validate.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import { CursorCodec, fingerprint } from '../table/cursor.js';
import { joinSpace, type MemorySpace, type MemoryStream, ownSpace } from './memorySpace.js';
import { storedCopy } from './storedCopy.js';

/** Options of {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions<Definitions extends EventDefinition = EventDefinition> {
  /** The store's event types, as `EventStoreOptions.events`: schemas checked on append, upcasting on read. */
  events?: readonly Definitions[];
  /**
   * Keep the events (and snapshots) in the memory of this other store, as two `EventStore`s on one
   * table do: for example to append events with old definitions and read them with new ones.
   */
  sameMemoryAs?: InMemoryEventStore<EventDefinition>;
  /**
   * At most this many events in a `readPage` that gives no `limit`; default 1 000. DynamoDB's pages
   * end at 1 MB: a page size keeps code that must follow cursors honest in tests too.
   */
  pageSize?: number;
}

/** The key names the item size check counts, as an `EventStore` on a table keyed `pk` / `sk` would. */
const KEY_NAMES = { partitionKeyName: 'pk', sortKeyName: 'sk' } as const;

/**
 * An event store in memory, for tests: the `EventStore` API and its rules, without DynamoDB. The same
 * append algorithm and the same validation run on both, so expected versions and tokens, conflicts
 * (`ConcurrencyError`), idempotent re-sends of caller-given ids (`IdempotencyError` when one differs),
 * `appendMany` all or nothing, the 100-event limit, item checks (`ValidationError`, `ItemTooLargeError`),
 * categories, command ids and timestamps behave alike; bad input stores nothing. Reads are gapless
 * (versions are gapless by construction), take the same options, and return copies: mutating an event
 * you appended or read changes nothing stored.
 *
 * What it does not do: inline projections (`appendMany`'s `operations` are DynamoDB writes: refused with
 * a ValidationError), and a stream's events are not spread over DynamoDB pages (`readPage` without a
 * `limit` returns `pageSize` events). It lives as long as the object: one per test keeps tests apart.
 *
 * Pair it with an `InMemorySnapshotStore` (`new InMemorySnapshotStore({ events: store })`) and
 * give both to an `AggregateRepository`, as you would an `EventStore` and a `SnapshotStore` on one table.
 *
 * @example
 * ```ts
 * const store = new InMemoryEventStore();
 * await store.append('account-1', [{ type: 'Opened', data: { owner: 'Ada' } }], { expectedVersion: 0 });
 * for await (const event of store.read('account-1')) console.log(event.version, event.type); // 1 Opened
 * ```
 */
export class InMemoryEventStore<Definitions extends EventDefinition = EventDefinition>
  implements EventStoreLike
{
  private readonly space: MemorySpace;
  private readonly appender: Appender;
  private readonly pageSize: number;
  /** Seals `readPage` cursors, so that an edited cursor, or one of another read, is refused as on DynamoDB. */
  private readonly cursors = new CursorCodec(randomBytes(32));

  /** Brings an event up to its type's current schema version; undefined without definitions. */
  private readonly upcast: (<E extends StoredEvent>(event: E) => E) | undefined;
  private readonly registry: EventRegistry | undefined;

  /** See `EventStoreLike.prepare`: schemas applied, as an append would apply them. */
  prepare(appends: StreamAppend[]): Promise<StreamAppend[]> {
    return this.registry === undefined ? Promise.resolve(appends) : this.registry.validate(appends);
  }

  /** See `EventStoreLike.schemaVersionOf`. */
  schemaVersionOf(type: string): number {
    return this.registry?.versionOf(type) ?? 1;
  }

  constructor(options: InMemoryEventStoreOptions<Definitions> = {}) {
    const pageSize = options?.pageSize ?? 1_000;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new ValidationError(
        `new InMemoryEventStore: pageSize must be a positive whole number, got ${String(pageSize)}.`,
      );
    }
    this.pageSize = pageSize;
    this.space =
      options?.sameMemoryAs === undefined
        ? ownSpace(this)
        : joinSpace(this, options.sameMemoryAs, 'new InMemoryEventStore: sameMemoryAs');
    const registry =
      options?.events === undefined ? undefined : new EventRegistry(options.events, 'new InMemoryEventStore');
    this.registry = registry;
    this.upcast = registry && (<E extends StoredEvent>(event: E) => registry.upcast(event));
    this.appender = new Appender(this.storage(), registry);
  }

  /** See `EventStore.append`: the same rules, in memory. */
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
          ...(options?.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
          ...(options?.commandId !== undefined ? { commandId: options.commandId } : {}),
          ...(options?.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
        },
      ],
      options?.signal,
    );
    const { version, token, events: stored } = result as AppendResult & { streamId: string };
    return { version, token, events: stored as StoredEvent<Type, Data>[] };
  }

  /**
   * See `EventStore.appendMany`: several streams, all or nothing. `operations` (DynamoDB writes for the
   * same transaction) cannot be kept in memory: a non-empty list is a ValidationError, nothing stored.
   */
  async appendMany(
    appends: StreamAppend[],
    options: AppendManyOptions = {},
  ): Promise<(AppendResult & { streamId: string })[]> {
    const operations: TransactOperation[] | undefined = options?.operations;
    if (Array.isArray(operations) && operations.length > 0) {
      throw new ValidationError(
        "InMemoryEventStore.appendMany: operations are DynamoDB writes for the append's own transaction " +
          '(inline projections, table.putOp …); an in-memory store cannot write them. Nothing was stored. ' +
          'Test them against DynamoDB Local (dynago/testing: startDynamoDB).',
      );
    }
    return this.appender.append(appends, options?.signal, operations);
  }

  /** See `EventStore.read`. */
  async *read<E extends StoredEvent = EventOf<Definitions>>(
    streamId: string,
    options: ReadOptions = {},
  ): AsyncGenerator<E, void, undefined> {
    const range = checkReadRange(streamId, options);
    checkParallel(options.parallel);
    const signal = options.signal;
    signal?.throwIfAborted();
    const stream = this.space.get(range.streamId);
    if (stream === undefined) return;
    let count = 0;
    if (range.forward) {
      // up to the head as it is when the read gets there: events appended meanwhile are read too
      for (let version = range.from; version <= Math.min(range.to, stream.records.length); version++) {
        if (range.limit !== undefined && count >= range.limit) return;
        signal?.throwIfAborted();
        count++;
        yield this.eventAt<E>(range.streamId, stream, version);
      }
      return;
    }
    for (let version = Math.min(range.to, stream.records.length); version >= range.from; version--) {
      if (range.limit !== undefined && count >= range.limit) return;
      signal?.throwIfAborted();
      count++;
      yield this.eventAt<E>(range.streamId, stream, version);
    }
  }

  /**
   * See `EventStore.readPage`. A page holds `limit` events (default `pageSize`); as on DynamoDB, a page
   * that `limit` filled has a cursor even when nothing follows (the next page is then empty).
   */
  async readPage<E extends StoredEvent = EventOf<Definitions>>(
    streamId: string,
    options: ReadPageOptions = {},
  ): Promise<EventPage<E['type'], E['data']>> {
    const range = checkReadRange(streamId, options);
    options.signal?.throwIfAborted();
    const print = fingerprint([
      'InMemoryEventStore.readPage',
      range.streamId,
      range.from,
      range.to,
      range.forward,
    ]);
    const after =
      options.cursor === undefined
        ? undefined
        : (this.cursors.decode(options.cursor, print).version as number);
    const stream = this.space.get(range.streamId);
    const head = stream?.records.length ?? 0;
    const size = range.limit ?? this.pageSize;
    const step = range.forward ? 1 : -1;
    const first = after !== undefined ? after + step : range.forward ? range.from : Math.min(range.to, head);
    const last = range.forward ? Math.min(range.to, head) : range.from;
    const events: E[] = [];
    for (
      let version = first;
      stream !== undefined && events.length < size && (range.forward ? version <= last : version >= last);
      version += step
    ) {
      events.push(this.eventAt<E>(range.streamId, stream, version));
    }
    const end = events.at(-1)?.version;
    // Filled by `limit`: a cursor, as DynamoDB gives one whenever its Limit is reached. Cut by the page
    // size: a cursor only when more events follow.
    const more =
      end !== undefined &&
      events.length === size &&
      (range.limit !== undefined || (range.forward ? end < last : end > last));
    if (more) return { events, cursor: this.cursors.encode({ version: end }, print) };
    // A forward read that ran to the end of the stream saw its head: the caller may append after it.
    const toTheEnd = range.forward && options.to === undefined && range.limit === undefined;
    const seenHead = end ?? after ?? (range.from === 1 ? 0 : undefined);
    if (!toTheEnd || seenHead === undefined) return { events };
    return { events, token: issueToken(range.streamId, seenHead) };
  }

  /** See `EventStore.version`: the stream's version, 0 when it does not exist. */
  async version(streamId: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    checkId(streamId, 'streamId');
    options?.signal?.throwIfAborted();
    return this.space.get(streamId)?.records.length ?? 0;
  }

  /** See `EventStore.head`: the stream's head as a token. */
  async head(streamId: string, options: { signal?: AbortSignal } = {}): Promise<StreamToken> {
    return issueToken(streamId, await this.version(streamId, options));
  }

  /**
   * See `EventStore.tail`: the snapshot record an `InMemorySnapshotStore` of this store saved,
   * and the newest events, `limit` records in all (at least 2).
   */
  async tail(streamId: string, options: { limit: number; signal?: AbortSignal }): Promise<StreamTail> {
    checkId(streamId, 'streamId');
    const limit = options?.limit;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ValidationError(`tail: limit must be a positive integer, got ${String(limit)}.`);
    }
    options.signal?.throwIfAborted();
    const stream = this.space.get(streamId);
    const snapshot = stream?.snapshot;
    const head = stream?.records.length ?? 0;
    const count = Math.min(head, Math.max(2, limit) - (snapshot !== undefined ? 1 : 0));
    const events: StoredEvent[] = [];
    for (let version = head - count + 1; stream !== undefined && version <= head; version++) {
      events.push(this.eventAt(streamId, stream, version));
    }
    return {
      ...(snapshot !== undefined ? { snapshot: storedCopy(snapshot) } : {}),
      events,
      token: issueToken(streamId, head),
    };
  }

  /**
   * See `EventStore.readAll`: every event, or one `category`'s, each stream's in version order; streams
   * interleave across `segments`. Bad options throw at once, as on DynamoDB.
   */
  readAll<E extends StoredEvent = EventOf<Definitions>>(
    options: ReadAllOptions = {},
  ): AsyncGenerator<E, void, undefined> {
    const merged = merge(this.readAllSegments<E>(options)); // validates now, reads when iterated
    const signal = options?.signal;
    return (async function* () {
      for await (const event of merged) {
        signal?.throwIfAborted();
        yield event;
      }
    })();
  }

  /**
   * See `EventStore.readAllSegments`: one async iterable per segment, each yielding whole streams from
   * version 1, one after the other. Streams are spread over the segments in the order they were created.
   * `onBroken` is never called: streams in memory have no gaps.
   */
  readAllSegments<E extends StoredEvent = EventOf<Definitions>>(
    options: ReadAllSegmentsOptions = {},
  ): AsyncIterable<E>[] {
    const segments = checkSegments(options?.segments);
    const category = options?.category === undefined ? undefined : checkCategory(options.category);
    const signal = options?.signal;
    const space = this.space;
    const eventAt = (streamId: string, stream: MemoryStream, version: number) =>
      this.eventAt<E>(streamId, stream, version);
    return Array.from({ length: segments }, (_, segment) => ({
      async *[Symbol.asyncIterator]() {
        signal?.throwIfAborted();
        for (const [streamId, stream] of space.entries()) {
          if (stream.ordinal % segments !== segment) continue;
          if (category !== undefined && categoryOf(streamId) !== category) continue;
          for (let version = 1; version <= stream.records.length; version++) {
            signal?.throwIfAborted();
            yield eventAt(streamId, stream, version);
          }
        }
      },
    }));
  }

  /**
   * THE way a stored record becomes a `StoredEvent`: every read, every append result and every re-send
   * check goes through here, so that a change of how events are read (say, upcasting old schemas) is
   * made in one place. The event is a copy: the caller may mutate it.
   */
  private eventAt<E extends StoredEvent>(streamId: string, stream: MemoryStream, version: number): E {
    const record = stream.records[version - 1] as Record<string, unknown>;
    const event: StoredEvent = {
      streamId,
      category: categoryOf(streamId),
      version,
      id: record.id as string,
      type: record.type as string,
      data: storedCopy(record.data),
      timestamp: record.timestamp as number,
      schemaVersion: (record.schemaVersion as number | undefined) ?? 1,
    };
    if (record.metadata !== undefined)
      event.metadata = storedCopy(record.metadata as Record<string, unknown>);
    if (record.commandId !== undefined) event.commandId = record.commandId as string;
    return (this.upcast === undefined ? event : this.upcast(event)) as E;
  }

  /** The append algorithm's reads and writes, on this store's memory. */
  private storage(): AppendStorage {
    const space = this.space;
    const eventAt = (streamId: string, stream: MemoryStream, version: number) =>
      this.eventAt(streamId, stream, version);
    const head = async (streamId: string, signal?: AbortSignal, depth = 1): Promise<StreamHead> => {
      signal?.throwIfAborted();
      const records = space.get(streamId)?.records ?? [];
      const recent = [];
      for (let version = records.length; version > Math.max(0, records.length - depth); version--) {
        const record = records[version - 1] as Record<string, unknown>;
        recent.push({
          version,
          id: record.id as string,
          ...(record.digest !== undefined ? { digest: record.digest as string } : {}),
        });
      }
      return { version: records.length, recent };
    };
    return {
      keyNames: KEY_NAMES,
      head,
      async holds(streamId, version, signal) {
        signal?.throwIfAborted();
        return (space.get(streamId)?.records.length ?? 0) >= version;
      },
      async slice(streamId, from, to, signal) {
        signal?.throwIfAborted();
        const stream = space.get(streamId);
        const found = [];
        for (
          let version = from;
          stream !== undefined && version <= Math.min(to, stream.records.length);
          version++
        ) {
          const record = stream.records[version - 1] as Record<string, unknown>;
          found.push({
            event: eventAt(streamId, stream, version),
            digest: record.digest as string | undefined,
          });
        }
        return found;
      },
      async write(plans: readonly StreamPlan[], timestamp: number, operations: TransactOperation[], signal) {
        signal?.throwIfAborted();
        if (operations.length > 0) {
          throw new ValidationError(
            'InMemoryEventStore: operations (DynamoDB writes) cannot be written in memory.',
          );
        }
        // Check every stream first, write after: all or nothing, as one DynamoDB transaction. No await
        // between the check and the writes, so no other append can come in between.
        const ids = new Set(plans.flatMap((plan) => plan.events.map((event) => event.id)));
        const conflicts: number[] = [];
        let maybeOwn = false;
        plans.forEach((plan, index) => {
          const records = space.get(plan.streamId)?.records ?? [];
          if (records.length < plan.base) {
            // Only a token of another store can name a version this store never had: no gap is written.
            throw new ConcurrencyError(plan.streamId, plan.expected, records.length);
          }
          if (records.length === plan.base) return;
          conflicts.push(index);
          const taken = Math.min(records.length, plan.base + plan.events.length);
          for (let version = plan.base + 1; version <= taken; version++) {
            if (ids.has((records[version - 1] as Record<string, unknown>).id as string)) maybeOwn = true;
          }
        });
        if (conflicts.length > 0)
          return { kind: 'conflict', conflicts, maybeOwn, cause: undefined } as WriteOutcome;
        const events = plans.map((plan) => {
          const stream = space.open(plan.streamId);
          for (const event of plan.events) {
            stream.records.push(
              storedCopy(eventAttributes(event, plan.timestamp ?? timestamp, plan.commandId)),
            );
          }
          return plan.events.map((_, index) => eventAt(plan.streamId, stream, plan.base + index + 1));
        });
        return { kind: 'written', events } as WriteOutcome;
      },
    };
  }
}
