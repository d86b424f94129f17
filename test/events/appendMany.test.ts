import { expect } from 'chai';
import {
  ConcurrencyError,
  DynagoError,
  EventStore,
  MAX_EVENTS_PER_APPEND,
  type Table,
  TransactionLimitError,
  ValidationError,
} from '../../src/index.js';
import { countRequests } from '../support/tables.js';
import {
  allItems,
  collect,
  createEventTable,
  interleave,
  numbered,
  otherClient,
  range,
  rejects,
  storedVersions,
  uniqueId,
  versionsOf,
} from './helpers.js';

describe('EventStore.appendMany and the transaction limit', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('many');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('appends to several streams in one TransactWriteItems and returns each stream’s result', async () => {
    const from = uniqueId('from');
    const to = uniqueId('to');
    const third = uniqueId('third');
    const fromHead = await store.append(from, numbered(2), { expectedVersion: 0 });
    const toHead = await store.append(to, numbered(1), { expectedVersion: 0 });
    const requests = countRequests(table.client);
    let results: Awaited<ReturnType<EventStore['appendMany']>>;
    try {
      // tokens prove the versions: no GetItem before the transaction
      results = await store.appendMany([
        {
          streamId: from,
          events: [{ type: 'TransferredOut', data: { amount: 5, to } }],
          expectedVersion: fromHead.token,
        },
        {
          streamId: to,
          events: [{ type: 'TransferredIn', data: { amount: 5, from } }],
          expectedVersion: toHead.token,
        },
        { streamId: third, events: numbered(2), expectedVersion: 0 },
      ]);
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
    expect(results.map((result) => [result.streamId, result.version])).to.deep.equal([
      [from, 3],
      [to, 2],
      [third, 2],
    ]);
    expect(results.map((result) => result.token)).to.deep.equal([
      { streamId: from, version: 3 },
      { streamId: to, version: 2 },
      { streamId: third, version: 2 },
    ]);
    expect(results[0]?.events.map((event) => [event.streamId, event.version, event.type])).to.deep.equal([
      [from, 3, 'TransferredOut'],
    ]);
    expect(versionsOf(results[2]?.events ?? [])).to.deep.equal([1, 2]);
    const timestamps = new Set(results.flatMap((result) => result.events.map((event) => event.timestamp)));
    expect(timestamps.size).to.equal(1);
    expect((await collect(store.read(from))).at(-1)).to.deep.equal(results[0]?.events[0]);
    expect((await collect(store.read(to))).at(-1)).to.deep.equal(results[1]?.events[0]);
    expect(await collect(store.read(third))).to.deep.equal(results[2]?.events);
  });

  it('one stale stream: ConcurrencyError naming it, and nothing written in any stream', async () => {
    const a = uniqueId('atomic-a');
    const b = uniqueId('atomic-b');
    const c = uniqueId('atomic-c');
    await store.append(a, numbered(1), { expectedVersion: 0 });
    await store.append(b, numbered(3), { expectedVersion: 0 });
    const before = await allItems(table);
    const error = await rejects(
      store.appendMany([
        { streamId: a, events: numbered(1), expectedVersion: 1 },
        { streamId: b, events: numbered(2), expectedVersion: 2 },
        { streamId: c, events: numbered(1), expectedVersion: 0 },
      ]),
      ConcurrencyError,
    );
    expect(error.streamId).to.equal(b);
    expect(error.expectedVersion).to.equal(2);
    expect(error.actualVersion).to.equal(undefined);
    expect(await allItems(table)).to.have.deep.members(before);
    expect(await storedVersions(table, a)).to.deep.equal([1]);
    expect(await storedVersions(table, b)).to.deep.equal([1, 2, 3]);
    expect(await storedVersions(table, c)).to.deep.equal([]);
  });

  it('one stream ahead of its expected version: ConcurrencyError with its actual version, nothing written', async () => {
    const a = uniqueId('ahead-a');
    const b = uniqueId('ahead-b');
    await store.append(b, numbered(2), { expectedVersion: 0 });
    const before = await allItems(table);
    const error = await rejects(
      new EventStore({ table }).appendMany([
        { streamId: a, events: numbered(1), expectedVersion: 0 },
        { streamId: b, events: numbered(1), expectedVersion: 9 },
      ]),
      ConcurrencyError,
    );
    expect([error.streamId, error.expectedVersion, error.actualVersion]).to.deep.equal([b, 9, 2]);
    expect(await allItems(table)).to.have.deep.members(before);
    expect(await storedVersions(table, a)).to.deep.equal([]);
  });

  it("an 'any' stream that meets another writer is retried; the whole transaction lands once", async () => {
    const pinned = uniqueId('pinned');
    const floating = uniqueId('floating');
    await store.append(floating, numbered(1));
    const other = new EventStore({ table: otherClient(table) });
    const stop = interleave(table, 'TransactWriteItemsCommand', () =>
      other.append(floating, [{ id: 'solo', type: 'Solo', data: 1 }]),
    );
    let results: Awaited<ReturnType<EventStore['appendMany']>>;
    const requests = countRequests(table.client);
    try {
      results = await store.appendMany([
        { streamId: pinned, events: numbered(1), expectedVersion: 0 },
        { streamId: floating, events: [{ id: 'tx', type: 'Tx', data: 1 }] },
      ]);
      // head read, cancelled transaction (its stored item is not ours: no confirming read), head read, transaction
      expect(requests.counts).to.deep.equal({ QueryCommand: 2, TransactWriteItemsCommand: 2 });
    } finally {
      stop();
      requests.detach();
    }
    expect(results.map((result) => [result.streamId, result.version])).to.deep.equal([
      [pinned, 1],
      [floating, 3],
    ]);
    expect((await collect(store.read(floating))).map((event) => [event.version, event.id])).to.deep.equal([
      [1, (await collect(store.read(floating, { to: 1 })))[0]?.id],
      [2, 'solo'],
      [3, 'tx'],
    ]);
    expect(await storedVersions(table, pinned)).to.deep.equal([1]);
  });

  it('a numbered stream that meets another writer is not retried: ConcurrencyError, nothing written', async () => {
    const a = uniqueId('raced-a');
    const b = uniqueId('raced-b');
    await store.append(a, numbered(1), { expectedVersion: 0 });
    const other = new EventStore({ table: otherClient(table) });
    const stop = interleave(table, 'TransactWriteItemsCommand', () =>
      other.append(a, [{ id: 'intruder', type: 'Intruder', data: 1 }], { expectedVersion: 1 }),
    );
    try {
      const error = await rejects(
        store.appendMany([
          { streamId: a, events: numbered(1), expectedVersion: 1 },
          { streamId: b, events: numbered(2), expectedVersion: 0 },
        ]),
        ConcurrencyError,
      );
      expect([error.streamId, error.expectedVersion]).to.deep.equal([a, 1]);
    } finally {
      stop();
    }
    expect((await collect(store.read(a))).map((event) => event.type)).to.deep.equal(['Counted', 'Intruder']);
    expect(await storedVersions(table, b)).to.deep.equal([]);
  });

  it('re-sent after success (same ids, same expected versions): the same results, nothing duplicated', async () => {
    const a = uniqueId('resend-a');
    const b = uniqueId('resend-b');
    const request = [
      { streamId: a, events: [{ id: `${a}-1`, type: 'A', data: 1 }], expectedVersion: 0 },
      { streamId: b, events: [{ id: `${b}-1`, type: 'B', data: 1 }], expectedVersion: 0 },
    ];
    const first = await store.appendMany(request);
    const again = await new EventStore({ table }).appendMany(request);
    expect(again).to.deep.equal(first);
    expect(await storedVersions(table, a)).to.deep.equal([1]);
    expect(await storedVersions(table, b)).to.deep.equal([1]);
  });

  it('the same stream twice → ValidationError naming it, no request, nothing written', async () => {
    const a = uniqueId('twice');
    const requests = countRequests(table.client);
    try {
      const error = await rejects(
        store.appendMany([
          { streamId: a, events: numbered(1), expectedVersion: 0 },
          { streamId: a, events: numbered(1), expectedVersion: 1 },
        ]),
        ValidationError,
      );
      expect(error.message).to.include(`stream "${a}" appears twice`);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await storedVersions(table, a)).to.deep.equal([]);
  });

  it('no entries, or an entry without events → ValidationError, no request', async () => {
    const requests = countRequests(table.client);
    try {
      const none = await rejects(store.appendMany([]), ValidationError);
      expect(none.message).to.match(/at least one/);
      const notArray = await rejects(store.appendMany(undefined as unknown as []), ValidationError);
      expect(notArray.message).to.match(/at least one/);
      const streamId = uniqueId('empty-entry');
      const empty = await rejects(
        store.appendMany([
          { streamId: uniqueId('ok'), events: numbered(1) },
          { streamId, events: [] },
        ]),
        ValidationError,
      );
      expect(empty.message).to.include(`append to "${streamId}": give at least one event`);
      const badId = await rejects(
        store.appendMany([
          { streamId: uniqueId('ok'), events: numbered(1) },
          { streamId: '', events: numbered(1) },
        ]),
        ValidationError,
      );
      expect(badId.message).to.include('appendMany[1].streamId must be a non-empty string');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  describe('100 versus 101 events', () => {
    it('MAX_EVENTS_PER_APPEND is 100', () => {
      expect(MAX_EVENTS_PER_APPEND).to.equal(100);
    });

    it('appendMany of 100 events over 3 streams: one TransactWriteItems', async () => {
      const ids = [uniqueId('h1'), uniqueId('h2'), uniqueId('h3')];
      const requests = countRequests(table.client);
      try {
        const results = await store.appendMany([
          { streamId: ids[0] as string, events: numbered(50), expectedVersion: 0 },
          { streamId: ids[1] as string, events: numbered(49), expectedVersion: 0 },
          { streamId: ids[2] as string, events: numbered(1), expectedVersion: 0 },
        ]);
        expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
        expect(results.map((result) => result.version)).to.deep.equal([50, 49, 1]);
      } finally {
        requests.detach();
      }
      expect(await storedVersions(table, ids[0] as string)).to.deep.equal(range(1, 50));
      expect(await storedVersions(table, ids[1] as string)).to.deep.equal(range(1, 49));
    });

    it('append of 101 events → TransactionLimitError, no request, nothing written', async () => {
      const streamId = uniqueId('t101');
      const requests = countRequests(table.client);
      try {
        const error = await rejects(store.append(streamId, numbered(101)), TransactionLimitError);
        expect(error.code).to.equal('transaction.limit');
        expect(error.message).to.include('101 events is over the limit of 100');
        expect(error.message).to.include('Nothing was written');
        await rejects(store.append(streamId, numbered(101), { expectedVersion: 0 }), TransactionLimitError);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await storedVersions(table, streamId)).to.deep.equal([]);
    });

    it('events within the count but over the 4 MB transaction payload → a DynagoError naming it, nothing written', async () => {
      const streamId = uniqueId('t4mb');
      const blob = 'x'.repeat(390_000);
      const error = await rejects(
        store.append(
          streamId,
          Array.from({ length: 11 }, () => ({ type: 'Big', data: { blob } })),
          { expectedVersion: 0 },
        ),
        DynagoError,
      );
      expect(error.retryable).to.equal(false);
      expect(error.message).to.match(/4 ?MB/i);
      expect(await storedVersions(table, streamId)).to.deep.equal([]);
    });

    it('appendMany of 101 events over 2 streams (60 + 41) → TransactionLimitError, no request, nothing written', async () => {
      const a = uniqueId('t101a');
      const b = uniqueId('t101b');
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          store.appendMany([
            { streamId: a, events: numbered(60), expectedVersion: 0 },
            { streamId: b, events: numbered(41), expectedVersion: 0 },
          ]),
          TransactionLimitError,
        );
        expect(error.message).to.include('101 events');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await storedVersions(table, a)).to.deep.equal([]);
      expect(await storedVersions(table, b)).to.deep.equal([]);
    });
  });
});
