import pRetry, { AbortError, type Options as RetryOptions } from 'p-retry';
import { ConcurrencyError, ValidationError } from '../errors.js';
import { EVENT_PREFIX } from '../events/codec.js';
import type { EventStore } from '../events/EventStore.js';
import { StreamOrder } from '../events/streamOrder.js';
import type { EventInput, StoredEvent } from '../events/types.js';
import { checkId } from '../events/validate.js';
import { Limiter } from '../internal/limiter.js';
import type { SnapshotStore } from '../snapshots/SnapshotStore.js';

/**
 * The stored form of the events a repository's `decide` returns. It distributes over a union, so a
 * `switch (event.type)` in `reduce` narrows `event.data`.
 */
export type StoredOf<Event extends EventInput> = Event extends EventInput
  ? StoredEvent<Event['type'], Event['data']>
  : never;

export interface AggregateRepositoryOptions<State, Event extends EventInput> {
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
  /** Called when a snapshot write fails (it never fails the command). */
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
  /** The events this command appended (empty when `decide` returned none). */
  events: StoredOf<Event>[];
}

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
  private readonly events: EventStore;
  private readonly snapshots: SnapshotStore<State> | undefined;
  private readonly snapshotEvery: number;

  constructor(private readonly options: AggregateRepositoryOptions<State, Event>) {
    if (!options?.events)
      throw new ValidationError('new AggregateRepository: events (an EventStore) is required.');
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

  /**
   * The current state: the snapshot (if any) plus the events after it. Two requests when the
   * snapshot is fresh (one GetItem, one Query).
   * @example `const { state, version } = await accounts.load('account-1');`
   */
  async load(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    checkId(aggregateId, EVENT_PREFIX, 'aggregateId');
    const snapshot = await this.snapshots?.load(aggregateId, options);
    if (snapshot) {
      const loaded = await this.fold(
        aggregateId,
        { state: snapshot.state, version: snapshot.version },
        options.signal,
      );
      if (loaded) return loaded;
      // The snapshot claims a version the stream does not have (it was written by hand, or its events
      // were deleted). Trusting it would make the next append leave a gap: the events are the truth.
    }
    return (await this.fold(aggregateId, this.initial(), options.signal)) as Loaded<State>;
  }

  /**
   * Loads, decides, appends at the loaded version; on ConcurrencyError reloads and decides again
   * (with backoff and jitter). Errors thrown by `decide` are domain errors: never retried, passed
   * through as they are.
   * @example `await accounts.execute('account-1', (state) => { if (state.balance < 5) throw new Error('insufficient funds'); return [{ type: 'Withdrawn', data: { amount: 5 } }]; });`
   */
  async execute(
    aggregateId: string,
    decide: Decide<State, Event>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Executed<State, Event>> {
    if (typeof decide !== 'function')
      throw new ValidationError('execute: decide must be a function (state, version) => events.');
    const domain: { error?: unknown; thrown: boolean } = { thrown: false };
    const userShouldRetry = this.options.retry?.shouldRetry;
    try {
      return await pRetry(
        async () => {
          const { state, version } = await this.load(aggregateId, options);
          let decided: Event[];
          try {
            decided = await decide(state, version);
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
          const appended = await this.events.append(aggregateId, decided, {
            expectedVersion: version,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          const events = appended.events as StoredOf<Event>[];
          const next = events.reduce((current, event) => this.options.reduce(current, event), state);
          await this.snapshotIfDue(aggregateId, next, version, appended.version, options.signal);
          return { state: next, version: appended.version, events };
        },
        {
          ...DEFAULT_RETRY,
          ...this.options.retry,
          ...(options.signal ? { signal: options.signal } : {}),
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
      if (domain.thrown) throw domain.error;
      throw error;
    }
  }

  /**
   * Replays the aggregate from its events alone (ignoring the snapshot) and rewrites the snapshot.
   * @example `const { state } = await accounts.rebuild('account-1');`
   */
  async rebuild(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    checkId(aggregateId, EVENT_PREFIX, 'aggregateId');
    const loaded = (await this.fold(aggregateId, this.initial(), options.signal)) as Loaded<State>;
    if (this.snapshots && loaded.version > 0) {
      await this.snapshots.save(aggregateId, loaded.state, {
        version: loaded.version,
        force: true,
        ...options,
      });
    }
    return loaded;
  }

  /**
   * Replays every stream of the store (parallel scan segments), saves a fresh snapshot for each, and
   * goes on past streams that fail (a reducer error, a gap, a failed snapshot write): they are listed
   * in `failed`. `concurrency` bounds the snapshot writes in flight.
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
    const totals = { streams: 0, events: 0 };
    const failed: RebuildAllResult['failed'] = [];
    const saves = new Limiter(concurrency);
    const report = () =>
      options.onProgress?.({ streams: totals.streams, events: totals.events, failed: failed.length });
    const finish = async (stream: { id: string; state: State; version: number; error?: unknown }) => {
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
            ...(options.signal ? { signal: options.signal } : {}),
          });
        } catch (error) {
          failed.push({ streamId: stream.id, error });
        }
        totals.streams++;
        report();
      });
    };
    const segments = this.events.scanEvents<StoredOf<Event>>({
      ...(options.segments !== undefined ? { segments: options.segments } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await Promise.all(
      segments.map(async (segment) => {
        const order = new StreamOrder();
        let current: { id: string; state: State; version: number; error?: unknown } | undefined;
        for await (const event of segment) {
          if (order.startsStream(event)) {
            if (current) await finish(current);
            current = { id: event.streamId, ...this.initial() };
          }
          const stream = current as NonNullable<typeof current>;
          totals.events++;
          if (stream.error !== undefined) continue;
          const problem = order.check(event);
          if (problem) {
            stream.error = problem;
            continue;
          }
          try {
            stream.state = this.options.reduce(stream.state, event);
            stream.version = event.version;
          } catch (error) {
            stream.error = error;
          }
        }
        if (current) await finish(current);
      }),
    );
    await saves.drain();
    return { streams: totals.streams, events: totals.events, failed };
  }

  private initial(): Loaded<State> {
    return { state: this.options.initialState(), version: 0 };
  }

  /**
   * Folds the events after `start` into its state. After a snapshot (version > 0) the read starts at the
   * snapshot's own version: the same single query then proves that event exists (so an append at that
   * version cannot leave a gap); undefined when it does not.
   */
  private async fold(
    aggregateId: string,
    start: Loaded<State>,
    signal?: AbortSignal,
  ): Promise<Loaded<State> | undefined> {
    let { state, version } = start;
    let backed = start.version === 0;
    for await (const event of this.events.read<StoredOf<Event>>(aggregateId, {
      from: Math.max(1, start.version),
      ...(signal ? { signal } : {}),
    })) {
      if (event.version === start.version) {
        backed = true;
        continue;
      }
      state = this.options.reduce(state, event);
      version = event.version;
    }
    return backed ? { state, version } : undefined;
  }

  private async snapshotIfDue(
    aggregateId: string,
    state: State,
    before: number,
    after: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!this.snapshots || Math.floor(before / this.snapshotEvery) === Math.floor(after / this.snapshotEvery))
      return;
    try {
      await this.snapshots.save(aggregateId, state, { version: after, ...(signal ? { signal } : {}) });
    } catch (error) {
      this.options.onSnapshotError?.(error, aggregateId);
    }
  }
}
