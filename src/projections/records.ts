import { unmarshall } from '@aws-sdk/util-dynamodb';
import { categoryOf } from '../events/category.js';
import type { StoredEvent } from '../events/types.js';
import { EVENT_PREFIX, MAX_EVENT_VERSION } from '../internal/layout.js';
import type { StreamRecordLike } from './types.js';

/**
 * The event a DynamoDB Streams record carries, or undefined for anything else in the table: snapshots
 * (they sit above the events in a stream's partition), checkpoints, parked entries, items of other
 * prefixes, and removals. Only INSERTs of event items are events: events are never updated or deleted.
 */
export function eventOfRecord(
  record: StreamRecordLike,
  partitionKeyName: string,
  sortKeyName: string,
): StoredEvent | undefined {
  if (record.eventName !== undefined && record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (image === undefined) return undefined;
  const item = unmarshall(repairEmptyMaps(image) as never) as Record<string, unknown>;
  const pk = item[partitionKeyName];
  const version = item[sortKeyName];
  if (typeof pk !== 'string' || !pk.startsWith(EVENT_PREFIX)) return undefined;
  if (typeof version !== 'number' || version < 1 || version > MAX_EVENT_VERSION) return undefined;
  const streamId = pk.slice(EVENT_PREFIX.length);
  const event: StoredEvent = {
    streamId,
    category: categoryOf(streamId),
    version,
    id: item.id as string,
    type: item.type as string,
    data: item.data,
    timestamp: item.timestamp as number,
  };
  if (item.metadata !== undefined) event.metadata = item.metadata as Record<string, unknown>;
  if (item.commandId !== undefined) event.commandId = item.commandId as string;
  return event;
}

/**
 * DynamoDB Local writes an empty map in a stream record as `{}` instead of `{ "M": {} }`, and
 * `unmarshall` then fails with "No value defined". Real DynamoDB does not; an attribute value that is an
 * object with no type key can only be that empty map, so it is read as one.
 */
export function repairEmptyMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(repairEmptyMaps);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return { M: {} };
  return Object.fromEntries(
    entries.map(([key, inner]) => [
      key,
      key === 'M' || key === 'L' || !isTypeKey(key) ? repairEmptyMaps(inner) : inner,
    ]),
  );
}

function isTypeKey(key: string): boolean {
  return ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'].includes(key);
}
