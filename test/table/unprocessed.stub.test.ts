/**
 * Paths DynamoDB Local cannot produce: UnprocessedKeys / UnprocessedItems and throttling. The Table gets
 * a document client whose middleware (stubbed SDK) sits in front of DynamoDB Local: it forwards part of
 * each batch request to DynamoDB Local and reports the rest as unprocessed, or throws DynamoDB's
 * throttling exception. Everything that does get through is real, so what was written is read back.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { BatchIncompleteError, DynamoDBUnavailableError, Table } from '../../src/index.js';
import { pad, rejects } from '../support/helpers.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
/** Handles one request: may call `forward` (DynamoDB Local) with a changed input, and returns the output. */
type Handler = (input: Input, forward: (input: Input) => Promise<Output>, call: number) => Promise<Output>;

interface Stub {
  table: Table;
  /** The inputs of every intercepted request, per command name (e.g. BatchGetItemCommand). */
  calls: Record<string, Input[]>;
  destroy(): void;
}

type StackMiddleware = (
  next: (args: { input: Input }) => Promise<{ output: Output }>,
  context: { commandName?: string },
) => (args: { input: Input }) => Promise<{ output: Output; response?: unknown }>;

/** A Table on the same DynamoDB table as `real`, whose requests of the given commands go through `handlers`. */
function stubbedTable(
  real: Table,
  handlers: Record<string, Handler>,
  batchRetry: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number } = {},
): Stub {
  const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
  const base = new DynamoDBClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey } });
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const calls: Record<string, Input[]> = {};
  const stack = client.middlewareStack as unknown as {
    add(middleware: StackMiddleware, options: { step: 'initialize'; priority: 'high'; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      const handler = handlers[name];
      if (!handler) return next(args);
      calls[name] ??= [];
      const list = calls[name];
      list.push(structuredClone(args.input));
      const forward = async (input: Input) => (await next({ ...args, input })).output;
      return { output: await handler(args.input, forward, list.length) };
    },
    { step: 'initialize', priority: 'high', name: 'stubbedSdk' },
  );
  const table = new Table({
    tableName: real.tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client,
    batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, ...batchRetry },
  });
  return { table, calls, destroy: () => base.destroy() };
}

type Key = {
  pk: string;
  sk: string;
};
type WriteRequest = { PutRequest: { Item: Input } } | { DeleteRequest: { Key: Input } };

const keysOf = (input: Input, tableName: string) =>
  (input.RequestItems as Record<string, { Keys: Key[] }>)[tableName]?.Keys ?? [];
const writesOf = (input: Input, tableName: string) =>
  (input.RequestItems as Record<string, WriteRequest[]>)[tableName] ?? [];
