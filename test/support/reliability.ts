/**
 * Helpers shared by the reliability tests: an event-store table reached through the fault proxy plus a
 * direct view of the same table for the checks (faults never touch it), and raw reads of what is stored.
 */
import { Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { type ClientOptions, createClient } from './faultProxy.js';
import { testEndpoint } from './tables.js';

export interface ProxiedTable {
  /** The table as the code under test sees it: every request goes through `url` (the proxy). */
  table: Table;
  /** The same table, straight to DynamoDB Local: for setup and checks. */
  direct: Table;
}

/**
 * Creates an event-store table (`pk` string, `sk` number) directly on the tests' DynamoDB, and returns it
 * twice: through `url` (the proxy) and direct.
 */
export async function createProxiedTable(
  url: string,
  options: { prefix?: string; client?: ClientOptions } = {},
): Promise<ProxiedTable> {
  const tableName = createTestTableName(options.prefix ?? 'rel');
  const direct = new Table({
    tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client: createClient(testEndpoint().url),
  });
  await direct.createTable({ sortKeyType: 'N' });
  const table = new Table({
    tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client: createClient(url, options.client),
  });
  return { table, direct };
}

/** Another view of an existing table, through `url` (e.g. another proxy). */
export function tableThrough(url: string, tableName: string, client?: ClientOptions): Table {
  return new Table({
    tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client: createClient(url, client),
  });
}

/** Every item of the table, read directly and consistently. */
export async function storedItems(direct: Table): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of direct.scanAll<Record<string, unknown>>({ consistentRead: true }))
    items.push(item);
  return items;
}

/** A raw event item: what the event store wrote, without going through its read path. */
export interface RawEvent {
  streamId: string;
  version: number;
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Whether a raw item is a snapshot: a `state` and a `writeId`, whether it lives in `snapshot#<id>` or in
 * its stream's own `event#<id>` partition (above the events).
 */
export function isSnapshotItem(item: Record<string, unknown>): boolean {
  return 'state' in item && 'writeId' in item;
}

/** Every event item of the table (snapshots left out), sorted by stream then version. */
export async function storedEvents(direct: Table): Promise<RawEvent[]> {
  return (await storedItems(direct))
    .filter((item) => String(item.pk).startsWith('event#') && !isSnapshotItem(item))
    .map((item) => ({
      streamId: String(item.pk).slice('event#'.length),
      version: item.sk as number,
      id: item.id as string,
      type: item.type as string,
      data: item.data as Record<string, unknown>,
    }))
    .sort((a, b) => (a.streamId === b.streamId ? a.version - b.version : a.streamId < b.streamId ? -1 : 1));
}

/** Sorted, stable JSON of all items: to compare a table before and after a call. */
export async function tableFingerprint(direct: Table): Promise<string> {
  const items = await storedItems(direct);
  return JSON.stringify(items.map(canonical).sort());
}

/** JSON with object keys sorted at every level (sets and binary spelled out). */
export function canonical(value: unknown): string {
  const normalize = (node: unknown): unknown => {
    if (node instanceof Set) return { $set: [...node].map(normalize) };
    if (node instanceof Uint8Array) return { $b: Buffer.from(node).toString('base64') };
    if (Array.isArray(node)) return node.map(normalize);
    if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(record)
          .sort()
          .map((key) => [key, normalize(record[key])]),
      );
    }
    return node;
  };
  return JSON.stringify(normalize(value));
}

/** Awaits `promise` and returns what it rejected with; fails when it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
