import { expect } from 'chai';
import { ConcurrencyError, EventStore, IdempotencyError, type Table } from '../../src/index.js';
import { countRequests } from '../support/tables.js';
import {
  collect,
  createEventTable,
  loseResponses,
  numbered,
  partitionItems,
  rejects,
  storedVersions,
  uniqueId,
  versionsOf,
} from './helpers.js';

/**
 * An append whose response was lost is sent again with the same events (same ids) at the same expected
 * version: it must return what the first one stored, never a ConcurrencyError, never a duplicate.
 */
describe('EventStore.append: re-sent after success (retry safety by event id)', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('retry');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  const events = (label: string, count: number) =>
    Array.from({ length: count }, (_, index) => ({
      id: `${label}-${index + 1}`,
      type: 'Retried',
      data: { index },
      metadata: { attempt: 1 },
    }));

  for (const [path, count] of [
    ['single event (PutItem)', 1],
    ['transaction (TransactWriteItems)', 3],
  ] as const) {
    describe(path, () => {
      it('at expectedVersion 0: same result, nothing duplicated', async () => {
        const streamId = uniqueId('resend0');
        const batch = events(streamId, count);
        const first = await store.append(streamId, batch, { expectedVersion: 0 });
        const again = await store.append(streamId, batch, { expectedVersion: 0 });
        expect(again).to.deep.equal(first);
        expect(versionsOf(await collect(store.read(streamId)))).to.deep.equal(versionsOf(first.events));
      });

      it('at expectedVersion N, from a fresh store instance (another process): same result', async () => {
        const streamId = uniqueId('resendN');
        await store.append(streamId, numbered(2), { expectedVersion: 0 });
        const batch = events(streamId, count);
        const first = await store.append(streamId, batch, { expectedVersion: 2 });
        const again = await new EventStore({ table }).append(streamId, batch, { expectedVersion: 2 });
        expect(again).to.deep.equal(first);
        expect(again.version).to.equal(2 + count);
        expect(await partitionItems(table, `event#${streamId}`)).to.have.length(2 + count);
      });

      it('after other events were appended since: still the same result, and nothing added', async () => {
        const streamId = uniqueId('resend-later');
        await store.append(streamId, numbered(1), { expectedVersion: 0 });
        const batch = events(streamId, count);
        const first = await store.append(streamId, batch, { expectedVersion: 1 });
        await store.append(streamId, numbered(2), { expectedVersion: 1 + count });
        const before = await partitionItems(table, `event#${streamId}`);
        expect(before).to.have.length(3 + count);

        const again = await store.append(streamId, batch, { expectedVersion: 1 });
        expect(again).to.deep.equal(first);
        const fresh = await new EventStore({ table }).append(streamId, batch, { expectedVersion: 1 });
        expect(fresh).to.deep.equal(first);
        expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal(before);
      });

      it("with 'any', re-sent while its events are still the head: same result, nothing added", async () => {
        const streamId = uniqueId('resend-any');
        await store.append(streamId, numbered(2));
        const batch = events(streamId, count);
        const first = await store.append(streamId, batch);
        const again = await new EventStore({ table }).append(streamId, batch);
        expect(again).to.deep.equal(first);
        expect(await partitionItems(table, `event#${streamId}`)).to.have.length(2 + count);
      });

      // Issue 3: "re-sending the same events (same ids) at the same expectedVersion after they were stored
      // returns the same result, never a ConcurrencyError and never a duplicate" -- 'any' included.
      it("with 'any', re-sent after other events were appended since: same result, no duplicate", async () => {
        const streamId = uniqueId('resend-any-later');
        await store.append(streamId, numbered(1));
        const batch = events(streamId, count);
        const first = await store.append(streamId, batch);
        await new EventStore({ table }).append(streamId, numbered(1));
        const before = await partitionItems(table, `event#${streamId}`);

        const again = await store.append(streamId, batch);
        const after = await partitionItems(table, `event#${streamId}`);
        expect(after.map((item) => item.id)).to.deep.equal(before.map((item) => item.id));
        expect(again).to.deep.equal(first);
      });

      it('different events (other ids) at the taken version: ConcurrencyError, nothing written', async () => {
        const streamId = uniqueId('resend-other');
        const batch = events(streamId, count);
        await store.append(streamId, batch, { expectedVersion: 0 });
        const before = await partitionItems(table, `event#${streamId}`);
        const other = events(`${streamId}-other`, count);
        const error = await rejects(store.append(streamId, other, { expectedVersion: 0 }), ConcurrencyError);
        expect(error.streamId).to.equal(streamId);
        expect(error.expectedVersion).to.equal(0);
        expect(error.actualVersion).to.equal(undefined);
        expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal(before);
      });
    });
  }

  it('the same ids but only a prefix of the stored events: IdempotencyError (not a partial match), nothing written', async () => {
    const streamId = uniqueId('resend-prefix');
    const batch = events(streamId, 3);
    await store.append(streamId, batch, { expectedVersion: 0 });
    const before = await partitionItems(table, `event#${streamId}`);
    const error = await rejects(
      store.append(
        streamId,
        [batch[0] as (typeof batch)[number], { id: 'x', type: 'X', data: { index: 9 }, metadata: {} }],
        {
          expectedVersion: 0,
        },
      ),
      IdempotencyError,
    );
    expect(error).to.not.be.instanceOf(ConcurrencyError);
    expect(error.code).to.equal('events.idempotency');
    expect(error.streamId).to.equal(streamId);
    expect(error.message).to.include('Nothing was written');
    expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal(before);
  });

  it('a re-sent single event costs the failed PutItem and one confirming Query', async () => {
    const streamId = uniqueId('resend-cost');
    const batch = events(streamId, 1);
    await store.append(streamId, batch, { expectedVersion: 0 });
    const requests = countRequests(table.client);
    try {
      await store.append(streamId, batch, { expectedVersion: 0 });
      expect(requests.counts).to.deep.equal({ PutItemCommand: 1, QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });
});

/** The same, with the loss happening for real between DynamoDB and the client. */
describe('EventStore.append: a response lost after the write', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('lost');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('single event: the SDK re-sends the PutItem, which fails on our own item; recognised, stored once', async () => {
    const streamId = uniqueId('lost-put');
    const stop = loseResponses(table, 'PutItemCommand');
    const requests = countRequests(table.client);
    let result: Awaited<ReturnType<EventStore['append']>>;
    try {
      result = await store.append(streamId, [{ type: 'Once', data: { n: 1 } }], { expectedVersion: 0 });
      expect(requests.counts).to.deep.equal({ PutItemCommand: 2, QueryCommand: 1 });
    } finally {
      stop();
      requests.detach();
    }
    expect(result.version).to.equal(1);
    expect(await collect(store.read(streamId))).to.deep.equal(result.events);
  });

  it("'any', single event: recognised by id, stored once", async () => {
    const streamId = uniqueId('lost-any');
    await store.append(streamId, numbered(2));
    const stop = loseResponses(table, 'PutItemCommand');
    try {
      const result = await store.append(streamId, [{ type: 'Once', data: { n: 3 } }]);
      expect(result.version).to.equal(3);
    } finally {
      stop();
    }
    expect(versionsOf(await collect(store.read(streamId)))).to.deep.equal([1, 2, 3]);
  });

  it('transaction: the SDK re-sends the TransactWriteItems; stored once, same result', async () => {
    const streamId = uniqueId('lost-tx');
    await store.append(streamId, numbered(1), { expectedVersion: 0 });
    const stop = loseResponses(table, 'TransactWriteItemsCommand');
    const requests = countRequests(table.client);
    let result: Awaited<ReturnType<EventStore['append']>>;
    try {
      result = await store.append(streamId, numbered(3), { expectedVersion: 1 });
      expect(requests.counts.TransactWriteItemsCommand).to.equal(2);
    } finally {
      stop();
      requests.detach();
    }
    expect(result.version).to.equal(4);
    const stored = await collect(store.read(streamId));
    expect(versionsOf(stored)).to.deep.equal([1, 2, 3, 4]);
    expect(stored.slice(1)).to.deep.equal(result.events);
  });

  it('appendMany across streams: stored once in each', async () => {
    const a = uniqueId('lost-many-a');
    const b = uniqueId('lost-many-b');
    const stop = loseResponses(table, 'TransactWriteItemsCommand');
    try {
      const results = await store.appendMany([
        { streamId: a, events: numbered(1), expectedVersion: 0 },
        { streamId: b, events: numbered(2) },
      ]);
      expect(results.map((result) => result.version)).to.deep.equal([1, 2]);
    } finally {
      stop();
    }
    expect(await storedVersions(table, a)).to.deep.equal([1]);
    expect(await storedVersions(table, b)).to.deep.equal([1, 2]);
  });

  for (const [path, count, command] of [
    ['single event', 1, 'PutItemCommand'],
    ['transaction', 2, 'TransactWriteItemsCommand'],
  ] as const) {
    it(`${path}: the call fails after the write; the caller's re-send returns what was stored`, async () => {
      const streamId = uniqueId('lost-caller');
      const batch = numbered(count).map((event, index) => ({ ...event, id: `${streamId}-${index}` }));
      const stop = loseResponses(table, command, { retryable: false });
      let failure: unknown;
      try {
        await store.append(streamId, batch, { expectedVersion: 0 });
      } catch (error) {
        failure = error;
      } finally {
        stop();
      }
      expect(failure, 'the first call must fail').to.be.instanceOf(Error);
      expect(await storedVersions(table, streamId)).to.deep.equal(count === 1 ? [1] : [1, 2]);
      const again = await store.append(streamId, batch, { expectedVersion: 0 });
      expect(again.version).to.equal(count);
      expect(again.events.map((event) => event.id)).to.deep.equal(batch.map((event) => event.id));
      expect(await collect(store.read(streamId))).to.deep.equal(again.events);
    });
  }
});
