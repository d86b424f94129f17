/**
 * Helpers shared by the event store, snapshot store and aggregate repository tests: an event table on
 * DynamoDB Local, raw reads that bypass the stores (to prove what was, or was not, written), and
 * assertions on rejections.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { type StoredEvent, Table } from '../../src/index.js';
import { collect, type ErrorClass } from '../support/helpers.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

/** A UUID v7 (version nibble 7, RFC 4122 variant), lower case as the `uuid` package writes it. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A table shaped for the stores: partition key `pk` (string), sort key `sk` (number). */
export function createEventTable(prefix: string): Promise<Table> {
  return createTestTable({ sortKeyType: 'N', prefix });
}

/** A stream id no other test uses: `label-<8 hex>`. */
export function uniqueId(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

// The shared assertions, re-exported for the files that import them from here.
export { collect, rejects } from '../support/helpers.js';

/** Drains `iterable`, asserts it throws an instance of `type`, and returns the error and what came first. */
export async function rejectsWhileIterating<E extends Error, T>(
  iterable: AsyncIterable<T>,
  type: ErrorClass<E>,
): Promise<{ error: E; before: T[] }> {
  const before: T[] = [];
  let error: unknown;
  try {
    for await (const item of iterable) before.push(item);
  } catch (err) {
    error = err;
  }
  expect(error, `expected iteration to throw ${type.name}, got ${String(error)}`).to.be.instanceOf(type);
  return { error: error as E, before };
}

/** Every item of one partition, straight from the table (consistent, in sort-key order). */
export function partitionItems(table: Table, pk: string): Promise<Record<string, unknown>[]> {
  return collect(
    table.queryAll<Record<string, unknown>>(
      '#pk = :pk',
      { ':pk': pk },
      { names: { '#pk': table.partitionKeyName }, consistentRead: true },
    ),
  );
}

/** The versions stored for a stream, straight from the table. */
export async function storedVersions(table: Table, streamId: string): Promise<number[]> {
  return (await partitionItems(table, `event#${streamId}`))
    .map((item) => item.sk as number)
    .filter((version) => version < Number.MAX_SAFE_INTEGER); // the snapshot item lives above the events
}

/** Every item of the table, straight from a consistent scan. */
export function allItems(table: Table): Promise<Record<string, unknown>[]> {
  return collect(table.scanAll<Record<string, unknown>>({ consistentRead: true }));
}

/**
 * Writes an event item directly through the table, bypassing the event store: how a gap or a
 * foreign item gets into a stream.
 */
export function putRawEvent(
  table: Table,
  streamId: string,
  version: number,
  type = 'Raw',
  data: unknown = {},
): Promise<unknown> {
  return table.putItem(`event#${streamId}`, version, {
    id: `raw-${streamId}-${version}`,
    type,
    data,
    timestamp: Date.now(),
  });
}

/** `[{ type, data: { n } }, …]` for n = 1..count. */
export function numbered(count: number, type = 'Counted'): { type: string; data: { n: number } }[] {
  return Array.from({ length: count }, (_, index) => ({ type, data: { n: index + 1 } }));
}

/** The versions of some events, in the order given. */
export function versionsOf(events: StoredEvent[]): number[] {
  return events.map((event) => event.version);
}

/** 1..n */
export function range(from: number, to: number): number[] {
  const step = from <= to ? 1 : -1;
  const values: number[] = [];
  for (let value = from; step > 0 ? value <= to : value >= to; value += step) values.push(value);
  return values;
}

/** A second Table object (its own SDK client) on the same DynamoDB table: another process, in effect. */
export function otherClient(table: Table): Table {
  const endpoint = testEndpoint();
  return new Table({
    tableName: table.tableName,
    partitionKeyName: table.partitionKeyName,
    ...(table.sortKeyName !== undefined ? { sortKeyName: table.sortKeyName } : {}),
    region: endpoint.region,
    endpoint: {
      url: endpoint.url,
      accessKeyId: endpoint.accessKeyId,
      secretAccessKey: endpoint.secretAccessKey,
    },
  });
}

interface UntypedStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'high' },
  ): void;
  remove(name: string): boolean;
}

let interleaveSequence = 0;

/**
 * Runs `action` right before the next `times` requests named `commandName` (e.g. `PutItemCommand`)
 * that `table`'s client sends: a deterministic way to let "another writer" in between a read and a
 * write. `action` should use another client (see {@link otherClient}). Returns a function that stops it.
 */
export function interleave(
  table: Table,
  commandName: string,
  action: () => Promise<unknown>,
  times = 1,
): () => void {
  const name = `dynagoTestInterleave${++interleaveSequence}`;
  const stack = table.client.middlewareStack as unknown as UntypedStack;
  let left = times;
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName && left > 0) {
        left--;
        await action();
      }
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return () => {
    stack.remove(name);
  };
}

interface UntypedFinalizeStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'finalizeRequest'; name: string; priority: 'low' },
  ): void;
  remove(name: string): boolean;
}

/**
 * Lets the next `times` `commandName` requests of `table`'s client reach DynamoDB and be applied, then
 * throws away the response and fails the attempt as a lost connection would: the write happened, the
 * caller never hears of it. Placed below the SDK's retry middleware, so with `retryable` (default) the
 * SDK sends the same request again, as it does after a real timeout; with `retryable: false` the call
 * fails. Returns a function that stops it.
 */
export function loseResponses(
  table: Table,
  commandName: string,
  options: { times?: number; retryable?: boolean } = {},
): () => void {
  const name = `dynagoTestLoseResponse${++interleaveSequence}`;
  const stack = table.client.middlewareStack as unknown as UntypedFinalizeStack;
  let left = options.times ?? 1;
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === commandName && left > 0) {
        left--;
        const lost = new Error('socket hang up (test: the response was lost after the write)');
        if (options.retryable === false) {
          throw Object.assign(lost, { name: 'ResponseLostError', $metadata: {} });
        }
        throw Object.assign(lost, { name: 'TimeoutError', code: 'ECONNRESET', $metadata: {} });
      }
      return result;
    },
    { step: 'finalizeRequest', name, priority: 'low' },
  );
  return () => {
    stack.remove(name);
  };
}
