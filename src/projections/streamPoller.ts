import {
  DescribeStreamCommand,
  type DescribeStreamCommandOutput,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandOutput,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { DynagoError, type DynagoErrorOptions, DynamoDBError, ValidationError } from '../errors.js';
import { backoffDelay, checkRetryPolicy, type RetryPolicy, sleep } from '../internal/backoff.js';
import { NETWORK_CODES, UNAVAILABLE } from '../table/translateError.js';
import type { ShardPosition, ShardPositions } from './shardPositions.js';
import type { DynamoDBStreamsClientLike, PollerOperation, PollerRetry, StreamRecord } from './types.js';

export type { PollerOperation, PollerRetry, StreamRecord } from './types.js';

/**
 * DescribeStream answered ResourceNotFound: the stream ARN is wrong, or the table (or its stream) was
 * deleted. Nothing more can be read; `run` rejects with it after stopping every shard.
 */
export class StreamNotFoundError extends DynagoError {
  constructor(
    readonly streamArn: string,
    options: DynagoErrorOptions = {},
  ) {
    super(
      'table.notFound',
      `DynamoDB Stream "${streamArn}" does not exist. Check the ARN (the table's LatestStreamArn), the ` +
        'region and the endpoint, and that the table still exists with its stream enabled.',
      options,
    );
  }
}

export interface StreamPollerOptions {
  /** A DynamoDB Streams client (region, endpoint and credentials of the table). */
  client: DynamoDBStreamsClientLike;
  /** The table's `LatestStreamArn`. */
  streamArn: string;
  /** Where each shard's position is kept (see `TableShardPositions`). */
  positions: ShardPositions;
  /**
   * How long a shard that returned no records waits before the next GetRecords (ms, default 1 000).
   * Each idle shard costs one GetRecords per interval: 86 400 read requests a day at 1 s.
   */
  pollIntervalMs?: number;
  /**
   * How often DescribeStream looks for new shards (ms, default 10 000). DynamoDB splits or rolls shards
   * every few hours, and a child is only read once its parent is done, so this bounds how late a new
   * shard starts; one request per 100 shards. A shard read to its end triggers one at once as well.
   */
  describeIntervalMs?: number;
  /**
   * The backoff of every retry (handle, onTrimmed, throttled or failed Streams and position calls):
   * full jitter, the ceiling doubling from `2 × baseDelayMs` up to `maxDelayMs`. Default 50 ms (first
   * ceiling 100 ms) and 5 000 ms. Retries never stop by count, only when they succeed or on abort.
   */
  retryDelay?: { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Records that are neither handed to `handle` nor worth saving a position for (the caller's own
   * writes to the streamed table, say its checkpoints). `positions.ownsRecord` is applied as well.
   */
  ignore?: (record: StreamRecord) => boolean;
  /** Told of every failure that is retried (to log it); must not throw (what it throws is ignored). */
  onRetry?: (retry: PollerRetry) => void;
}

export interface StreamPollerRunOptions {
  /** Stops the run: sleeps and requests in flight end at once; `run` then resolves. */
  signal: AbortSignal;
  /**
   * Records may have been lost: a shard's position is older than the stream's 24 h retention
   * (TrimmedDataAccessException), or a shard's parent is gone from the stream before this consumer
   * read it to its end (always the case on the first run on a stream older than a shard's life). The
   * caller catches up from the events (the source of truth); the shard then restarts from
   * `TRIM_HORIZON`, so records already covered by the catch-up are handled again: `handle` must be
   * idempotent. Required on purpose: silently skipping lost records is never right.
   *
   * Calls are never concurrent: a shard that finds records lost joins a catch-up that started after it
   * found out, or waits for the running one to end and starts the next. A rejection is retried with
   * backoff, like `handle`.
   */
  onTrimmed: (context: { signal: AbortSignal }) => Promise<void>;
}

/** What a stopped or failed call tells its loop. */
const STOPPED = Symbol('stopped');

/** A shard loop's end when its shard no longer exists (ResourceNotFound). */
const GONE = Symbol('gone');

/** DynamoDB Streams' own throttling error, besides those DynamoDB and the SDK share (UNAVAILABLE). */
const THROTTLED_OR_UNAVAILABLE = new Set(['LimitExceededException', ...UNAVAILABLE]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  $retryable?: unknown;
}

function errorName(err: unknown): string {
  return ((err ?? {}) as SdkError).name ?? '';
}

/** Throttling, a server fault or a network fault: the same request may succeed later. */
function isTransient(err: unknown): boolean {
  if (err instanceof DynagoError) return err.retryable;
  const sdk = (err ?? {}) as SdkError;
  const name = sdk.name ?? '';
  return (
    THROTTLED_OR_UNAVAILABLE.has(name) ||
    NETWORK_CODES.has(name) ||
    NETWORK_CODES.has(sdk.code ?? '') ||
    (sdk.$metadata?.httpStatusCode ?? 0) >= 500 ||
    sdk.$fault === 'server' ||
    Boolean(sdk.$retryable)
  );
}

/** Drops the raw HTTP body (it holds the socket and the signed request) of an SDK error kept as `cause`. */
function dropRawBody(err: unknown): void {
  const response = (err as { $response?: { body?: unknown } } | null)?.$response;
  if (response !== null && typeof response === 'object' && 'body' in response) response.body = undefined;
}

function checkInterval(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`new StreamPoller: ${what} must be a finite number of milliseconds ≥ 0.`);
  }
  return value;
}

