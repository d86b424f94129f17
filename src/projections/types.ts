import type { ParkedEvent, Projection } from '../events/projection.js';

export type { ParkedEvent, Projection, ProjectionContext } from '../events/projection.js';

import type { StoredEvent } from '../events/types.js';
import type { Table } from '../table/Table.js';

export interface ProjectorOptions {
  /** The event store whose events are projected; its table's DynamoDB Stream feeds `run` and Lambda. */
  events: import('../events/EventStore.js').EventStore;
  projections: Projection[];
  /** Where checkpoints, parked events and shard positions live; default the event table. */
  checkpoints?: Table;
  /**
   * How a failing `project` is retried before its event is parked: attempts in all, and the backoff.
   * Default 5 attempts, 50 ms to 2 s.
   */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Events of one stream committed together in one transaction, at most; default 25. */
  batchSize?: number;
  /**
   * Names where `run` keeps its position in each shard of the stream (`position#<name>#<shard>` items
   * beside the checkpoints); default 'projector'. Two projectors on one table need two names.
   */
  name?: string;
  /**
   * Told after each write that applied events to a read model (live, `rebuild` and `retryParked`
   * alike), with the events it applied, in version order: for metrics such as lag (now − when each
   * event was appended) and throughput. Called once per commit, so an event is reported once per
   * projection even when it was delivered twice. It must not throw: an error thrown here is reported
   * once as a process warning (`DYNAGO_ON_APPLIED_FAILED`) and does not stop the projection.
   */
  onApplied?: (applied: AppliedEvents) => void;
}

/** What {@link ProjectorOptions.onApplied} is told: one commit's events of one stream. */
export interface AppliedEvents {
  projection: string;
  streamId: string;
  events: StoredEvent[];
}

export interface ProjectorRebuildOptions {
  /** Parallel scan segments; default 4. */
  segments?: number;
  /**
   * With `segments`: only this segment (0 … segments − 1), so that N processes or Lambdas can each take
   * one slice of the scan.
   */
  segment?: number;
  /** Streams applied at once; default 8. */
  concurrency?: number;
  onProgress?: (progress: { streams: number; events: number; applied: number }) => void;
  signal?: AbortSignal;
}

export interface ProjectorRunOptions {
  signal: AbortSignal;
  /** The DynamoDB Streams client; default one made from the event table's client settings. */
  streams?: DynamoDBStreamsClientLike;
  /** How long a shard with nothing new waits before asking again; default 1 000 ms. */
  pollIntervalMs?: number;
}

export interface ProjectionStatus {
  name: string;
  parked: ParkedEvent[];
  /** Events applied by this process since it started (live and rebuild). */
  applied: number;
  /**
   * How far behind the live projection was at its last applied event: when it was applied − the event's
   * timestamp (ms). From this process when it applied events; else as the live process last recorded it
   * (`lag#<projection>` beside the checkpoints, written at most once a second), with `lagAt`.
   */
  lagMs?: number;
  /** When `lagMs` was measured (epoch ms): a lag measured long ago means nothing was applied since. */
  lagAt?: number;
}

/** The part of a DynamoDB Streams record the projector reads (the Lambda event's shape, and the SDK's). */
export interface StreamRecordLike {
  eventName?: string;
  dynamodb?: {
    /** The item's key attributes, as attribute values (`{ S: 'event#a-1' }`, `{ N: '3' }`). */
    Keys?: Record<string, { S?: string; N?: string }>;
    NewImage?: Record<string, unknown>;
    SequenceNumber?: string;
  };
}

/** The Lambda event of a DynamoDB Streams event source mapping (the parts dynago reads). */
export interface DynamoDBStreamEventLike {
  Records: StreamRecordLike[];
}

/** What the Lambda handler returns with `ReportBatchItemFailures` on. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * A DynamoDB Streams client: a `DynamoDBStreamsClient` of `@aws-sdk/client-dynamodb-streams` (an optional
 * peer dependency, loaded by `run` only), or anything with its `send`. Typed structurally so that the
 * declarations of dynago never name that package: a TypeScript project without it still compiles.
 */
export interface DynamoDBStreamsClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's send is overloaded per command; any client's send fits.
  send(command: any, options?: any): Promise<any>;
}

/** One DynamoDB Streams record (the SDK's `_Record`, or a Lambda event's record): the parts dynago reads. */
export type StreamRecord = StreamRecordLike;

/** Which call a retried failure came from (see {@link StreamPollerOptions.onRetry}). */
export type PollerOperation =
  | 'DescribeStream'
  | 'GetShardIterator'
  | 'GetRecords'
  | 'handle'
  | 'onTrimmed'
  | 'positions.load'
  | 'positions.save';

/** A failure the poller retries after `delayMs`. */
export interface PollerRetry {
  operation: PollerOperation;
  /** The shard, for everything but DescribeStream and onTrimmed. */
  shardId?: string;
  /** 1 for the first retry of this call. */
  attempt: number;
  delayMs: number;
  error: unknown;
}
