import { unmarshall } from '@aws-sdk/util-dynamodb';
import { categoryOf } from '../events/category.js';
import { buildEvent } from '../events/codec.js';
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
  const item = unmarshall(repairEmptyMaps(image as Record<string, unknown>) as never) as Record<
    string,
    unknown
  >;
  const pk = item[partitionKeyName];
  const version = item[sortKeyName];
  if (typeof pk !== 'string' || !pk.startsWith(EVENT_PREFIX)) return undefined;
  if (typeof version !== 'number' || version < 1 || version > MAX_EVENT_VERSION) return undefined;
  if (item.deleted !== undefined) return undefined; // a deleted stream's stub or tombstone: see deletionOfRecord
  const streamId = pk.slice(EVENT_PREFIX.length);
  return buildEvent(streamId, categoryOf(streamId), sortKeyName, item);
}

/**
 * The deletion a stream record announces: the INSERT of a deleted stream's tombstone (see
 * events/deleter.ts), with the stream's last version; undefined for anything else.
 */
export function deletionOfRecord(
  record: StreamRecordLike,
  partitionKeyName: string,
): { streamId: string; category: string; version: number } | undefined {
  if (record.eventName !== undefined && record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage as
    | Record<string, { M?: Record<string, { N?: string }> }>
    | undefined;
  const lastVersion = image?.deleted?.M?.lastVersion?.N;
  const pk = record.dynamodb?.Keys?.[partitionKeyName]?.S;
  if (lastVersion === undefined || typeof pk !== 'string' || !pk.startsWith(EVENT_PREFIX)) return undefined;
  const streamId = pk.slice(EVENT_PREFIX.length);
  return { streamId, category: categoryOf(streamId), version: Number(lastVersion) };
}

/**
 * DynamoDB Local writes an empty map in a stream record as `{}` instead of `{ "M": {} }`, and
 * `unmarshall` then fails with "No value defined". Real DynamoDB does not; an attribute value with no
 * type key can only be that empty map, so it is read as one. `image` is a map of attribute names to
 * attribute values (a record's NewImage, or the inside of an `M`).
 */
export function repairEmptyMaps(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repairValue(value)]));
}

function repairValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const attribute = value as Record<string, unknown>;
  const keys = Object.keys(attribute);
  if (keys.length === 0) return { M: {} };
  if (attribute.M !== undefined && typeof attribute.M === 'object' && attribute.M !== null) {
    return { M: repairEmptyMaps(attribute.M as Record<string, unknown>) };
  }
  if (Array.isArray(attribute.L)) return { L: attribute.L.map(repairValue) };
  return value;
}