/**
 * Tails a DynamoDB Stream outside Lambda: every shard, in order within each shard, resuming where the
 * last run stopped, until an AbortSignal stops it.
 *
 * - **Shards.** DescribeStream (paged by `ExclusiveStartShardId`) at the start, every
 *   `describeIntervalMs`, and as soon as a shard is read to its end. Each shard is read by a loop of its
 *   own, the shards concurrently (so `handle` runs concurrently for different shards, never for one
 *   shard). A child shard (`ParentShardId`) starts only once its parent is finished (GetRecords gave no
 *   `NextShardIterator`), or once the parent is no longer listed (trimmed away; then `onTrimmed` first
 *   unless the parent was finished): a key's records never overtake each other across a split.
 * - **Order.** `handle` is awaited batch by batch (one GetRecords: up to 1 000 records or 1 MB).
 * - **Positions.** After `handle` resolves, the batch's last `SequenceNumber` is saved; a run resumes
 *   `AFTER_SEQUENCE_NUMBER` it, and only a shard without a position starts at `TRIM_HORIZON`. A closed
 *   shard read to its end is saved `finished` and never read again. A record is thus handled at least
 *   once: twice only if the process stops between `handle` and the save.
 * - **Failures.** A rejected `handle` gets the same batch again after a backoff (full jitter, 100 ms to
 *   5 s by default), forever until it succeeds or the run stops: no record is ever skipped. Throttling
 *   (`LimitExceededException`: more than 5 GetRecords a second on a shard), server and network faults
 *   of the Streams API are retried the same way, after the SDK's own retries. An expired iterator (they
 *   live 15 minutes: a long retry of `handle` outlives one) is renewed from the saved position. A
 *   position older than the 24 h retention (`TrimmedDataAccessException`) calls `onTrimmed`, then the
 *   shard restarts at `TRIM_HORIZON`; the saved position is left as it was until the next batch, so a
 *   crash in between finds the trim again instead of skipping what the horizon moved past.
 * - **Stopping.** The signal aborts sleeps and Streams requests in flight (`abortSignal`); a `handle`
 *   in flight is awaited (and its position saved). `run` then resolves. It rejects only with a
 *   {@link StreamNotFoundError}, a `DynamoDBError` for a Streams error no retry can fix (access denied, a
 *   malformed request), or a non-retryable `DynagoError` from `positions` (no table, say), after
 *   stopping every shard. No promise is ever left rejected and unhandled.
 *
 * Cost: each shard polls once per `pollIntervalMs` while idle (one GetRecords) and back to back while
 * records flow; one position write per handled batch; one DescribeStream per `describeIntervalMs`.
 * DynamoDB allows two readers per shard: run one poller per consumer, beside Lambda at most.
 *
 * @example
 * ```ts
 * const poller = new StreamPoller({ client: new DynamoDBStreamsClient({}), streamArn, positions: new TableShardPositions(table, 'balances') });
 * const stop = new AbortController();
 * await poller.run(async (records) => { for (const record of records) apply(record); }, { signal: stop.signal, onTrimmed: catchUp });
 * ```
 */
