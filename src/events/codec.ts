import { StreamDeletedError } from '../errors.js';
import { deletionOf, EVENT_PREFIX, streamPartition } from '../internal/layout.js';
import type { Table } from '../table/Table.js';
import { categoryOf } from './category.js';
import { CATEGORY_ATTRIBUTE } from './categoryIndex.js';
import type { EventInput, StoredEvent } from './types.js';

/** Event items live in partitions `event#<streamId>`, sorted by version (see internal/layout). */
export { deletionOf, EVENT_PREFIX };

export const eventPartition = streamPartition;

/** An event ready to write: its id chosen, and the digest of what it says when the caller gave the id. */
export type PreparedEvent = EventInput & { id: string; digest?: string; schemaVersion?: number };

/**
 * The item's attributes besides its key. `data`, `metadata`, `digest` and `commandId` are left out when
 * undefined (so `data: undefined` reads back as undefined, and `null` as null);
 * a stream's first event (`version` 1) carries its category, which puts the stream in the category index.
 */
export function eventAttributes(
  event: PreparedEvent,
  timestamp: number,
  commandId?: string,
  firstOf?: string,
): Record<string, unknown> {
  return {
    ...(firstOf !== undefined ? { [CATEGORY_ATTRIBUTE]: categoryOf(firstOf) } : {}),
    id: event.id,
    type: event.type,
    ...(event.data !== undefined ? { data: event.data } : {}),
    ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
    timestamp,
    ...(event.schemaVersion !== undefined && event.schemaVersion !== 1
      ? { schemaVersion: event.schemaVersion }
      : {}),
    ...(event.digest !== undefined ? { digest: event.digest } : {}),
    ...(commandId !== undefined ? { commandId } : {}),
  };
}

/** What reads do to each event after building it: bring its data up to date (see EventRegistry). */
export type Upcast = <E extends StoredEvent>(event: E) => E;

export function toStoredEvent<E extends StoredEvent = StoredEvent>(
  table: Table,
  item: Record<string, unknown>,
  upcast?: Upcast,
): E {
  const streamId = String(item[table.partitionKeyName]).slice(EVENT_PREFIX.length);
  const event = buildEvent<E>(streamId, categoryOf(streamId), table.sortKeyName as string, item);
  return upcast === undefined ? event : upcast(event);
}

/**
 * {@link toStoredEvent} for the items of one stream: the stream id and category are worked out once,
 * not once per event (a replay of 100 000 events spends its client time here).
 */
export function streamEventReader<E extends StoredEvent = StoredEvent>(
  table: Table,
  streamId: string,
  upcast?: Upcast,
): (item: Record<string, unknown>) => E {
  const category = categoryOf(streamId);
  const sortKey = table.sortKeyName as string;
  if (upcast === undefined) return (item) => buildEvent<E>(streamId, category, sortKey, item);
  return (item) => upcast(buildEvent<E>(streamId, category, sortKey, item));
}

/** The event an item holds (the item's version under `sortKey`); its data as stored, not upcast. */
export function buildEvent<E extends StoredEvent>(
  streamId: string,
  category: string,
  sortKey: string,
  item: Record<string, unknown>,
): E {
  // A deleted stream's items are stubs that keep its versions taken (see deleter.ts): never an event.
  if (item.deleted !== undefined) throw new StreamDeletedError(streamId, deletionOf(item));
  const event: StoredEvent = {
    streamId,
    category,
    version: item[sortKey] as number,
    id: item.id as string,
    type: item.type as string,
    data: item.data,
    timestamp: item.timestamp as number,
    schemaVersion: (item.schemaVersion as number | undefined) ?? 1,
  };
  if (item.metadata !== undefined) event.metadata = item.metadata as Record<string, unknown>;
  if (item.commandId !== undefined) event.commandId = item.commandId as string;
  return event as E;
}
