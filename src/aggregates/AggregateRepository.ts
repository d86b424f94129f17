import { setMaxListeners } from 'node:events';
import pRetry, { AbortError, type Options as RetryOptions } from 'p-retry';
import { v7 as uuidv7 } from 'uuid';
import { ConcurrencyError, ValidationError } from '../errors.js';
import { checkCategory, streamIdOf } from '../events/category.js';
import type { EventStore } from '../events/EventStore.js';
import type { EventInput, StoredEvent } from '../events/types.js';
import { clonePlain } from '../internal/clonePlain.js';
import { Limiter } from '../internal/limiter.js';
import { checkCommandId, checkId } from '../internal/validate.js';
import type { SnapshotStore } from '../snapshots/SnapshotStore.js';

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
  events: EventStore;
  snapshots?: SnapshotStore<State>;
  /** A fresh initial state (called once per load: the reducer may mutate what it returns). */
  initialState: () => State;
  /** Applies one event to the state (the "evolve" of decide/evolve). */
  reduce: (state: State, event: StoredOf<Event>) => State;
  /** Save a snapshot each time an append crosses a multiple of this version; default 100. */
  snapshotEvery?: number;
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
}

export interface Loaded<State> {
  state: State;
  /** The version of the last event folded in; 0 for an aggregate with no events. */
  version: number;
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
   * learn (a timeout, a lost response). Costs nothing when the load already read that far back; else
   * one Query of at most {@link COMMAND_HISTORY} events.
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

const DEFAULT_RETRY: RetryOptions = {
  retries: 9,
  minTimeout: 10,
  maxTimeout: 1_000,
  factor: 2,
  randomize: true,
};

/**
 * Loads aggregates from a snapshot and the events after it, runs commands against them with
 * optimistic concurrency, and rebuilds state from the events alone.
 *
 * @example
 * ```ts
 * const accounts = new AggregateRepository<{ balance: number }, AccountEvent>({
 *   events: store, snapshots, initialState: () => ({ balance: 0 }),
 *   reduce: (state, event) => (event.type === 'Deposited' ? { balance: state.balance + event.data.amount } : state),
 * });
 * await accounts.execute('account-1', (state) => [{ type: 'Deposited', data: { amount: 10 } }]);
 * ```
 */
export class AggregateRepository<State, Event extends EventInput = EventInput> {
  /** The aggregate type; see {@link AggregateRepositoryOptions.category}. */
  readonly category: string;
  private readonly events: EventStore;
  private readonly snapshots: SnapshotStore<State> | undefined;
  private readonly snapshotEvery: number;

  constructor(private readonly options: AggregateRepositoryOptions<State, Event>) {
    if (!options?.events)
      throw new ValidationError('new AggregateRepository: events (an EventStore) is required.');
    this.category = checkCategory(options.category, 'new AggregateRepository: category');
    if (typeof options.initialState !== 'function' || typeof options.reduce !== 'function') {
      throw new ValidationError('new AggregateRepository: initialState and reduce must be functions.');
    }
    const every = options.snapshotEvery ?? 100;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new ValidationError(
        `new AggregateRepository: snapshotEvery must be a positive integer, got ${String(every)}.`,
      );
    }
    this.events = options.events;
    this.snapshots = options.snapshots;
    this.snapshotEvery = every;
  }

  /** The stream of aggregate `id`: `<category>-<id>`. */
  streamId(aggregateId: string): string {
    if (typeof aggregateId !== 'string' || aggregateId === '') checkId(aggregateId, 'aggregateId');
    return checkId(streamIdOf(this.category, aggregateId), `aggregateId (as stream "${this.category}-…")`);
  }

  /**
   * The current state: the snapshot (if any) plus the events after it. Two requests when the
   * snapshot is fresh (one GetItem, one Query).
   * @example `const { state, version } = await accounts.load('account-1');`
   */
  async load(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    const { state, version } = await this.loadStream(this.streamId(aggregateId), options.signal);
    return { state, version };
  }

