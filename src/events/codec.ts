import type { Table } from '../table/Table.js';
import type { EventInput, StoredEvent } from './types.js';

/** Event items live in partitions `event#<streamId>`, sorted by version. */
export const EVENT_PREFIX = 'event#';

export function eventPartition(streamId: string): string {
  return `${EVENT_PREFIX}${streamId}`;
}

/** The item's attributes besides its key. `metadata` is left out when absent. */
export function eventAttributes(
  event: EventInput & { id: string },
  timestamp: number,
): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    data: event.data ?? null,
    ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
    timestamp,
  };
}

export function toStoredEvent<E extends StoredEvent = StoredEvent>(
  table: Table,
  item: Record<string, unknown>,
): E {
  const event: StoredEvent = {
    streamId: String(item[table.partitionKeyName]).slice(EVENT_PREFIX.length),
    version: item[table.sortKeyName as string] as number,
    id: item.id as string,
    type: item.type as string,
    data: item.data,
    timestamp: item.timestamp as number,
  };
  if (item.metadata !== undefined) event.metadata = item.metadata as Record<string, unknown>;
  return event as E;
}
