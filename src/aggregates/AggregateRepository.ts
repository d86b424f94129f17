import { setMaxListeners } from 'node:events';
import pRetry, { AbortError, type Options as RetryOptions } from 'p-retry';
import { v7 as uuidv7 } from 'uuid';
import { ConcurrencyError, ValidationError } from '../errors.js';
import { checkCategory, streamIdOf } from '../events/category.js';
import { Checkpoints } from '../events/checkpoints.js';
import type { EventInput, EventStoreLike, StreamAppend } from '../events/types.js';
import { clonePlain } from '../internal/clonePlain.js';
import { KeyedLock } from '../internal/keyedLock.js';
import { Limiter } from '../internal/limiter.js';
import { Lru } from '../internal/lru.js';
import { inSpan, recordDuration } from '../internal/telemetry.js';
import { checkCommandId, checkId } from '../internal/validate.js';
import type { SnapshotStoreLike } from '../snapshots/types.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';
import { type Entry, StreamLoader } from './loader.js';
import type {
  AggregateRepositoryOptions,
  Decide,
  DecideMany,
  Executed,
  ExecuteOptions,
  Loaded,
  RebuildAllResult,
  RebuildProgress,
  StoredOf,
} from './types.js';

const DEFAULT_RETRY: RetryOptions = {
  retries: 9,
  minTimeout: 10,
  maxTimeout: 1_000,
  factor: 2,
  randomize: true,
};

/** Aggregates kept in memory by default. */
const DEFAULT_CACHE = 1_000;

/**
 * Loads aggregates from a snapshot and the events after it, runs commands against them with
 * optimistic concurrency, and rebuilds state from the events alone.
 *
 * What a command costs, in requests (each asserted in test/costs):
 * - warm (the aggregate is in the cache): the append alone. One event: one conditional PutItem (1 WCU
 *   under 1 KB). The cached version travels to the append as a token, so no read proves it.
 * - cold, with a fresh snapshot: one Query (snapshot and newer events together) plus the append.
 * - a conflict (another writer got there first): one Query of the newer events, then the append again.
 *
 * @example
 * ```ts
 * const accounts = new AggregateRepository<{ balance: number }, AccountEvent>({
 *   category: 'account', events: store, snapshots, initialState: () => ({ balance: 0 }),
 *   reduce: (state, event) => (event.type === 'Deposited' ? { balance: state.balance + event.data.amount } : state),
 * });
 * await accounts.execute('1', (state) => [{ type: 'Deposited', data: { amount: 10 } }]);
 * ```
 */
export class AggregateRepository<State, Event extends EventInput = EventInput> {
  /** The aggregate type; see {@link AggregateRepositoryOptions.category}. */
  readonly category: string;
  private readonly events: EventStoreLike;
  private readonly snapshots: SnapshotStoreLike<State> | undefined;
  private readonly snapshotEvery: number;
  private readonly loader: StreamLoader<State, Event>;
  private readonly cache: Lru<string, Entry<State>> | undefined;
  /**
   * Commands on one aggregate in this process run one after the other: two of them racing would only
   * make one fail its append and retry (a wasted PutItem and a catch-up Query). Other processes are
   * still kept apart by the append's condition.
   */
  private readonly locks = new KeyedLock();
  /** The inline projections' checkpoints, on the event store's table (none without projections). */
  private readonly checkpoints: Checkpoints | undefined;

