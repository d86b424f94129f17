import { setMaxListeners } from 'node:events';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBError, StreamDeletedError, ValidationError } from '../errors.js';
import { checkCategory } from '../events/category.js';
import type { EventStore } from '../events/EventStore.js';
import type { StoredEvent } from '../events/types.js';
import { checkRetryPolicy, type RetryPolicy } from '../internal/backoff.js';
import { Limiter } from '../internal/limiter.js';
import { mapConcurrent } from '../internal/mapConcurrent.js';
import { type GaugeSource, inSpan, registerGauges } from '../internal/telemetry.js';
import type { Table } from '../table/Table.js';
import { Applier } from './applier.js';
import { deletionOfRecord, eventOfRecord } from './records.js';
import type {
  BatchResponse,
  DynamoDBStreamEventLike,
  Projection,
  ProjectionStatus,
  ProjectorOptions,
  ProjectorRebuildOptions,
  ProjectorRunOptions,
  StreamRecordLike,
} from './types.js';

const NAME = /^[A-Za-z0-9_-]+$/;
/** How often the live lag of a projection is recorded for other processes (see `count`). */
const LAG_SAVE_INTERVAL_MS = 1_000;
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 2_000 };
/** Streams of one delivery applied at once. */
const STREAMS_IN_FLIGHT = 16;

/**
 * Keeps read models from the events, each event applied exactly once per projection:
 * - live, from the event table's DynamoDB Stream: `run` polls it (one process per table), and
 *   `lambdaHandler` serves an AWS Lambda event source mapping (how projections scale past one process);
 * - from the events alone: `rebuild`, which may run while live projection goes on.
 * All three apply through the same checkpoints (see `Checkpoints` and `Applier`), so any overlap between
 * them, and any duplicate or out-of-order delivery, takes effect once.
 *
 * @example
 * ```ts
 * const projector = new Projector({ events: store, projections: [balances] });
 * await projector.rebuild('balances');
 * export const handler = projector.lambdaHandler();
 * ```
 */
export class Projector {
  private readonly events: EventStore;
  private readonly projections: Map<string, Projection>;
  private readonly applier: Applier;
  private readonly checkpointTable: Table;
  private readonly stats = new Map<
    string,
    { applied: number; lagMs?: number; lagAt?: number; lagSavedAt?: number; parked?: number }
  >();
  private lagWarned = false;
  /** What the projection gauges report (held here: the telemetry holds it weakly). */
  private readonly gauges: GaugeSource;
  /** Names this projector's shard positions; see {@link ProjectorOptions.name}. */
  readonly name: string;