  /**
   * Loads, decides, appends at the loaded version; on ConcurrencyError reloads and decides again
   * (with backoff and jitter). Errors thrown by `decide` or by `reduce` on the decided events are domain
   * errors: nothing is appended, they are never retried, and they pass through as they are.
   *
   * The decided events are folded before they are appended, so a reducer that throws on them appends
   * nothing; `decide` gets a copy of plain-data state, so a `decide` that mutates its state changes
   * neither the result nor the snapshot (a state that is not plain data, such as a class instance, is
   * passed as it is: do not mutate it in `decide`). Once the append is stored, `execute` resolves,
   * even if `signal` aborts afterwards (the abort then only skips the snapshot).
   * @example `await accounts.execute('account-1', (state) => { if (state.balance < 5) throw new Error('insufficient funds'); return [{ type: 'Withdrawn', data: { amount: 5 } }]; });`
   */
  async execute(
    aggregateId: string,
    decide: Decide<State, Event>,
    options: ExecuteOptions = {},
  ): Promise<Executed<State, Event>> {
    if (typeof decide !== 'function')
      throw new ValidationError('execute: decide must be a function (state, version) => events.');
    const streamId = this.streamId(aggregateId);
    const commandId = checkCommandId(options.commandId);
    const signal = options.signal;
    const domain: { error?: unknown; thrown: boolean } = { thrown: false };
    let stored: Executed<State, Event> | undefined;
    const userShouldRetry = this.options.retry?.shouldRetry;
    try {
      return await pRetry(
        async () => {
          const loaded = await this.loadStream(streamId, signal, commandId);
          if (loaded.command !== undefined && loaded.command.length > 0) {
            return { state: loaded.state, version: loaded.version, events: loaded.command, replayed: true };
          }
          const { state, version } = loaded;
          const pristine = clonePlain(state);
          let decided: Event[];
          try {
            decided = await decide(pristine ?? state, version);
          } catch (error) {
            domain.error = error;
            domain.thrown = true;
            throw new AbortError('domain error');
          }
          if (!Array.isArray(decided)) {
            throw new AbortError(
              new ValidationError('execute: decide must return an array of events (empty for none).'),
            );
          }
          if (decided.length === 0) return { state, version, events: [] };
          // Fold before appending: a reducer that throws on the decided events must leave nothing stored.
          const timestamp = Date.now();
          const withIds = decided.map((event) => ({ ...event, id: event.id ?? uuidv7() }));
          let next: State;
          try {
            next = withIds.reduce(
              (current, event, index) =>
                this.options.reduce(current, {
                  streamId,
                  category: this.category,
                  version: version + index + 1,
                  id: event.id,
                  type: event.type,
                  data: event.data,
                  ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
                  timestamp,
                  ...(commandId !== undefined ? { commandId } : {}),
                } as StoredOf<Event>),
              state,
            );
          } catch (error) {
            domain.error = error;
            domain.thrown = true;
            throw new AbortError('domain error');
          }
          const appended = await this.events.append(streamId, withIds, {
            expectedVersion: version,
            timestamp,
            ...(commandId !== undefined ? { commandId } : {}),
            ...(signal ? { signal } : {}),
          });
          stored = { state: next, version: appended.version, events: appended.events as StoredOf<Event>[] };
          if (!signal?.aborted) await this.snapshotIfDue(streamId, next, version, appended.version, signal);
          return stored;
        },
        {
          ...DEFAULT_RETRY,
          ...this.options.retry,
          ...(signal ? { signal } : {}),
          onFailedAttempt: async (context) => {
            if (context.error instanceof ConcurrencyError && context.retriesLeft > 0)
              this.options.onConflict?.(context.error, aggregateId, context.attemptNumber);
            await this.options.retry?.onFailedAttempt?.(context);
          },
          shouldRetry: async (context) =>
            context.error instanceof ConcurrencyError &&
            (userShouldRetry ? await userShouldRetry(context) : true),
        },
      );
    } catch (error) {
      if (stored !== undefined) return stored; // the events are stored: an abort after that is not a failure
      if (domain.thrown) throw domain.error;
      throw error;
    }
  }

  /**
   * Replays the aggregate from its events alone (ignoring the snapshot) and rewrites the snapshot.
   * @example `const { state } = await accounts.rebuild('account-1');`
   */
  async rebuild(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    return this.rebuildStream(this.streamId(aggregateId), options.signal);
  }