  constructor(private readonly options: AggregateRepositoryOptions<State, Event>) {
    if (!options?.events)
      throw new ValidationError(
        'new AggregateRepository: events (an EventStore) is required; in tests without DynamoDB, an InMemoryEventStore (dynago/testing).',
      );
    this.category = checkCategory(options.category, 'new AggregateRepository: category');
    if (typeof options.initialState !== 'function' || typeof options.reduce !== 'function') {
      throw new ValidationError('new AggregateRepository: initialState and reduce must be functions.');
    }
    const every = options.snapshotEvery ?? 100;
    if (!Number.isSafeInteger(every) || every < 1 || every > 10_000) {
      throw new ValidationError(
        `new AggregateRepository: snapshotEvery must be a whole number from 1 to 10000, got ${String(every)}.`,
      );
    }
    const cache = options.cache ?? DEFAULT_CACHE;
    if (cache !== false && (!Number.isSafeInteger(cache) || cache < 1)) {
      throw new ValidationError(
        `new AggregateRepository: cache must be a positive whole number (aggregates kept) or false, got ${String(cache)}.`,
      );
    }
    this.events = options.events;
    this.snapshots = options.snapshots;
    this.snapshotEvery = every;
    this.cache = cache === false ? undefined : new Lru(cache);
    const projections = options.projections ?? [];
    if (projections.length > 0 && this.events.table === undefined) {
      throw new ValidationError(
        'new AggregateRepository: projections (inline projections) need an event store on a DynamoDB table: ' +
          "their writes and checkpoints go into the append's own DynamoDB transaction, and this event store " +
          'has no table (an InMemoryEventStore?). Test the projection by calling its project() directly, or ' +
          'run the repository against DynamoDB Local.',
      );
    }
    this.checkpoints = projections.length > 0 ? new Checkpoints(this.events.table as Table) : undefined;
    for (const [index, projection] of projections.entries()) {
      if (
        typeof projection?.name !== 'string' ||
        !/^[A-Za-z0-9_-]+$/.test(projection.name) ||
        typeof projection.project !== 'function'
      ) {
        throw new ValidationError(
          `new AggregateRepository: projections[${index}] must be a projection { name (letters, digits, - and _), project }.`,
        );
      }
    }
    this.loader = new StreamLoader(this.events, this.snapshots, options.initialState, options.reduce, every);
  }

  /** The stream of aggregate `id`: `<category>-<id>`. */
  streamId(aggregateId: string): string {
    if (typeof aggregateId !== 'string' || aggregateId === '') checkId(aggregateId, 'aggregateId');
    return checkId(streamIdOf(this.category, aggregateId), `aggregateId (as stream "${this.category}-…")`);
  }

  /**
   * The current state, read from DynamoDB (never from the cache, which it refreshes): one consistent
   * Query when the snapshot is fresh (it reads the snapshot and the newer events together).
   * @example `const { state, version } = await accounts.load('1');`
   */
  async load(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    const streamId = this.streamId(aggregateId);
    return inSpan(
      'dynago.load',
      this.events.table?.tableName,
      { 'dynago.stream_id': streamId, 'dynago.category': this.category, 'dynago.cache_hit': false },
      async (span) => {
        const entry = await this.loader.load(streamId, options.signal);
        span.set({ 'dynago.version': entry.version });
        this.remember(entry);
        return this.view(entry);
      },
    );
  }

  /**
   * Decides on the aggregate's state and appends the events at its version; on ConcurrencyError reads the
   * newer events and decides again (with backoff and jitter). Errors thrown by `decide` or by `reduce` on
   * the decided events are domain errors: nothing is appended, they are never retried, and they pass
   * through as they are.
   *
   * The decided events are folded before they are appended, so a reducer that throws on them appends
   * nothing; `decide` gets a copy of plain-data state, so a `decide` that mutates its state changes
   * neither the result nor the snapshot (a state that is not plain data, such as a class instance, is
   * passed as it is: do not mutate it in `decide`). Once the append is stored, `execute` resolves,
   * even if `signal` aborts afterwards (the abort then only skips the snapshot).
   * @example `await accounts.execute('1', (state) => { if (state.balance < 5) throw new Error('insufficient funds'); return [{ type: 'Withdrawn', data: { amount: 5 } }]; });`
   */
  async execute(
    aggregateId: string,
    decide: Decide<State, Event>,
    options: ExecuteOptions = {},
  ): Promise<Executed<State, Event>> {
    if (typeof decide !== 'function')
      throw new ValidationError('execute: decide must be a function (state, version) => events.');
    const streamId = this.streamId(aggregateId);
    const [result] = await this.run(
      [streamId],
      async ([loaded]) => [await decide((loaded as Loaded<State>).state, (loaded as Loaded<State>).version)],
      options,
      'execute: decide must return an array of events (empty for none).',
    );
    return result as Executed<State, Event>;
  }

