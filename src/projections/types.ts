import type { StoredEvent } from '../events/types.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';

/** What `project` gets besides the event. */
export interface ProjectionContext {
  /** The projection's name. */
  projection: string;
  /** Aborts when the projector stops. */
  signal: AbortSignal;
}

/**
 * A read model kept from the events: `project` turns one event into the writes it causes, as the
 * Table's transaction operations (`table.putOp`, `updateOp`, `deleteOp`, `conditionCheckOp`), on any
 * table. The projector commits them together with the projection's checkpoint for the event's stream,
 * so each event takes effect exactly once.
 *
 * `project` may be called more than once for one event (a retry after a failure, a duplicate delivery
 * that is then refused by the checkpoint): it must not have effects of its own besides returning writes.
 */
export interface Projection<Event extends StoredEvent = StoredEvent> {
  /** Letters, digits, `-` and `_`; unique in a Projector. A new name starts from nothing (blue/green). */
  name: string;
  /** The stream categories it reads (see `StoredEvent.category`); default all. */
  categories?: string[];
  project: (event: Event, context: ProjectionContext) => TransactOperation[] | Promise<TransactOperation[]>;
}

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
  /** How long a shard with nothing new waits before asking again; default 1 000 ms. */
  pollIntervalMs?: number;
}

/** An event `project` kept failing on: its stream waits until `retryParked`. */
export interface ParkedEvent {
  streamId: string;
  version: number;
  error: string;
  parkedAt: number;
}

export interface ProjectionStatus {
  name: string;
  parked: ParkedEvent[];
  /** Events applied by this process since it started (live and rebuild). */
  applied: number;
  /** How far behind the live projection was at its last applied event: now − the event's timestamp (ms). */
  lagMs?: number;
}

/** The part of a DynamoDB Streams record the projector reads (the Lambda event's shape, and the SDK's). */
export interface StreamRecordLike {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, unknown>;
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
