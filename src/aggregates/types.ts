import type { Options as RetryOptions } from 'p-retry';
import type { ConcurrencyError } from '../errors.js';
import type { Projection } from '../events/projection.js';
import type { StreamToken } from '../events/token.js';
import type { EventInput, EventStoreLike, StoredEvent } from '../events/types.js';
import type { SnapshotStoreLike } from '../snapshots/types.js';

/**
 * The stored form of the events a repository's `decide` returns. It distributes over a union, so a
 * `switch (event.type)` in `reduce` narrows `event.data`.
 */
export type StoredOf<Event extends EventInput> = Event extends EventInput
  ? StoredEvent<Event['type'], Event['data']>
  : never;

export interface AggregateRepositoryOptions<State, Event extends EventInput> {
  /**
   * The aggregate type: letters, digits and `_`. Aggregate `id` lives in the stream `<category>-<id>`,
   * and the repository loads, executes, snapshots and rebuilds only streams of its category, so several
   * aggregate types can share one table and even one id.
   */
  category: string;
  /**
   * Where the events are: an `EventStore` (DynamoDB), or an `InMemoryEventStore` (`dynago/testing`)
   * to run the same repository in tests without DynamoDB.
   */
  events: EventStoreLike;
  /**
   * Where snapshots are saved; none: every load replays the whole stream. It must keep its snapshots
   * with the events (see `SnapshotStoreLike`): a `SnapshotStore` on the event store's table, or an
   * `InMemorySnapshotStore` made with `{ events }` of the `InMemoryEventStore`.
   */
  snapshots?: SnapshotStoreLike<State>;
  /** A fresh initial state (called once per load: the reducer may mutate what it returns). */
  initialState: () => State;
  /** Applies one event to the state (the "evolve" of decide/evolve). */
  reduce: (state: State, event: StoredOf<Event>) => State;
  /**
   * Save a snapshot each time an append crosses a multiple of this version; default 100. A load reads
   * the snapshot and up to this many newer events in one Query.
   */
  snapshotEvery?: number;
  /**
   * How many aggregates (state and version) to keep in memory, least recently used out first; default
   * 1 000; `false` keeps none. With an aggregate in the cache, `execute` decides on the cached state and
   * appends at the cached version: one request for one event. A cached entry another process has
   * overtaken is caught by the append's own condition; the repository then reads only the newer events
   * and decides again. Only plain-data states are cached (objects, arrays, primitives, Date, Map, Set):
   * the repository copies them so that neither `decide`, `reduce` nor the caller can change a cached one.
   */
  cache?: number | false;
  /** p-retry options for conflicts in `execute`. Default: 10 tries, 10 ms to 1 s, exponential, jittered. */
  retry?: RetryOptions;
  /**
   * Called when a snapshot write fails (it never fails the command). Default: a process warning
   * (`process.emitWarning`, code `DYNAGO_SNAPSHOT_FAILED`) once per category, so a state that can never
   * be stored (a class instance, a function) does not fail silently forever.
   */
  onSnapshotError?: (error: unknown, aggregateId: string) => void;
  /** Called before each retry of `execute` after a ConcurrencyError. */
  onConflict?: (error: ConcurrencyError, aggregateId: string, attempt: number) => void;
  /**
   * Projections applied inline: their writes, and their checkpoint for the stream, go into the append's
   * own transaction, so the read model is consistent with the write the moment `execute` resolves. What
   * it costs: every command becomes a transaction (a one-event append is no longer a single PutItem),
   * and a transaction costs twice the write units of each item (the event, each read-model item, the
   * checkpoint). A projection applied inline must not also run in a Projector for the same events (its
   * checkpoint would refuse them anyway, so nothing is applied twice). Rebuild it first with a
   * Projector when you add it to aggregates that already have events: an inline projection whose
   * checkpoint is not at the aggregate's version fails the command with a TransactionCanceledError.
   * DynamoDB only: with an event store that has no table (an `InMemoryEventStore`), the repository
   * refuses them (ValidationError); test a projection's `project` on its own instead.
   */
  projections?: Projection[];
}

export interface Loaded<State> {
  state: State;
  /** The version of the last event folded in; 0 for an aggregate with no events. */
  version: number;
  /** The stream at `version`, for an append of your own right after it (`expectedVersion: token`). */
  token: StreamToken;
}

export interface Executed<State, Event extends EventInput> extends Loaded<State> {
  /**
   * The events this command appended (empty when `decide` returned none). For a command recognised by
   * its `commandId` as executed before, the events that earlier execution stored.
   */
  events: StoredOf<Event>[];
  /**
   * True when `commandId` named a command already executed: nothing was decided or appended, and
   * `state` / `version` are the aggregate's current ones.
   */
  replayed?: boolean;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /**
   * Makes the command idempotent end to end: the id is stored with the events the command produces, and
   * executing the same `commandId` again on the same aggregate returns the stored result without
   * deciding or appending, as long as those events are among the aggregate's last
   * {@link COMMAND_HISTORY} events. Use it when a caller may retry a command whose outcome it did not
   * learn (a timeout, a lost response). Costs nothing when the repository has already read that far back
   * (it remembers the command ids of the events it read); else one Query of at most
   * {@link COMMAND_HISTORY} events.
   */
  commandId?: string;
}

/** How far back `execute` looks for an earlier execution of the same `commandId`: the last 100 events. */
export const COMMAND_HISTORY = 100;

export interface RebuildProgress {
  streams: number;
  events: number;
  failed: number;
}

export interface RebuildAllResult {
  streams: number;
  events: number;
  failed: { streamId: string; error: unknown }[];
}

export type Decide<State, Event extends EventInput> = (
  state: State,
  version: number,
) => Event[] | Promise<Event[]>;

/**
 * Decides for several aggregates at once (a transfer between two accounts): gets their states, in the
 * order of the ids, and returns the events for each, in the same order (an empty array for none).
 */
export type DecideMany<State, Event extends EventInput> = (
  states: Loaded<State>[],
) => Event[][] | Promise<Event[][]>;
