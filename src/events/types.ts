import type { StreamCorruptedError } from '../errors.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';
import type { StreamToken } from './token.js';

/** An event to append. `id` defaults to a new UUID v7; re-sending the same ids makes an append retry-safe. */
export interface EventInput<Type extends string = string, Data = unknown> {
  type: Type;
  /**
   * Plain data: objects, arrays, strings, numbers, booleans, `null`, Sets, Uint8Array. `undefined` is
   * stored as no attribute and read back as `undefined` (`null` reads back as `null`); inside objects,
   * properties that are `undefined` are left out, as JSON does. Two appends whose data differ only by
   * `undefined` against `null` count as the same event when re-sent with the same ids.
   */
  data: Data;
  metadata?: Record<string, unknown>;
  id?: string;
}

/**
 * An event as stored: its stream, the stream's category, its version in the stream (1, 2, 3 …) and when
 * it was appended (epoch ms).
 */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  streamId: string;
  /** The stream's category: the text of `streamId` before its first `-` (all of it when there is none). */
  category: string;
  version: number;
  id: string;
  type: Type;
  data: Data;
  metadata?: Record<string, unknown>;
  timestamp: number;
  /**
   * The schema version of `data` as handed out: the current version of its type's definition (older
   * events are upcast on read, see `defineEvent`); 1 for types without a definition. Stored on the item
   * only when above 1.
   */
  schemaVersion: number;
  /** The command that produced this event, when the append named one (`AppendOptions.commandId`). */
  commandId?: string;
}

/**
 * The version a stream must be at for an append to succeed: a number (0 = the stream must not exist
 * yet), or `'any'` to append after whatever is there.
 */
export type ExpectedVersion = number | 'any';

export interface AppendOptions {
  /**
   * The version the stream must be at: a number, `'any'`, or a {@link StreamToken} from an earlier
   * append or read, which also proves that version exists and so saves a request.
   */
  expectedVersion?: ExpectedVersion | StreamToken;
  /**
   * Stored on every event of this append (`StoredEvent.commandId`), so a command can be recognised later:
   * `AggregateRepository.execute` uses it for end-to-end idempotency. At most 256 characters.
   */
  commandId?: string;
  /**
   * The time to record on the events (epoch ms); default the time of the write. The aggregate repository
   * passes the time its reducer already saw, so a snapshot and a replay agree.
   */
  timestamp?: number;
  signal?: AbortSignal;
}

export interface AppendResult<Type extends string = string, Data = unknown> {
  /** The stream's version after the append. */
  version: number;
  /** The stream at `version`: pass it as the next append's `expectedVersion` to save a request. */
  token: StreamToken;
  events: StoredEvent<Type, Data>[];
}

export interface StreamAppend<Type extends string = string, Data = unknown> {
  streamId: string;
  events: EventInput<Type, Data>[];
  expectedVersion?: ExpectedVersion | StreamToken;
  /** See `AppendOptions.commandId`. */
  commandId?: string;
  /** See `AppendOptions.timestamp`. */
  timestamp?: number;
}

export interface ReadOptions {
  /** First version to read (inclusive); default 1. */
  from?: number;
  /** Last version to read (inclusive); default the end of the stream. */
  to?: number;
  direction?: 'forward' | 'backward';
  /** At most this many events. */
  limit?: number;
  /**
   * Strongly consistent reads (default true). `false` reads eventually consistent at half the read
   * units (0.5 RCU per 4 KB instead of 1), and may miss the last second of appends: fine for replays of
   * old events and rebuilds that will catch up, not for deciding a command.
   */
  consistent?: boolean;
  /**
   * How many version windows of a long forward read are in flight at once; default 4, 1 for a plain
   * page-by-page loop. See `EventStore.read`.
   */
  parallel?: number;
  signal?: AbortSignal;
  /**
   * @internal Events as stored, not upcast: the projector upcasts each event where a failure parks it.
   */
  raw?: boolean;
}

export interface ReadPageOptions extends Omit<ReadOptions, 'parallel'> {
  /** From a previous page of the same read. */
  cursor?: string;
}