  /**
   * A command on several aggregates of this category at once, all or nothing: one DynamoDB transaction
   * (at most 100 events in all), each stream at the version its state was decided on. With the
   * aggregates in the cache, a transfer between two accounts is ONE TransactWriteItems. Conflicts are
   * retried as in `execute` (only the streams that moved are read again); `commandId` is stored on
   * every stream.
   * @example
   * ```ts
   * await accounts.executeMany(['1', '2'], ([from, to]) => [
   *   [{ type: 'TransferredOut', data: { amount: 5, to: '2' } }],
   *   [{ type: 'TransferredIn', data: { amount: 5, from: '1' } }],
   * ]);
   * ```
   */
  async executeMany(
    aggregateIds: string[],
    decide: DecideMany<State, Event>,
    options: ExecuteOptions = {},
  ): Promise<Executed<State, Event>[]> {
    if (!Array.isArray(aggregateIds) || aggregateIds.length === 0) {
      throw new ValidationError('executeMany: give at least one aggregate id.');
    }
    if (typeof decide !== 'function') {
      throw new ValidationError('executeMany: decide must be a function (states) => events for each id.');
    }
    const streamIds = aggregateIds.map((id) => this.streamId(id));
    if (new Set(streamIds).size !== streamIds.length) {
      throw new ValidationError('executeMany: an aggregate id appears twice; decide its events once.');
    }
    return this.run(
      streamIds,
      decide,
      options,
      'executeMany: decide must return one array of events per aggregate id, in their order.',
    );
  }

  /**
   * The command in a `dynago.execute` span (streams, version, events, retries, conflicts, cache hit),
   * timed in `dynago.execute.duration`.
   */
  private run(
    streamIds: string[],
    decide: DecideMany<State, Event>,
    options: ExecuteOptions,
    shapeMessage: string,
  ): Promise<Executed<State, Event>[]> {
    const started = performance.now();
    const stats: CommandStats = { cacheHits: 0, conflicts: 0 };
    return inSpan(
      'dynago.execute',
      this.events.table?.tableName,
      {
        'dynago.stream_id': streamIds.length === 1 ? streamIds[0] : undefined,
        'dynago.category': this.category,
        'dynago.stream_count': streamIds.length,
      },
      async (span) => {
        try {
          const results = await this.runCommand(streamIds, decide, options, shapeMessage, stats);
          span.set({
            'dynago.version': results.length === 1 ? results[0]?.version : undefined,
            'dynago.event_count': results.reduce((sum, result) => sum + result.events.length, 0),
            'dynago.replayed': results.some((result) => result.replayed === true),
          });
          return results;
        } finally {
          span.set({
            'dynago.retries': stats.conflicts,
            'dynago.conflicts': stats.conflicts,
            'dynago.cache_hit': stats.cacheHits === streamIds.length,
          });
          recordDuration('execute', (performance.now() - started) / 1000, {
            'dynago.category': this.category,
          });
        }
      },
    );
  }