export class StreamPoller {
  private readonly client: DynamoDBStreamsClientLike;
  readonly streamArn: string;
  private readonly positions: ShardPositions;
  private readonly pollIntervalMs: number;
  private readonly describeIntervalMs: number;
  private readonly retry: RetryPolicy;
  private readonly ignore: ((record: StreamRecord) => boolean) | undefined;
  private readonly onRetry: ((retry: PollerRetry) => void) | undefined;
  private running = false;

  constructor(options: StreamPollerOptions) {
    if (options?.client === undefined || typeof options.client.send !== 'function') {
      throw new ValidationError('new StreamPoller: client must be a DynamoDBStreamsClient.');
    }
    if (typeof options.streamArn !== 'string' || options.streamArn === '') {
      throw new ValidationError("new StreamPoller: streamArn must be the table's LatestStreamArn.");
    }
    const positions = options.positions;
    if (typeof positions?.load !== 'function' || typeof positions.save !== 'function') {
      throw new ValidationError(
        'new StreamPoller: positions must have load and save (see TableShardPositions).',
      );
    }
    if (options.retryDelay !== undefined && 'maxAttempts' in options.retryDelay) {
      throw new ValidationError(
        'new StreamPoller: retryDelay takes baseDelayMs and maxDelayMs only; retries never stop by count.',
      );
    }
    this.client = options.client;
    this.streamArn = options.streamArn;
    this.positions = positions;
    this.pollIntervalMs = checkInterval(options.pollIntervalMs, 'pollIntervalMs', 1_000);
    this.describeIntervalMs = checkInterval(options.describeIntervalMs, 'describeIntervalMs', 10_000);
    this.retry = checkRetryPolicy(options.retryDelay, 'new StreamPoller: retryDelay', {
      maxAttempts: Number.MAX_SAFE_INTEGER,
      baseDelayMs: 50,
      maxDelayMs: 5_000,
    });
    this.ignore = options.ignore;
    this.onRetry = options.onRetry;
  }

  /**
   * Reads every shard until `options.signal` aborts, handing each batch of records (oldest first) to
   * `handle`; see the class comment for the guarantees. Resolves once stopped; one run at a time.
   */
  async run(
    handle: (records: StreamRecord[], shardId: string) => Promise<void>,
    options: StreamPollerRunOptions,
  ): Promise<void> {
    if (typeof handle !== 'function')
      throw new ValidationError('StreamPoller.run: handle must be a function.');
    if (!(options?.signal instanceof AbortSignal)) {
      throw new ValidationError('StreamPoller.run: options.signal must be an AbortSignal.');
    }
    if (typeof options.onTrimmed !== 'function') {
      throw new ValidationError(
        'StreamPoller.run: options.onTrimmed is required: it catches up from the events when stream records ' +
          'were lost (older than the 24 h retention), instead of skipping them.',
      );
    }
    if (this.running) throw new ValidationError('StreamPoller.run: this poller is already running.');
    this.running = true;
    try {
      const settings: RunSettings = {
        client: this.client,
        streamArn: this.streamArn,
        positions: this.positions,
        pollIntervalMs: this.pollIntervalMs,
        describeIntervalMs: this.describeIntervalMs,
        retry: this.retry,
        ignore: this.ignore,
        onRetry: this.onRetry,
      };
      await new Run(settings, handle, options).run();
    } finally {
      this.running = false;
    }
  }
}

/** A poller's checked options, for one {@link Run}. */
interface RunSettings {
  client: DynamoDBStreamsClientLike;
  streamArn: string;
  positions: ShardPositions;
  pollIntervalMs: number;
  describeIntervalMs: number;
  retry: RetryPolicy;
  ignore: ((record: StreamRecord) => boolean) | undefined;
  onRetry: ((retry: PollerRetry) => void) | undefined;
}

/** One `run`: the shards seen, their loops, and the stop signal. */
class Run {
  /** Aborted by the caller's signal or by a fatal error; every sleep and request listens to it. */
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private fatal: { error: unknown } | undefined;
  /** Positions loaded at the start of each shard (undefined: none stored). */
  private readonly loaded = new Map<string, ShardPosition | undefined>();
  private readonly finished = new Set<string>();
  /** Shards (or gone parents being settled) with a loop running. */
  private readonly active = new Set<string>();
  private readonly loops = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** A shard ended while the coordinator was not idle: the next idle wait is skipped. */
  private wokenEarly = false;
  private catchUps = 0;
  private catchUp: { index: number; promise: Promise<void> } | undefined;