  /**
   * Replays every stream of this repository's category (parallel scan segments), saves a fresh snapshot
   * for each, and goes on past streams that fail (a reducer error, a gap, a failed snapshot write): they
   * are listed in `failed`. Streams of other categories are neither read into a fold nor touched.
   * `concurrency` bounds the snapshot writes in flight. An error that is not a stream's (the scan fails,
   * `onProgress` throws, the signal aborts) stops every segment and rejects, after the writes in flight
   * have settled. Memory does not grow with the number of streams.
   *
   * Cost: the scan reads the whole table (about 1 RCU per 4 KB of it, consistent), whatever the category;
   * plus one snapshot write per stream.
   * @example `const { streams, failed } = await accounts.rebuildAll({ segments: 4, onProgress: (p) => bar.update(p.streams) });`
   */
  async rebuildAll(
    options: {
      concurrency?: number;
      segments?: number;
      onProgress?: (progress: RebuildProgress) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<RebuildAllResult> {
    const concurrency = options.concurrency ?? 8;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new ValidationError(
        `rebuildAll: concurrency must be a positive integer, got ${String(concurrency)}.`,
      );
    }
    const stop = new AbortController();
    // Every request of every segment listens on this one signal: more than Node's default of 10.
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = stop.signal;
    const totals = { streams: 0, events: 0 };
    const failed: RebuildAllResult['failed'] = [];
    const saves = new Limiter(concurrency);
    const report = () =>
      options.onProgress?.({ streams: totals.streams, events: totals.events, failed: failed.length });
    type Fold = { id: string; state: State; version: number; error?: unknown; reread: boolean };
    const finish = async (stream: Fold) => {
      if (stream.reread) {
        // The scan did not start this stream at version 1 (it came in pieces): fold it whole from a read.
        try {
          const folded = await this.fold(stream.id, this.initial(), signal);
          stream.state = folded.state;
          stream.version = folded.version;
        } catch (error) {
          if (signal.aborted) throw error;
          stream.error = error;
        }
      }
      if (stream.error !== undefined) {
        failed.push({ streamId: stream.id, error: stream.error });
        totals.streams++;
        report();
        return;
      }
      await saves.start(async () => {
        try {
          await this.snapshots?.save(stream.id, stream.state, {
            version: stream.version,
            force: true,
            signal,
          });
        } catch (error) {
          if (signal.aborted) throw error;
          failed.push({ streamId: stream.id, error });
        }
        totals.streams++;
        report();
      });
    };
    /** The stream each segment is folding. */
    const folding: (Fold | undefined)[] = [];
    const segments = this.events.readAllSegments<StoredOf<Event>>({
      category: this.category,
      signal,
      ...(options.segments !== undefined ? { segments: options.segments } : {}),
      // A gap: the stream goes to `failed` (with its fold, if the segment is folding it) and the rest of
      // it is skipped; the segment goes on with the next stream.
      onBroken: (streamId, error) => {
        const fold = folding.find((candidate) => candidate?.id === streamId);
        if (fold) {
          fold.error ??= error;
          return;
        }
        failed.push({ streamId, error });
        totals.streams++;
        report();
      },
    });
    const readSegment = async (segment: AsyncIterable<StoredOf<Event>>, index: number) => {
      for await (const event of segment) {
        let stream = folding[index];
        if (event.streamId !== stream?.id) {
          if (stream) await finish(stream);
          stream = { id: event.streamId, ...this.initial(), reread: event.version !== 1 };
          folding[index] = stream;
        }
        totals.events++;
        if (stream.error !== undefined || stream.reread) continue;
        try {
          stream.state = this.options.reduce(stream.state, event);
          stream.version = event.version;
        } catch (error) {
          stream.error = error;
        }
      }
      const last = folding[index];
      folding[index] = undefined;
      if (last) await finish(last);
    };
    try {
      const outcomes = await Promise.allSettled(
        segments.map((segment, index) =>
          readSegment(segment, index).catch((error) => {
            stop.abort(error); // one failing segment stops the others
            throw error;
          }),
        ),
      );
      await saves.drain().catch((error) => outcomes.push({ status: 'rejected', reason: error }));
      const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
      if (rejected) throw options.signal?.aborted ? options.signal.reason : rejected.reason;
      return { streams: totals.streams, events: totals.events, failed };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private initial(): Loaded<State> {
    return { state: this.options.initialState(), version: 0 };
  }

  /**
   * The snapshot plus the events after it. With `commandId`, also the events of that command among the
   * last {@link COMMAND_HISTORY} events (read further back only when the load did not reach that far).
   */
  private async loadStream(
    streamId: string,
    signal: AbortSignal | undefined,
    commandId?: string,
  ): Promise<Loaded<State> & { command?: StoredOf<Event>[] }> {
    const snapshot = await this.snapshots?.load(streamId, signal ? { signal } : {});
    let loaded: (Loaded<State> & { command: StoredOf<Event>[]; from: number }) | undefined;
    if (snapshot) {
      loaded = await this.foldFrom(
        streamId,
        { state: snapshot.state, version: snapshot.version },
        signal,
        commandId,
      );
      // Undefined: the snapshot claims a version the stream does not have (it was written by hand, or its
      // events were deleted). Trusting it would make the next append leave a gap: the events are the truth.
    }
    loaded ??= (await this.foldFrom(streamId, this.initial(), signal, commandId)) as NonNullable<
      typeof loaded
    >;
    if (commandId === undefined) return { state: loaded.state, version: loaded.version };
    const oldest = Math.max(1, loaded.version - COMMAND_HISTORY + 1);
    const command = loaded.command;
    if (loaded.from > oldest) {
      const earlier: StoredOf<Event>[] = [];
      for await (const event of this.events.read<StoredOf<Event>>(streamId, {
        from: oldest,
        to: loaded.from - 1,
        ...(signal ? { signal } : {}),
      })) {
        if (event.commandId === commandId) earlier.push(event);
      }
      command.unshift(...earlier);
    }
    return { state: loaded.state, version: loaded.version, command };
  }

  /** {@link fold} from the start, and the snapshot rewritten from the result. */
  private async rebuildStream(streamId: string, signal?: AbortSignal): Promise<Loaded<State>> {
    const loaded = await this.fold(streamId, this.initial(), signal);
    if (this.snapshots && loaded.version > 0) {
      await this.snapshots.save(streamId, loaded.state, {
        version: loaded.version,
        force: true,
        ...(signal ? { signal } : {}),
      });
    }
    return loaded;
  }

  private async fold(streamId: string, start: Loaded<State>, signal?: AbortSignal): Promise<Loaded<State>> {
    const folded = (await this.foldFrom(streamId, start, signal)) as Loaded<State>;
    return { state: folded.state, version: folded.version };
  }

  /**
   * Folds the events after `start` into its state. After a snapshot (version > 0) the read starts at the
   * snapshot's own version: the same single query then proves that event exists (so an append at that
   * version cannot leave a gap); undefined when it does not. Collects the events of `commandId`.
   */
  private async foldFrom(
    streamId: string,
    start: Loaded<State>,
    signal?: AbortSignal,
    commandId?: string,
  ): Promise<(Loaded<State> & { command: StoredOf<Event>[]; from: number }) | undefined> {
    let { state, version } = start;
    let backed = start.version === 0;
    const from = Math.max(1, start.version);
    const command: StoredOf<Event>[] = [];
    for await (const event of this.events.read<StoredOf<Event>>(streamId, {
      from,
      ...(signal ? { signal } : {}),
    })) {
      if (commandId !== undefined && event.commandId === commandId) command.push(event);
      if (event.version === start.version) {
        backed = true;
        continue;
      }
      state = this.options.reduce(state, event);
      version = event.version;
    }
    return backed ? { state, version, command, from } : undefined;
  }

  private async snapshotIfDue(
    streamId: string,
    state: State,
    before: number,
    after: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!this.snapshots || Math.floor(before / this.snapshotEvery) === Math.floor(after / this.snapshotEvery))
      return;
    try {
      await this.snapshots.save(streamId, state, { version: after, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) return; // the caller gave up waiting: the next snapshot will do
      const aggregateId = streamId.slice(this.category.length + 1);
      if (this.options.onSnapshotError) this.options.onSnapshotError(error, aggregateId);
      else warnSnapshotFailed(this.category, error);
    }
  }
}

const warnedCategories = new Set<string>();

/** The default `onSnapshotError`: one process warning per category, so it is seen but not repeated. */
function warnSnapshotFailed(category: string, error: unknown): void {
  if (warnedCategories.has(category)) return;
  warnedCategories.add(category);
  process.emitWarning(
    `dynago: a snapshot of a "${category}" aggregate could not be saved (${
      error instanceof Error ? error.message : String(error)
    }). Commands still succeed, but loads replay more events. Keep the state storable (plain objects, ` +
      'arrays, strings, numbers, booleans, null), or pass onSnapshotError to handle this yourself.',
    { code: 'DYNAGO_SNAPSHOT_FAILED' },
  );
}