  /** The command loop shared by execute and executeMany. */
  private async runCommand(
    streamIds: string[],
    decide: DecideMany<State, Event>,
    options: ExecuteOptions,
    shapeMessage: string,
    stats: CommandStats,
  ): Promise<Executed<State, Event>[]> {
    const commandId = checkCommandId(options.commandId);
    const signal = options.signal;
    const domain: { error?: unknown; thrown: boolean } = { thrown: false };
    let stored: Executed<State, Event>[] | undefined;
    const userShouldRetry = this.options.retry?.shouldRetry;
    const label = (streamId: string) => streamId.slice(this.category.length + 1);
    // What this call knows of each stream: from the cache or a load at first, then caught up after a conflict.
    const entries = new Map<string, Entry<State>>();
    /** Streams another writer moved since their entry was read: caught up at the next attempt. */
    const stale = new Set<string>();
    const domainError = (error: unknown): never => {
      domain.error = error;
      domain.thrown = true;
      throw new AbortError('domain error');
    };
    try {
      return await this.locks.run(streamIds, () =>
        pRetry(
          async () => {
            await Promise.all(
              streamIds.map(async (streamId) => {
                const known = entries.get(streamId);
                const cached = this.cache?.get(streamId);
                if (known === undefined) {
                  if (cached !== undefined) stats.cacheHits++;
                  const entry = cached ?? (await this.loader.load(streamId, signal));
                  entries.set(streamId, entry);
                  if (cached === undefined) this.remember(entry); // a command that appends nothing warms it too
                } else if (stale.has(streamId)) {
                  // Caught up now, after the backoff, not before it: what came in meanwhile counts too. A
                  // newer entry another command of this process left in the cache needs no request.
                  stale.delete(streamId);
                  const fresh =
                    cached !== undefined && cached.version > known.version
                      ? cached
                      : await this.loader.catchUp(known, signal);
                  entries.set(streamId, fresh);
                  this.remember(fresh);
                }
              }),
            );
            const current = streamIds.map((streamId) => entries.get(streamId) as Entry<State>);
            if (commandId !== undefined) {
              const found = await Promise.all(
                current.map((entry) => this.loader.findCommand(entry, commandId, signal)),
              );
              if (found.some((events) => events !== undefined)) {
                return current.map((entry, index) => ({
                  ...this.view(entry),
                  events: found[index] ?? [],
                  replayed: true,
                }));
              }
            }
            let decided: Event[][];
            try {
              decided = await decide(current.map((entry) => this.view(entry)));
            } catch (error) {
              return domainError(error);
            }
            if (
              !Array.isArray(decided) ||
              decided.length !== current.length ||
              !decided.every((events) => Array.isArray(events))
            ) {
              throw new AbortError(new ValidationError(shapeMessage));
            }
            // The store's schemas first (their output is what is stored, so it is what is folded), then
            // fold before appending: a reducer that throws on the decided events must leave nothing stored.
            const withIds = current.map((entry, index) => ({
              streamId: entry.streamId,
              events: (decided[index] as Event[]).map((event) => ({ ...event, id: event.id ?? uuidv7() })),
            }));
            let prepared: StreamAppend[] = withIds;
            if (this.events.prepare !== undefined) {
              try {
                prepared = await this.events.prepare(withIds);
              } catch (error) {
                throw new AbortError(error as Error); // data the schemas refuse: not worth another attempt
              }
            }
            const timestamp = Date.now();
            const plans = current.map((entry, index) => {
              const events = (prepared[index] as StreamAppend).events as (Event & { id: string })[];
              let state = entry.plain ? (clonePlain(entry.state) as State) : entry.state;
              try {
                events.forEach((event, offset) => {
                  state = this.options.reduce(
                    state,
                    this.provisional(entry, event, offset, timestamp, commandId),
                  );
                });
              } catch (error) {
                domainError(error);
              }
              return { entry, events, state };
            });
            const writes = plans.filter((plan) => plan.events.length > 0);
            if (writes.length === 0) return current.map((entry) => ({ ...this.view(entry), events: [] }));
            const operations = await this.inlineOperations(writes, timestamp, commandId, signal);
            let appended: { version: number; token: Entry<State>['token']; events: unknown[] }[];
            try {
              appended = await this.events.appendMany(
                writes.map(
                  (plan): StreamAppend => ({
                    streamId: plan.entry.streamId,
                    events: plan.events,
                    expectedVersion: plan.entry.token,
                    timestamp,
                    ...(commandId !== undefined ? { commandId } : {}),
                  }),
                ),
                { ...(signal ? { signal } : {}), ...(operations.length > 0 ? { operations } : {}) },
              );
            } catch (error) {
              if (error instanceof ConcurrencyError) {
                // Another writer moved a stream: the next attempt reads only what it appended.
                for (const plan of writes) stale.add(plan.entry.streamId);
              } else {
                // The outcome is unknown (the write may have landed): forget what the cache says.
                for (const plan of writes) this.cache?.delete(plan.entry.streamId);
              }
              throw error;
            }
            const results = plans.map((plan) => {
              const index = writes.indexOf(plan);
              if (index === -1) return { ...this.view(plan.entry), events: [] as StoredOf<Event>[] };
              const done = appended[index] as (typeof appended)[number];
              const entry = this.loader.advance(plan.entry, plan.state, done.token, commandId);
              this.remember(entry);
              return { ...this.view(entry), events: done.events as StoredOf<Event>[] };
            });
            stored = results;
            if (!signal?.aborted) {
              await Promise.all(
                plans.map((plan, index) =>
                  this.snapshotIfDue(
                    plan.entry.streamId,
                    plan.state,
                    plan.entry.version,
                    (results[index] as Executed<State, Event>).version,
                    signal,
                  ),
                ),
              );
            }
            return results;
          },
          {
            ...DEFAULT_RETRY,
            ...this.options.retry,
            ...(signal ? { signal } : {}),
            onFailedAttempt: async (context) => {
              if (context.error instanceof ConcurrencyError) stats.conflicts++;
              if (context.error instanceof ConcurrencyError && context.retriesLeft > 0)
                this.options.onConflict?.(
                  context.error,
                  label(context.error.streamId),
                  context.attemptNumber,
                );
              await this.options.retry?.onFailedAttempt?.(context);
            },
            shouldRetry: async (context) =>
              context.error instanceof ConcurrencyError &&
              (userShouldRetry ? await userShouldRetry(context) : true),
          },
        ),
      );
    } catch (error) {
      if (stored !== undefined) return stored; // the events are stored: an abort after that is not a failure
      if (domain.thrown) throw domain.error;
      throw error;
    }
  }