  constructor(
    private readonly settings: RunSettings,
    private readonly handle: (records: StreamRecord[], shardId: string) => Promise<void>,
    private readonly options: StreamPollerRunOptions,
  ) {
    this.signal = AbortSignal.any([options.signal, this.controller.signal]);
  }

  private get stopped(): boolean {
    return this.signal.aborted;
  }

  async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const shards = await this.describe();
        if (shards === STOPPED) break;
        await this.startReady(shards);
        if (this.stopped) break;
        await this.idle();
      }
    } catch (error) {
      this.fail(error);
    }
    this.controller.abort();
    // Every loop catches its own errors (see `start`), so this never rejects; it waits for `handle`s
    // in flight and their saves.
    await Promise.all(this.loops);
    if (this.fatal) throw this.fatal.error;
  }

  /** Stops the run with `error`, unless it was stopping anyway (then the error is the abort's echo). */
  private fail(error: unknown): void {
    if (this.stopped || this.fatal) return;
    this.fatal = { error };
    this.controller.abort();
  }

  /** Waits `describeIntervalMs`, or less when a shard finished (its children may start now). */
  private async idle(): Promise<void> {
    if (this.wokenEarly) {
      this.wokenEarly = false;
      return;
    }
    const woken = new Promise<void>((resolve) => {
      this.wakeUp = resolve;
    });
    try {
      await Promise.race([sleep(this.settings.describeIntervalMs, this.signal), woken]);
    } catch {
      // aborted: the loop condition ends the run
    } finally {
      this.wakeUp = undefined;
    }
  }

  /**
   * Every shard of the stream, DescribeStream page after page (100 shards a page). A page that fails
   * transiently is asked again after a backoff; ResourceNotFound is a {@link StreamNotFoundError}.
   */
  private async describe(): Promise<Shard[] | typeof STOPPED> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.call<DescribeStreamCommandOutput>('DescribeStream', undefined, () =>
        this.settings.client.send(
          new DescribeStreamCommand({
            StreamArn: this.settings.streamArn,
            ...(start !== undefined ? { ExclusiveStartShardId: start } : {}),
          }),
          { abortSignal: this.signal },
        ),
      );
      if (page === STOPPED) return STOPPED;
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    return shards;
  }

  /**
   * Starts the loop of every listed shard that is not running, not finished, and whose parent is
   * finished or gone. Positions of new shards are loaded first (one GetItem each, once per run), so
   * that a parent finished in an earlier run is known before its children are looked at.
   */
  private async startReady(shards: Shard[]): Promise<void> {
    const listed = new Set<string>();
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (shardId === undefined) continue;
      listed.add(shardId);
      if (this.loaded.has(shardId) || this.finished.has(shardId)) continue;
      const position = await this.loadPosition(shardId);
      if (position === STOPPED) return;
      this.loaded.set(shardId, position);
      if (position?.finished) this.finished.add(shardId);
    }
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (shardId === undefined || this.active.has(shardId) || this.finished.has(shardId)) continue;
      const parent = shard.ParentShardId;
      if (parent !== undefined && !this.finished.has(parent)) {
        if (listed.has(parent) || this.active.has(parent)) continue; // the parent is still being read
        // The parent is gone before this consumer finished it: settle it (onTrimmed unless its stored
        // position says finished) as a loop of its own, which the children wait for like any parent.
        this.start(parent, () => this.settleGone(parent));
        continue;
      }
      this.start(shardId, () => this.readShard(shardId, this.loaded.get(shardId)));
    }
    // Bounded memory: forget shards no longer listed (a child whose parent is forgotten checks the
    // parent's stored position again in settleGone).
    for (const shardId of this.loaded.keys()) if (!listed.has(shardId)) this.loaded.delete(shardId);
    for (const shardId of this.finished) {
      if (!listed.has(shardId) && !this.active.has(shardId)) this.finished.delete(shardId);
    }
  }

  /**
   * Runs `loop` for `shardId`; its error (never an abort's) stops the run; it always settles resolved.
   * When it ends, the next DescribeStream comes at once (children may start), unless the shard was
   * `GONE` (then at the usual interval, so that a shard that keeps answering ResourceNotFound is not
   * asked again back to back).
   */
  private start(shardId: string, loop: () => Promise<unknown>): void {
    this.active.add(shardId);
    const promise = loop()
      .then(
        (result) => {
          if (result === GONE) return;
          if (this.wakeUp) this.wakeUp();
          else this.wokenEarly = true;
        },
        (error) => this.fail(error),
      )
      .finally(() => {
        this.active.delete(shardId);
        this.loops.delete(promise);
      });
    this.loops.add(promise);
  }

  /** A parent no longer listed and not known finished: records may be lost; catch up, then mark it. */
  private async settleGone(shardId: string): Promise<void> {
    const position = await this.loadPosition(shardId);
    if (position === STOPPED) return;
    if (!position?.finished) {
      if (!(await this.trimmed())) return;
      if (!(await this.savePosition(shardId, { ...position, finished: true }))) return;
    }
    this.finished.add(shardId);
  }

  /** Reads one shard from `position` to its end (or until the run stops). */
  private async readShard(
    shardId: string,
    position: ShardPosition | undefined,
  ): Promise<undefined | typeof GONE> {
    let saved = position?.sequenceNumber;
    let iterator: string | undefined;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (iterator === undefined) iterator = await this.shardIterator(shardId, saved);
        const page: GetRecordsCommandOutput = await this.settings.client.send(
          new GetRecordsCommand({ ShardIterator: iterator }),
          { abortSignal: this.signal },
        );
        failures = 0;
        const records = page.Records ?? [];
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        const wanted = records.filter((record) => !this.ignored(record));
        if (wanted.length > 0) {
          if (!(await this.deliver(wanted, shardId))) return;
          if (last !== undefined) {
            saved = last;
            if (!(await this.savePosition(shardId, { sequenceNumber: saved }))) return;
          }
        }
        if (page.NextShardIterator === undefined || page.NextShardIterator === null) {
          // Closed and read to its end. Saved even when only ignored records came last.
          if (last !== undefined) saved = last;
          const done: ShardPosition =
            saved === undefined ? { finished: true } : { sequenceNumber: saved, finished: true };
          if (!(await this.savePosition(shardId, done))) return;
          this.finished.add(shardId);
          return;
        }
        iterator = page.NextShardIterator;
        if (records.length === 0) await sleep(this.settings.pollIntervalMs, this.signal);
      } catch (error) {
        if (this.stopped) return;
        const name = errorName(error);
        if (name === 'ExpiredIteratorException') {
          iterator = undefined; // a new one from the saved position, at once: nothing was wrong
          continue;
        }
        if (name === 'TrimmedDataAccessException') {
          if (!(await this.trimmed())) return;
          saved = undefined; // TRIM_HORIZON from now on; the stored position stays until the next batch
          iterator = undefined;
          continue;
        }
        if (name === 'ResourceNotFoundException') {
          // The shard was trimmed away (or the stream deleted). The next DescribeStream tells: a
          // deleted stream fails the run; a shard no longer listed lets its children start, after
          // onTrimmed (settleGone); a shard still listed is read again from its stored position.
          this.loaded.delete(shardId);
          return GONE;
        }
        if (!isTransient(error)) throw this.streamsError(error, shardId);
        failures++;
        // The iterator is kept: it stays valid for 15 minutes, after which ExpiredIterator renews it.
        if (
          !(await this.pause(
            failures,
            iterator === undefined ? 'GetShardIterator' : 'GetRecords',
            shardId,
            error,
          ))
        )
          return;
      }
    }
  }

  /** `AFTER_SEQUENCE_NUMBER` of the saved position, else `TRIM_HORIZON`. One GetShardIterator. */
  private async shardIterator(shardId: string, after: string | undefined): Promise<string> {
    const output: GetShardIteratorCommandOutput = await this.settings.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.settings.streamArn,
        ShardId: shardId,
        ...(after === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
      }),
      { abortSignal: this.signal },
    );
    if (output.ShardIterator === undefined) {
      throw new DynamoDBError(
        `DynamoDB Streams returned no shard iterator for shard "${shardId}" of "${this.settings.streamArn}".`,
      );
    }
    return output.ShardIterator;
  }

  private ignored(record: StreamRecord): boolean {
    return Boolean(this.settings.positions.ownsRecord?.(record) || this.settings.ignore?.(record));
  }

  /** `handle(records)` until it resolves: true, or false when the run stopped first. */
  private async deliver(records: StreamRecord[], shardId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        // A handle that throws synchronously is a rejection like any other.
        await Promise.resolve().then(() => this.handle(records, shardId));
        return true;
      } catch (error) {
        if (this.stopped || !(await this.pause(attempt, 'handle', shardId, error))) return false;
      }
    }
  }

  /**
   * Saves `position`: true once saved, false when the run stopped first. The first attempt is made
   * even when stopping (the batch was handled: saving spares handling it again); a transient failure is
   * retried, any other failure stops the run.
   */
  private async savePosition(shardId: string, position: ShardPosition): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.resolve().then(() => this.settings.positions.save(shardId, position));
        return true;
      } catch (error) {
        if (this.stopped) return false;
        if (DynagoError.is(error) && !error.retryable) throw error;
        if (!(await this.pause(attempt, 'positions.save', shardId, error))) return false;
      }
    }
  }

  private async loadPosition(shardId: string): Promise<ShardPosition | undefined | typeof STOPPED> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return STOPPED;
      try {
        return await Promise.resolve().then(() => this.settings.positions.load(shardId));
      } catch (error) {
        if (this.stopped) return STOPPED;
        if (DynagoError.is(error) && !error.retryable) throw error;
        if (!(await this.pause(attempt, 'positions.load', shardId, error))) return STOPPED;
      }
    }
  }

  /**
   * Records were lost: `onTrimmed`, once it succeeded in a call that started after this was found
   * (true), or false when the run stopped first. One call at a time; concurrent finders share one.
   */
  private async trimmed(): Promise<boolean> {
    const foundAfter = this.catchUps; // a call numbered above this started after the loss was found
    for (let attempt = 1; !this.stopped; ) {
      let current = this.catchUp;
      if (current === undefined) {
        const index = ++this.catchUps;
        const promise = Promise.resolve().then(() => this.options.onTrimmed({ signal: this.signal }));
        current = { index, promise };
        this.catchUp = current;
        const clear = () => {
          if (this.catchUp?.index === index) this.catchUp = undefined;
        };
        promise.then(clear, clear);
      }
      try {
        await current.promise;
        if (current.index > foundAfter) return true;
      } catch (error) {
        if (this.stopped) return false;
        if (current.index > foundAfter) {
          if (!(await this.pause(attempt++, 'onTrimmed', undefined, error))) return false;
        }
      }
    }
    return false;
  }

  /**
   * One call with transient failures retried after a backoff: its result, or STOPPED. Any other
   * failure is thrown as a typed error (ResourceNotFound from DescribeStream: StreamNotFoundError).
   */
  private async call<T>(
    operation: PollerOperation,
    shardId: string | undefined,
    send: () => Promise<T>,
  ): Promise<T | typeof STOPPED> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return STOPPED;
      try {
        return await send();
      } catch (error) {
        if (this.stopped) return STOPPED;
        if (!isTransient(error)) throw this.streamsError(error, shardId);
        if (!(await this.pause(attempt, operation, shardId, error))) return STOPPED;
      }
    }
  }

  /** Reports the retry and sleeps its backoff: false when the run stopped during the sleep. */
  private async pause(
    attempt: number,
    operation: PollerOperation,
    shardId: string | undefined,
    error: unknown,
  ): Promise<boolean> {
    const delayMs = backoffDelay(attempt, this.settings.retry);
    try {
      this.settings.onRetry?.({
        operation,
        ...(shardId !== undefined ? { shardId } : {}),
        attempt,
        delayMs,
        error,
      });
    } catch {
      // a failing observer must not stop the reading
    }
    try {
      await sleep(delayMs, this.signal);
      return true;
    } catch {
      return false;
    }
  }

  /** The typed error for a Streams failure no retry can fix. */
  private streamsError(error: unknown, shardId: string | undefined): DynagoError {
    if (error instanceof DynagoError) return error;
    dropRawBody(error);
    const name = errorName(error);
    const arn = this.settings.streamArn;
    if (name === 'ResourceNotFoundException' && shardId === undefined) {
      return new StreamNotFoundError(arn, { cause: error });
    }
    const where = shardId === undefined ? `stream "${arn}"` : `shard "${shardId}" of stream "${arn}"`;
    const message = ((error ?? {}) as SdkError).message ?? String(error);
    return new DynamoDBError(`DynamoDB Streams failed on ${where}: ${name || 'Error'}: ${message}`, {
      cause: error,
    });
  }
}