  constructor(options: ProjectorOptions) {
    if (!options?.events) throw new ValidationError('new Projector: events (an EventStore) is required.');
    if (!Array.isArray(options.projections) || options.projections.length === 0) {
      throw new ValidationError('new Projector: give at least one projection ({ name, project }).');
    }
    this.projections = new Map();
    for (const [index, projection] of options.projections.entries()) {
      const where = `new Projector: projections[${index}]`;
      if (typeof projection?.name !== 'string' || !NAME.test(projection.name)) {
        throw new ValidationError(
          `${where}.name must be letters, digits, - and _ (for example 'balances-v2'), got ${JSON.stringify(projection?.name)}.`,
        );
      }
      if (this.projections.has(projection.name)) {
        throw new ValidationError(
          `${where}: the name "${projection.name}" is taken by another projection; names are unique in a Projector.`,
        );
      }
      if (typeof projection.project !== 'function') {
        throw new ValidationError(
          `${where} ("${projection.name}"): project must be a function (event) => operations.`,
        );
      }
      if (projection.onStreamDeleted !== undefined && typeof projection.onStreamDeleted !== 'function') {
        throw new ValidationError(
          `${where} ("${projection.name}"): onStreamDeleted must be a function (deleted) => operations when given.`,
        );
      }
      if (projection.categories !== undefined) {
        if (!Array.isArray(projection.categories) || projection.categories.length === 0) {
          throw new ValidationError(
            `${where} ("${projection.name}"): categories must be a non-empty array when given.`,
          );
        }
        for (const category of projection.categories) checkCategory(category, `${where}.categories`);
      }
      this.projections.set(projection.name, projection);
      this.stats.set(projection.name, { applied: 0 });
    }
    const retry = checkRetryPolicy(options.retry, 'new Projector: retry', DEFAULT_RETRY);
    const batchSize = options.batchSize ?? 25;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 99) {
      throw new ValidationError(
        `new Projector: batchSize must be a whole number from 1 to 99, got ${String(batchSize)}.`,
      );
    }
    this.name = options.name ?? 'projector';
    if (typeof this.name !== 'string' || !NAME.test(this.name)) {
      throw new ValidationError(
        `new Projector: name must be letters, digits, - and _, got ${JSON.stringify(this.name)}.`,
      );
    }
    this.events = options.events;
    this.checkpointTable = options.checkpoints ?? options.events.table;
    const onApplied = options.onApplied;
    if (onApplied !== undefined && typeof onApplied !== 'function') {
      throw new ValidationError(
        'new Projector: onApplied must be a function ({ projection, streamId, events }) => void.',
      );
    }
    let warned = false;
    this.gauges = () =>
      [...this.stats.entries()].map(([name, stats]) => ({
        name,
        ...(stats.lagMs !== undefined ? { lagMs: stats.lagMs } : {}),
        ...(stats.parked !== undefined ? { parked: stats.parked } : {}),
      }));
    registerGauges(this.gauges);
    this.applier = new Applier(
      this.events,
      this.checkpointTable,
      retry,
      batchSize,
      onApplied &&
        ((projection, streamId, events) => {
          try {
            onApplied({ projection, streamId, events });
          } catch (error) {
            if (warned) return;
            warned = true;
            process.emitWarning(
              `Projector onApplied threw (${error instanceof Error ? error.message : String(error)}); the projection goes on. Reported once.`,
              { code: 'DYNAGO_ON_APPLIED_FAILED' },
            );
          }
        }),
    );
    this.applier.onParked = (name) => {
      const stats = this.stats.get(name);
      if (stats) stats.parked = (stats.parked ?? 0) + 1;
    };
  }

  /** The names of this projector's projections, in the order they were given (a copy). */
  get projectionNames(): string[] {
    return [...this.projections.keys()];
  }

  /**
   * Applies every event of the projection's categories (or of all) from the events alone, with parallel
   * scan segments; `{ segments, segment }` takes one slice, so N processes can share the work. Safe while
   * `run` or the Lambda handler is live: the checkpoints make the overlap harmless. It never resets a
   * projection's checkpoints: to rebuild a read model from scratch, give the projection a new name
   * (`balances-v2`), let it catch up, then switch readers (blue/green).
   */
  rebuild(
    name: string,
    options: ProjectorRebuildOptions = {},
  ): Promise<{ streams: number; events: number; applied: number }> {
    return inSpan(
      'dynago.rebuild',
      this.events.table.tableName,
      { 'dynago.projection': name, 'dynago.segment': options.segment },
      async (span) => {
        const totals = await this.rebuildProjection(name, options);
        span.set({
          'dynago.stream_count': totals.streams,
          'dynago.event_count': totals.events,
          'dynago.applied_count': totals.applied,
        });
        return totals;
      },
    );
  }

  private async rebuildProjection(
    name: string,
    options: ProjectorRebuildOptions,
  ): Promise<{ streams: number; events: number; applied: number }> {
    const projection = this.projection(name, 'rebuild');
    const segments = options.segments ?? 4;
    const concurrency = options.concurrency ?? 8;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new ValidationError(
        `rebuild: concurrency must be a positive whole number, got ${String(concurrency)}.`,
      );
    }
    if (
      options.segment !== undefined &&
      (!Number.isSafeInteger(options.segment) || options.segment < 0 || options.segment >= segments)
    ) {
      throw new ValidationError(
        `rebuild: segment must be a whole number from 0 to ${segments - 1} (segments − 1), got ${String(options.segment)}.`,
      );
    }
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = stop.signal;
    const totals = { streams: 0, events: 0, applied: 0 };
    const limiter = new Limiter(concurrency);
    const report = () => options.onProgress?.({ ...totals });
    const flush = async (streamId: string, chunk: StoredEvent[]) => {
      await limiter.start(async () => {
        const result = await this.applier.apply(projection, streamId, chunk, signal);
        totals.applied += result.applied;
        this.count(projection.name, result.applied);
        report();
      });
    };
    const sources = (projection.categories ?? [undefined]).flatMap((category) => {
      // as stored: each event is upcast by the applier, where an event this code cannot read is parked
      const all = this.events.readAllSegments({
        segments,
        signal,
        raw: true,
        ...(category ? { category } : {}),
      });
      return options.segment === undefined ? all : [all[options.segment] as AsyncIterable<StoredEvent>];
    });
    const readSegment = async (segment: AsyncIterable<StoredEvent>) => {
      let streamId: string | undefined;
      let chunk: StoredEvent[] = [];
      for await (const event of segment) {
        totals.events++;
        if (event.streamId !== streamId || chunk.length >= 100) {
          if (streamId !== undefined && chunk.length > 0) await flush(streamId, chunk);
          if (event.streamId !== streamId) totals.streams++;
          streamId = event.streamId;
          chunk = [];
        }
        chunk.push(event);
      }
      if (streamId !== undefined && chunk.length > 0) await flush(streamId, chunk);
    };
    try {
      const outcomes = await Promise.allSettled(
        sources.map((segment) =>
          readSegment(segment).catch((error) => {
            stop.abort(error);
            throw error;
          }),
        ),
      );
      await limiter.drain().catch((error) => outcomes.push({ status: 'rejected', reason: error }));
      const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
      if (rejected) throw options.signal?.aborted ? options.signal.reason : rejected.reason;
      return totals;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A handler for an AWS Lambda DynamoDB Streams event source mapping. Applies the batch (each stream's
   * events in version order, streams in parallel) and returns `{ batchItemFailures }` naming the first
   * record it could not apply (turn on ReportBatchItemFailures): Lambda delivers again from there, and
   * what was applied already is refused by the checkpoints, not applied twice.
   */
  lambdaHandler(): (event: DynamoDBStreamEventLike) => Promise<BatchResponse> {
    return async (event) => {
      const records = Array.isArray(event?.Records) ? event.Records : [];
      // one signal for every request of the batch: more listeners than Node's default of 10
      const never = new AbortController().signal;
      setMaxListeners(0, never);
      const failedAt = await this.applyRecords(records, never);
      if (failedAt === undefined) return { batchItemFailures: [] };
      const sequence = records[failedAt]?.dynamodb?.SequenceNumber;
      return { batchItemFailures: sequence ? [{ itemIdentifier: sequence }] : [] };
    };
  }

  /**
   * Applies stream records of the event table to every projection; the index of the first record of a
   * stream that could not be applied (DynamoDB unavailable, a bad projection), or undefined.
   */
  async applyRecords(records: StreamRecordLike[], signal: AbortSignal): Promise<number | undefined> {
    const table = this.events.table;
    const streams = new Map<string, { first: number; events: StoredEvent[] }>();
    const deletions = new Map<
      string,
      { first: number; deleted: { streamId: string; category: string; version: number } }
    >();
    records.forEach((record, index) => {
      const deleted = deletionOfRecord(record, table.partitionKeyName);
      if (deleted !== undefined) {
        if (!deletions.has(deleted.streamId)) deletions.set(deleted.streamId, { first: index, deleted });
        return;
      }
      const event = eventOfRecord(record, table.partitionKeyName, table.sortKeyName as string);
      if (event === undefined) return;
      const stream = streams.get(event.streamId) ?? { first: index, events: [] };
      stream.events.push(event);
      streams.set(event.streamId, stream);
    });
    let failedAt: number | undefined;
    const failedStreams = new Set<string>();
    await mapConcurrent([...streams.entries()], STREAMS_IN_FLIGHT, async ([streamId, stream]) => {
      for (const projection of this.projections.values()) {
        const category = stream.events[0]?.category as string;
        if (projection.categories && !projection.categories.includes(category)) continue;
        try {
          const result = await this.applier.apply(projection, streamId, stream.events, signal);
          this.count(projection.name, result.applied, stream.events.at(-1));
        } catch {
          failedAt = Math.min(failedAt ?? stream.first, stream.first);
          failedStreams.add(streamId);
          return; // this stream is delivered again from its first record; the others go on
        }
      }
    });
    // Deleted streams, after their events of this delivery: each projection told once.
    await mapConcurrent([...deletions.values()], STREAMS_IN_FLIGHT, async ({ first, deleted }) => {
      if (failedStreams.has(deleted.streamId)) {
        // its events of this delivery are not all applied: the notice comes again after them
        failedAt = Math.min(failedAt ?? first, first);
        return;
      }
      for (const projection of this.projections.values()) {
        if (projection.categories && !projection.categories.includes(deleted.category)) continue;
        try {
          await this.applier.applyDeletion(projection, deleted, signal);
        } catch {
          failedAt = Math.min(failedAt ?? first, first);
          return;
        }
      }
    });
    return failedAt;
  }

  /** Parked events, events applied by this process, and the live lag. */
  async status(name: string): Promise<ProjectionStatus> {
    const projection = this.projection(name, 'status');
    const stats = this.stats.get(projection.name) ?? { applied: 0 };
    const parked = await this.applier.checkpoints.parked(projection.name);
    stats.parked = parked.length;
    let lag = stats.lagMs !== undefined ? { lagMs: stats.lagMs, lagAt: stats.lagAt } : undefined;
    if (lag === undefined) {
      // not applied here: as the live process recorded it (one consistent GetItem)
      const recorded = await this.checkpointTable.getItem<{ lagMs?: number; lagAt?: number }>(
        `lag#${projection.name}`,
        0,
        { consistentRead: true },
      );
      if (typeof recorded?.lagMs === 'number') lag = { lagMs: recorded.lagMs, lagAt: recorded.lagAt };
    }
    return {
      name: projection.name,
      parked,
      applied: stats.applied,
      ...(lag !== undefined ? { lagMs: lag.lagMs } : {}),
      ...(lag?.lagAt !== undefined ? { lagAt: lag.lagAt } : {}),
    };
  }

  /**
   * Applies the parked events again (after the projection's bug is fixed): each parked stream is lifted
   * and applied from its checkpoint to its head; one that fails again is parked again.
   */
  async retryParked(
    name: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ retried: number; parked: number }> {
    const projection = this.projection(name, 'retryParked');
    const signal = options.signal ?? new AbortController().signal;
    let parkedAgain = 0;
    const parked = await this.applier.checkpoints.parked(projection.name, signal);
    for (const entry of parked) {
      await this.applier.checkpoints.unpark(projection.name, entry.streamId, signal);
      const state: { outcome: 'done' | 'parked'; chunk: StoredEvent[] } = { outcome: 'done', chunk: [] };
      const flush = async () => {
        if (state.chunk.length === 0 || state.outcome === 'parked') return;
        const result = await this.applier.apply(projection, entry.streamId, state.chunk, signal);
        this.count(projection.name, result.applied);
        state.outcome = result.outcome;
        state.chunk = [];
      };
      try {
        for await (const event of this.events.read(entry.streamId, {
          from: entry.version,
          signal,
          raw: true,
        })) {
          state.chunk.push(event);
          if (state.chunk.length >= 100) await flush();
          if (state.outcome === 'parked') break;
        }
        await flush();
      } catch (error) {
        // deleted since it was parked: nothing left to apply (the projection is told by the tombstone)
        if (!(error instanceof StreamDeletedError)) throw error;
      }
      if (state.outcome === 'parked') parkedAgain++;
    }
    const stats = this.stats.get(projection.name);
    if (stats) stats.parked = parkedAgain;
    return { retried: parked.length, parked: parkedAgain };
  }

  /**
   * Tails the event table's DynamoDB Stream until `signal` aborts (see `StreamPoller`): one `run` per
   * table; scale out with the Lambda handler instead. Needs the table's stream on (NEW_IMAGE).
   */
  async run(options: ProjectorRunOptions): Promise<void> {
    if (!options?.signal) throw new ValidationError('run: give it { signal } to stop it with.');
    const table = this.events.table;
    const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    const stream = described.Table?.StreamSpecification;
    const arn = described.Table?.LatestStreamArn;
    if (
      !stream?.StreamEnabled ||
      arn === undefined ||
      !['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(String(stream.StreamViewType))
    ) {
      throw new ValidationError(
        `run: table "${table.tableName}" has no DynamoDB Stream with new images. Create it with createTable({ sortKeyType: 'N', stream: 'NEW_IMAGE' }), or turn the stream on (NEW_IMAGE) in your infrastructure code.`,
      );
    }
    // Every request of every shard and stream listens on one signal: more than Node's default of 10.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort(options.signal.reason);
    if (options.signal.aborted) onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.tail(arn, { ...options, signal: stop.signal });
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The poller over the stream: records that are not events (snapshots, checkpoints, positions) are
   * skipped before they cost a `handle`; a batch whose streams could not all be applied is handed again
   * (what was applied is refused by the checkpoints); records gone past the stream's 24 h retention are
   * made up for from the events (a rebuild of every projection), then the stream is followed again.
   * `@aws-sdk/client-dynamodb-streams` is loaded here only, so it is needed only by those who call `run`.
   */
  private async tail(arn: string, options: ProjectorRunOptions): Promise<void> {
    const [{ DynamoDBStreamsClient }, { StreamPoller }, { TableShardPositions }] = await Promise.all([
      import('@aws-sdk/client-dynamodb-streams'),
      import('./streamPoller.js'),
      import('./shardPositions.js'),
    ]);
    const config = this.events.table.client.config as unknown as {
      region: unknown;
      credentials: unknown;
      endpoint?: unknown;
      isCustomEndpoint?: boolean;
    };
    const client =
      options.streams ??
      new DynamoDBStreamsClient({
        region: config.region as string,
        credentials: config.credentials as never,
        ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint as string } : {}),
      });
    const table = this.events.table;
    const poller = new StreamPoller({
      client,
      streamArn: arn,
      positions: new TableShardPositions(this.checkpointTable, this.name),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ignore: (record) =>
        eventOfRecord(record, table.partitionKeyName, table.sortKeyName as string) === undefined &&
        deletionOfRecord(record, table.partitionKeyName) === undefined,
    });
    await poller.run(
      async (records) => {
        const failedAt = await this.applyRecords(records, options.signal);
        if (failedAt !== undefined) {
          throw new DynamoDBError(
            `Projector: the records from ${records[failedAt]?.dynamodb?.SequenceNumber ?? '?'} on could not all be applied; they are handed again.`,
            { retryable: true },
          );
        }
      },
      {
        signal: options.signal,
        onTrimmed: async ({ signal }) => {
          for (const name of this.projections.keys()) await this.rebuild(name, { signal });
        },
      },
    );
  }

  private projection(name: string, what: string): Projection {
    const projection = this.projections.get(name);
    if (projection === undefined) {
      throw new ValidationError(
        `${what}: no projection named ${JSON.stringify(name)}; this Projector has ${[...this.projections.keys()].map((known) => `"${known}"`).join(', ')}.`,
      );
    }
    return projection;
  }

  private count(name: string, applied: number, last?: StoredEvent): void {
    const stats = this.stats.get(name);
    if (!stats) return;
    stats.applied += applied;
    if (last === undefined || applied === 0) return;
    const now = Date.now();
    stats.lagMs = Math.max(0, now - last.timestamp);
    stats.lagAt = now;
    // Recorded for other processes (the CLI's `projections`): at most one PutItem a second per
    // projection (1 WCU), beside the checkpoints. A failure only loses that figure: warned once.
    if (now - (stats.lagSavedAt ?? 0) < LAG_SAVE_INTERVAL_MS) return;
    stats.lagSavedAt = now;
    this.checkpointTable
      .putItem(`lag#${name}`, 0, { lagMs: stats.lagMs, lagAt: now })
      .catch((error: unknown) => {
        if (this.lagWarned) return;
        this.lagWarned = true;
        process.emitWarning(
          `Projector: the lag of "${name}" could not be recorded (${error instanceof Error ? error.message : String(error)}); projection goes on. Reported once.`,
          { code: 'DYNAGO_LAG_NOT_RECORDED' },
        );
      });
  }
}
