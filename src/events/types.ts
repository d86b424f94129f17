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
}