const keyOfWrite = (request: WriteRequest) =>
  ('PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key) as unknown as Key;

/** BatchGetItem that reads `read(keys)` from DynamoDB Local and reports the other keys unprocessed. */
function partialBatchGet(tableName: string, read: (keys: Key[], call: number) => Key[]): Handler {
  return async (input, forward, call) => {
    const keys = keysOf(input, tableName);
    const sent = read(keys, call);
    const withheld = keys.filter((key) => !sent.includes(key));
    const output = sent.length
      ? await forward({
          RequestItems: {
            [tableName]: { ...(input.RequestItems as Record<string, object>)[tableName], Keys: sent },
          },
        })
      : { Responses: { [tableName]: [] } };
    return { ...output, UnprocessedKeys: withheld.length ? { [tableName]: { Keys: withheld } } : {} };
  };
}

/** BatchWriteItem that writes `write(requests)` to DynamoDB Local and reports the others unprocessed. */
function partialBatchWrite(
  tableName: string,
  write: (requests: WriteRequest[], call: number) => WriteRequest[],
): Handler {
  return async (input, forward, call) => {
    const requests = writesOf(input, tableName);
    const sent = write(requests, call);
    const withheld = requests.filter((request) => !sent.includes(request));
    const output = sent.length ? await forward({ RequestItems: { [tableName]: sent } }) : {};
    return { ...output, UnprocessedItems: withheld.length ? { [tableName]: withheld } : {} };
  };
}

const stubborn = (key: Key) => key.pk.startsWith('stubborn');

describe('Table batch retries of unprocessed keys and items (stubbed SDK)', () => {
  let real: Table;
  const stored = Array.from({ length: 150 }, (_, n) => ({ pk: `item#${pad(n)}`, sk: 'v', n }));
  const stubbornItems = [
    { pk: 'stubborn#1', sk: 'v', n: -1 },
    { pk: 'stubborn#2', sk: 'v', n: -2 },
  ];

  before(async () => {
    real = await createTestTable({ prefix: 'unprocessed' });
    await real.batchWriteItems([...stored, ...stubbornItems]);
  });

  after(async () => {
    await real.deleteTable();
  });

  describe('batchGetItems (stubbed SDK)', () => {
    it('retries the unprocessed keys, and only them, then returns every item in request order (stubbed SDK)', async () => {
      const stub = stubbedTable(real, {
        // The first request of each of the two chunks reads only its first half; retries read everything.
        BatchGetItemCommand: partialBatchGet(real.tableName, (keys, call) =>
          call <= 2 ? keys.slice(0, Math.ceil(keys.length / 2)) : keys,
        ),
      });
      try {
        // A permutation of 0 … 149 (7 and 150 are coprime), so request order is not sort order.
        const keys = Array.from({ length: 150 }, (_, i) => ({
          pk: `item#${pad((i * 7 + 3) % 150)}`,
          sk: 'v',
        }));
        const items = await stub.table.batchGetItems(keys);
        expect(items.map((item) => item.pk)).to.deep.equal(keys.map((key) => key.pk));
        expect(items[0]).to.deep.equal({ pk: 'item#0003', sk: 'v', n: 3 });
        const calls = (stub.calls.BatchGetItemCommand ?? []).map((input) => keysOf(input, real.tableName));
        expect(calls.map((sent) => sent.length)).to.have.members([100, 50, 50, 25]);
        const withheld = calls.slice(0, 2).flatMap((sent) => sent.slice(Math.ceil(sent.length / 2)));
        expect(calls.slice(2).flat()).to.have.deep.members(withheld);
      } finally {
        stub.destroy();
      }
    });

    it('gives up after maxAttempts with BatchIncompleteError listing exactly the keys never read (stubbed SDK)', async () => {
      const stub = stubbedTable(real, {
        BatchGetItemCommand: partialBatchGet(real.tableName, (keys) => keys.filter((key) => !stubborn(key))),
      });
      try {
        const keys = [
          { pk: 'item#0001', sk: 'v' },
          { pk: 'stubborn#2', sk: 'v' },
          { pk: 'item#0002', sk: 'v' },
          { pk: 'stubborn#1', sk: 'v' },
          { pk: 'item#0404', sk: 'v' },
        ];
        const error = await rejects(stub.table.batchGetItems(keys), BatchIncompleteError);
        expect(error.code).to.equal('batch.incomplete');
        expect(error.retryable).to.equal(true);
        expect(error.unprocessed).to.have.deep.members([
          { pk: 'stubborn#2', sk: 'v' },
          { pk: 'stubborn#1', sk: 'v' },
        ]);
        expect(error.unprocessed).to.have.length(2);
        expect(error.message).to.contain('2 of 5 keys were still unprocessed after 3 attempts');
        const calls = (stub.calls.BatchGetItemCommand ?? []).map((input) => keysOf(input, real.tableName));
        expect(calls.map((sent) => sent.length)).to.deep.equal([5, 2, 2]);
      } finally {
        stub.destroy();
      }
    });

    it('throttling of the whole request becomes DynamoDBUnavailableError, retryable (stubbed SDK)', async () => {
      const throttled = new ProvisionedThroughputExceededException({
        message: 'Rate exceeded',
        $metadata: {},
      });
      const stub = stubbedTable(real, {
        BatchGetItemCommand: async () => {
          throw throttled;
        },
        GetItemCommand: async () => {
          throw throttled;
        },
      });
      try {
        for (const call of [
          () => stub.table.batchGetItems([{ pk: 'item#0001', sk: 'v' }]),
          () => stub.table.getItem('item#0001', 'v'),
        ]) {
          const error = await rejects(call(), DynamoDBUnavailableError);
          expect(error.code).to.equal('dynamodb.unavailable');
          expect(error.retryable).to.equal(true);
          expect(error.cause).to.equal(throttled);
          expect(error.message).to.contain('ProvisionedThroughputExceededException');
        }
      } finally {
        stub.destroy();
      }
    });
  });

  describe('batchWriteItems and batchDeleteItems (stubbed SDK)', () => {
    const readBack = (keys: Key[]) => real.batchGetItems(keys, { consistentRead: true });

    it('retries unprocessed items until all 60 are written (stubbed SDK)', async () => {
      const stub = stubbedTable(real, {
        // Each of the 3 first requests writes all but its last 5 items.
        BatchWriteItemCommand: partialBatchWrite(real.tableName, (requests, call) =>
          call <= 3 ? requests.slice(0, -5) : requests,
        ),
      });
      const items = Array.from({ length: 60 }, (_, n) => ({ pk: 'w60', sk: pad(n), n }));
      try {
        await stub.table.batchWriteItems(items);
        const calls = (stub.calls.BatchWriteItemCommand ?? []).map((input) =>
          writesOf(input, real.tableName),
        );
        expect(calls.map((sent) => sent.length)).to.have.members([25, 25, 10, 5, 5, 5]);
      } finally {
        stub.destroy();
      }
      expect((await real.query('pk = :pk', { ':pk': 'w60' }, { consistentRead: true })).items).to.deep.equal(
        items,
      );
    });

    it('never drops items: BatchIncompleteError lists exactly the items never written; the rest are written (stubbed SDK)', async () => {
      const stub = stubbedTable(real, {
        BatchWriteItemCommand: partialBatchWrite(real.tableName, (requests) =>
          requests.filter((request) => !stubborn(keyOfWrite(request))),
        ),
      });
      const ok = Array.from({ length: 28 }, (_, n) => ({ pk: `fine#${pad(n)}`, sk: 'v', n }));
      const blocked = [
        { pk: 'stubborn#w1', sk: 'v', payload: { deep: [1, 2] } },
        { pk: 'stubborn#w2', sk: 'v', tags: new Set(['a']) },
      ];
      try {
        const error = await rejects(
          stub.table.batchWriteItems([
            ...ok.slice(0, 10),
            blocked[0],
            ...ok.slice(10),
            blocked[1],
          ] as Input[]),
          BatchIncompleteError,
        );
        expect(error.unprocessed).to.have.deep.members(blocked);
        expect(error.unprocessed).to.have.length(2);
        expect(error.message).to.contain('28 of 30 writes were written, 2 were not');
        expect(error.message).to.contain('still unprocessed after 3 attempts');
        expect(error.written).to.equal(28);
        const calls = (stub.calls.BatchWriteItemCommand ?? []).map((input) =>
          writesOf(input, real.tableName),
        );
        expect(calls.map((sent) => sent.length)).to.have.members([25, 5, 1, 1, 1, 1]);
      } finally {
        stub.destroy();
      }
      expect(await readBack(ok)).to.deep.equal(ok);
      expect(await readBack(blocked)).to.deep.equal([]);
    });

    it('batchDeleteItems reports the keys never deleted; the others are deleted (stubbed SDK)', async () => {
      const doomed = Array.from({ length: 5 }, (_, n) => ({ pk: `doomed#${n}`, sk: 'v' }));
      await real.batchWriteItems(doomed);
      const stub = stubbedTable(real, {
        BatchWriteItemCommand: partialBatchWrite(real.tableName, (requests) =>
          requests.filter((request) => !stubborn(keyOfWrite(request))),
        ),
      });
      try {
        const error = await rejects(
          stub.table.batchDeleteItems([...doomed, { pk: 'stubborn#1', sk: 'v' }]),
          BatchIncompleteError,
        );
        expect(error.unprocessed).to.deep.equal([{ pk: 'stubborn#1', sk: 'v' }]);
        expect(error.message).to.contain('batchDeleteItems: 5 of 6 writes were written, 1 were not');
      } finally {
        stub.destroy();
      }
      expect(await readBack(doomed)).to.deep.equal([]);
      expect(await real.getItem('stubborn#1', 'v', { consistentRead: true })).to.deep.equal(stubbornItems[0]);
    });

    it('aborting while waiting to retry stops at once with an AbortError, sending no retry (stubbed SDK)', async () => {
      const controller = new AbortController();
      const stub = stubbedTable(
        real,
        {
          BatchWriteItemCommand: async (input) => {
            setTimeout(() => controller.abort(), 0); // fires while the library sleeps before its retry
            return { UnprocessedItems: { [real.tableName]: writesOf(input, real.tableName) } };
          },
        },
        { maxAttempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
      );
      try {
        const error = await rejects(
          stub.table.batchWriteItems([{ pk: 'abort#1', sk: 'v' }], { signal: controller.signal }),
          Error,
        );
        expect(error.name).to.equal('AbortError');
        expect(stub.calls.BatchWriteItemCommand).to.have.length(1);
      } finally {
        stub.destroy();
      }
      expect(await real.getItem('abort#1', 'v', { consistentRead: true })).to.equal(undefined);
    });
  });

  describe('a failed batch write request (stubbed SDK)', () => {
    const readBack = (keys: Key[]) => real.batchGetItems(keys, { consistentRead: true });
    const serverError = () => new InternalServerError({ message: 'Internal server error', $metadata: {} });

    it('stops sending, waits for the requests in flight, and lists exactly the items not written (stubbed SDK)', async () => {
      // 250 items = 10 requests, 4 at a time. The second request fails after 5 ms; the others take 30 ms.
      const stub = stubbedTable(real, {
        BatchWriteItemCommand: async (input, forward, call) => {
          if (call === 2) {
            await delay(5);
            throw serverError();
          }
          await delay(30);
          return forward(input);
        },
      });
      const items = Array.from({ length: 250 }, (_, n) => ({ pk: 'fail250', sk: pad(n), n }));
      let error: BatchIncompleteError;
      let sent: Key[][];
      try {
        error = await rejects(stub.table.batchWriteItems(items), BatchIncompleteError);
        const requestsAtRejection = stub.calls.BatchWriteItemCommand?.length;
        await delay(100);
        expect(stub.calls.BatchWriteItemCommand, 'no request after the rejection').to.have.length(
          requestsAtRejection ?? -1,
        );
        sent = (stub.calls.BatchWriteItemCommand ?? []).map((input) =>
          writesOf(input, real.tableName).map(keyOfWrite),
        );
      } finally {
        stub.destroy();
      }
      expect(sent.map((keys) => keys.length)).to.deep.equal([25, 25, 25, 25]);
      const writtenKeys = new Set([0, 2, 3].flatMap((call) => sent[call] ?? []).map((key) => key.sk));
      const written = items.filter((item) => writtenKeys.has(item.sk));
      const notWritten = items.filter((item) => !writtenKeys.has(item.sk));
      expect(error.code).to.equal('batch.incomplete');
      expect(error.written).to.equal(75);
      expect(error.unprocessed).to.have.length(175);
      expect(error.unprocessed).to.have.deep.members(notWritten);
      expect(error.notWritten).to.equal(error.unprocessed);
      expect(error.cause).to.be.instanceOf(DynamoDBUnavailableError);
      expect(error.message).to.contain('batchWriteItems: 75 of 250 writes were written, 175 were not');
      expect(error.message).to.contain('a request failed');
      // What the error says is what the table holds.
      expect(await readBack(written)).to.deep.equal(written);
      expect(await readBack(notWritten)).to.deep.equal([]);
    });

    it('sends no retry of unprocessed items once another request failed (stubbed SDK)', async () => {
      // Two requests: the first writes 10 of its 25 and waits (a long backoff) to retry 15; the second fails.
      const stub = stubbedTable(
        real,
        {
          BatchWriteItemCommand: async (input, forward, call) => {
            if (call === 2) {
              await delay(20);
              throw serverError();
            }
            const requests = writesOf(input, real.tableName);
            await forward({ RequestItems: { [real.tableName]: requests.slice(0, 10) } });
            return { UnprocessedItems: { [real.tableName]: requests.slice(10) } };
          },
        },
        { maxAttempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
      );
      const items = Array.from({ length: 50 }, (_, n) => ({ pk: 'fail50', sk: pad(n), n }));
      try {
        const error = await rejects(stub.table.batchDeleteItems(items), BatchIncompleteError);
        expect(stub.calls.BatchWriteItemCommand).to.have.length(2);
        expect(error.written).to.equal(10);
        expect(error.unprocessed).to.have.length(40);
        expect(error.message).to.contain('batchDeleteItems: 10 of 50 writes were written, 40 were not');
      } finally {
        stub.destroy();
      }
    });

    it("when nothing was written, the failed request's own error is thrown (stubbed SDK)", async () => {
      const stub = stubbedTable(real, {
        BatchWriteItemCommand: async () => {
          throw serverError();
        },
      });
      try {
        await rejects(stub.table.batchWriteItems([{ pk: 'fail1', sk: 'v' }]), DynamoDBUnavailableError);
      } finally {
        stub.destroy();
      }
    });
  });
});