export interface EventPage<Type extends string = string, Data = unknown> {
  events: StoredEvent<Type, Data>[];
  /** Present when more events may follow. */
  cursor?: string;
  /**
   * On the last page of a forward read to the stream's end (no `to`, no `limit` cut it short): the
   * stream at its last event, for the next append's `expectedVersion`.
   */
  token?: StreamToken;
}

export interface ReadAllOptions {
  /** Parallel scan segments; default 4. */
  segments?: number;
  /**
   * Only the streams of this category (see `StoredEvent.category`). Read from the category index when
   * the store has one; else the scan still reads the whole table (see `readAll` for the costs).
   */
  category?: string;
  signal?: AbortSignal;
  /** @internal See `ReadOptions.raw`. */
  raw?: boolean;
}

/** Options of `readAllSegments`. */
export interface ReadAllSegmentsOptions extends ReadAllOptions {
  /**
   * Report a corrupted stream here and go on with the next one, instead of throwing
   * StreamCorruptedError (the stream's events after the gap are skipped).
   */
  onBroken?: (streamId: string, error: StreamCorruptedError) => void;
}

/** Options of `appendMany`. */
export interface AppendManyOptions {
  signal?: AbortSignal;
  /**
   * Other writes (`table.putOp` …, on any table) committed in the same DynamoDB transaction as the
   * events. Only a store on DynamoDB can take them; an in-memory store refuses them (ValidationError).
   */
  operations?: TransactOperation[];
}

/** The top of a stream, from {@link EventStoreLike.tail}. */
export interface StreamTail {
  /**
   * The stream's snapshot record, when the paired snapshot store saved one: decode it with that
   * store's `fromItem` (see `SnapshotStoreLike`).
   */
  snapshot?: Record<string, unknown>;
  /** The newest events, oldest first, gapless; the stream's head is the last one (none: no events). */
  events: StoredEvent[];
  /** The stream at its head, for an append right after it. */
  token: StreamToken;
}

/**
 * What an `AggregateRepository` needs of an event store, and no more: the `EventStore` on DynamoDB and
 * the `InMemoryEventStore` of `dynago/testing` both are one, so the same repository code runs on either.
 * Every read is consistent and gapless, and `appendMany` is all or nothing, with the rules of
 * `EventStore` (expected versions, tokens, idempotent re-sends).
 */
export interface EventStoreLike {
  /**
   * The DynamoDB table the events live on. Inline projections (`AggregateRepositoryOptions.projections`)
   * keep their checkpoints there, in the append's own transaction; a store without a table (in memory)
   * cannot run them, and the repository refuses them.
   */
  readonly table?: Table;
  /** A stream's events in version order (or backward), streamed; see `EventStore.read`. */
  read<E extends StoredEvent = StoredEvent>(streamId: string, options?: ReadOptions): AsyncIterable<E>;
  /** One page of a stream, with a cursor for the next; see `EventStore.readPage`. */
  readPage<E extends StoredEvent = StoredEvent>(
    streamId: string,
    options?: ReadPageOptions,
  ): Promise<EventPage<E['type'], E['data']>>;
  /** Every event (of one category), as segments that each yield whole streams; see `EventStore.readAllSegments`. */
  readAllSegments<E extends StoredEvent = StoredEvent>(options?: ReadAllSegmentsOptions): AsyncIterable<E>[];
  /** Appends to several streams, all or nothing; see `EventStore.appendMany`. */
  appendMany(
    appends: StreamAppend[],
    options?: AppendManyOptions,
  ): Promise<(AppendResult & { streamId: string })[]>;
  /**
   * The stream's snapshot record (when there is one) and its newest events, `limit` records in all
   * (at least 2), with a token for its head: how a repository loads in one read.
   */
  tail(streamId: string, options: { limit: number; signal?: AbortSignal }): Promise<StreamTail>;
  /**
   * For stores with event definitions: the appends with each event's data checked by its schema and
   * replaced by the schema's output, as an append would store it (an append of the result does not
   * check it again). A repository folds these, so that its state is the one a replay builds.
   */
  prepare?(appends: StreamAppend[]): Promise<StreamAppend[]>;
  /** The schema version an append of `type` writes (1 without a definition). */
  schemaVersionOf?(type: string): number;
}
