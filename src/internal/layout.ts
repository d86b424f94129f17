import type { StreamDeletion } from '../errors.js';

/**
 * Where the stores keep their items, on a table whose partition key is a string and whose sort key is a
 * number:
 *
 * | item        | partition key        | sort key                         |
 * | ----------- | -------------------- | -------------------------------- |
 * | event       | `event#<streamId>`   | its version: 1, 2, 3 …           |
 * | snapshot    | `event#<streamId>`   | {@link SNAPSHOT_SORT_KEY} (2^53 − 1) |
 *
 * The snapshot shares its stream's partition, at a sort key above every event, so one backward Query
 * from the top reads the snapshot and the events after it together: a cold load is one request. The
 * cost is the same read units as a GetItem of the snapshot plus a Query of the events (DynamoDB sums
 * the sizes of everything one Query reads and rounds up to 4 KB once, so it is never more). Every
 * event read keeps below the snapshot with its key condition (versions up to {@link MAX_EVENT_VERSION}),
 * and scans filter it out by sort key, so reads, `readAll`, rebuilds and projections never see it.
 */
export const EVENT_PREFIX = 'event#';

/** The sort key of a stream's snapshot: above every event version. */
export const SNAPSHOT_SORT_KEY = Number.MAX_SAFE_INTEGER;

/** The highest version an event can have: every version below the snapshot's sort key. */
export const MAX_EVENT_VERSION = SNAPSHOT_SORT_KEY - 1;

/** The partition of a stream's events and snapshot. */
export function streamPartition(streamId: string): string {
  return `${EVENT_PREFIX}${streamId}`;
}

/**
 * The deletion a deleted stream's stub or tombstone records (its `deleted` attribute: see
 * events/deleter.ts), if `item` is one. The event store and the snapshot store both meet such items.
 */
export function deletionOf(item: Record<string, unknown> | undefined): StreamDeletion | undefined {
  const deleted = item?.deleted as { at?: unknown; archivedTo?: unknown } | undefined;
  if (deleted === undefined || deleted === null) return undefined;
  return {
    at: typeof deleted.at === 'number' ? deleted.at : 0,
    ...(typeof deleted.archivedTo === 'string' ? { archivedTo: deleted.archivedTo } : {}),
  };
}