  /**
   * The writes of the inline projections for the decided events, and each projection's checkpoint
   * advance for each stream, for the append's transaction. A projection that throws fails the command
   * (a domain error: nothing is appended).
   */
  private async inlineOperations(
    writes: { entry: Entry<State>; events: (Event & { id: string })[] }[],
    timestamp: number,
    commandId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TransactOperation[]> {
    const operations: TransactOperation[] = [];
    for (const projection of this.options.projections ?? []) {
      if (projection.categories && !projection.categories.includes(this.category)) continue;
      for (const { entry, events } of writes) {
        for (const [offset, event] of events.entries()) {
          const stored = this.provisional(entry, event, offset, timestamp, commandId);
          operations.push(
            ...(await projection.project(stored, {
              projection: projection.name,
              signal: signal ?? new AbortController().signal,
            })),
          );
        }
        operations.push(
          (this.checkpoints as Checkpoints).advanceOp(
            projection.name,
            entry.streamId,
            entry.version,
            entry.version + events.length,
          ),
        );
      }
    }
    return operations;
  }

  /**
   * Replays the aggregate from its events alone (ignoring the snapshot) and rewrites the snapshot.
   * @example `const { state } = await accounts.rebuild('1');`
   */
  async rebuild(aggregateId: string, options: { signal?: AbortSignal } = {}): Promise<Loaded<State>> {
    const streamId = this.streamId(aggregateId);
    this.cache?.delete(streamId);
    const loaded = await this.fold(streamId, options.signal);
    if (this.snapshots && loaded.version > 0) {
      await this.snapshots.save(streamId, loaded.state, {
        version: loaded.version,
        force: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    return loaded;
  }

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
          const folded = await this.fold(stream.id, signal);
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

  /**
   * A decided event as it will be stored (version, time, command id), before the append: what `reduce`
   * and inline projections see, so that the state they build is the one a replay will build.
   */
  private provisional(
    entry: Entry<State>,
    event: Event & { id: string },
    offset: number,
    timestamp: number,
    commandId: string | undefined,
  ): StoredOf<Event> {
    return {
      streamId: entry.streamId,
      category: this.category,
      version: entry.version + offset + 1,
      id: event.id,
      type: event.type,
      data: event.data,
      ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
      timestamp,
      schemaVersion: this.events.schemaVersionOf?.(event.type) ?? 1,
      ...(commandId !== undefined ? { commandId } : {}),
    } as StoredOf<Event>;
  }

  private initial(): { state: State; version: number } {
    return { state: this.options.initialState(), version: 0 };
  }

  /** What a caller gets of an entry: a copy of its state (the entry's own stays untouched). */
  private view(entry: Entry<State>): Loaded<State> {
    return {
      state: entry.plain ? (clonePlain(entry.state) as State) : entry.state,
      version: entry.version,
      token: entry.token,
    };
  }

  private remember(entry: Entry<State>): void {
    if (entry.plain) this.cache?.set(entry.streamId, entry);
    else this.cache?.delete(entry.streamId);
  }

  /**
   * Every event of the stream from version 1, folded (no snapshot), page by page (one DynamoDB page in
   * memory); the last page's token is the stream's head: rebuilds.
   */
  private async fold(streamId: string, signal?: AbortSignal): Promise<Loaded<State>> {
    let { state, version } = this.initial();
    let cursor: string | undefined;
    let token: Loaded<State>['token'] | undefined;
    do {
      const page = await this.events.readPage<StoredOf<Event>>(streamId, {
        ...(cursor !== undefined ? { cursor } : {}),
        ...(signal ? { signal } : {}),
      });
      for (const event of page.events as StoredOf<Event>[]) {
        state = this.options.reduce(state, event);
        version = event.version;
      }
      cursor = page.cursor;
      token = page.token;
    } while (cursor !== undefined);
    return { state, version, token: token as Loaded<State>['token'] };
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

/** What one command met, for its span. */
interface CommandStats {
  cacheHits: number;
  conflicts: number;
}
