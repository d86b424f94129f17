import { expect } from 'chai';
import { EventStore, type Table, ValidationError } from '../../src/index.js';
import { countRequests, recordInputs } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';
import {
  createEventTable,
  numbered,
  partitionItems,
  range,
  UUID_V7,
  uniqueId,
  versionsOf,
} from './helpers.js';

describe('EventStore.append: round trip, ids, timestamps, items, cost', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('append');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('stores one event as one item and reads it back exactly', async () => {
    const streamId = uniqueId('round');
    const before = Date.now();
    const result = await store.append(streamId, [
      { type: 'Deposited', data: { amount: 10, note: 'pay day' }, metadata: { user: 'ada', ip: '10.0.0.1' } },
    ]);
    const after = Date.now();

    expect(result.version).to.equal(1);
    expect(result.events).to.have.length(1);
    const [event] = result.events;
    if (!event) throw new Error('no event');
    expect(event.id).to.match(UUID_V7);
    expect(Number.isInteger(event.timestamp)).to.equal(true);
    expect(event.timestamp).to.be.within(before, after);
    expect(event).to.deep.equal({
      streamId,
      category: 'round',
      version: 1,
      id: event.id,
      type: 'Deposited',
      data: { amount: 10, note: 'pay day' },
      metadata: { user: 'ada', ip: '10.0.0.1' },
      timestamp: event.timestamp,
      schemaVersion: 1,
    });

    const read = [];
    for await (const stored of store.read(streamId)) read.push(stored);
    expect(read).to.deep.equal([event]);

    expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal([
      {
        pk: `event#${streamId}`,
        sk: 1,
        // a stream's first event carries its category (the key of the category index)
        category: 'round',
        id: event.id,
        type: 'Deposited',
        data: { amount: 10, note: 'pay day' },
        metadata: { user: 'ada', ip: '10.0.0.1' },
        timestamp: event.timestamp,
      },
    ]);
  });

  it('leaves metadata out of the item and of the event when none is given', async () => {
    const streamId = uniqueId('nometa');
    const { events } = await store.append(streamId, [
      { type: 'A', data: { x: 1 } },
      { type: 'B', data: { x: 2 }, metadata: { traceId: 't-1' } },
    ]);
    expect(events[0]).to.not.have.property('metadata');
    expect(events[1]?.metadata).to.deep.equal({ traceId: 't-1' });

    const items = await partitionItems(table, `event#${streamId}`);
    expect(items.map((item) => Object.keys(item).sort())).to.deep.equal([
      ['category', 'data', 'id', 'pk', 'sk', 'timestamp', 'type'], // category: on the first event only
      ['data', 'id', 'metadata', 'pk', 'sk', 'timestamp', 'type'],
    ]);
    const read = [];
    for await (const stored of store.read(streamId)) read.push(stored);
    expect(read[0]).to.not.have.property('metadata');
    expect(read).to.deep.equal(events);
  });

  it('gives every event a distinct UUID v7 when no id is given, in increasing order', async () => {
    const streamId = uniqueId('ids');
    const { events } = await store.append(streamId, numbered(5));
    const ids = events.map((event) => event.id);
    for (const id of ids) expect(id).to.match(UUID_V7);
    expect(new Set(ids).size).to.equal(5);
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('keeps caller-given ids, and one timestamp (epoch ms) for the events of one append', async () => {
    const streamId = uniqueId('given');
    const before = Date.now();
    const { events, version } = await store.append(streamId, [
      { id: 'cmd-1/a', type: 'A', data: null },
      { id: 'cmd-1/b', type: 'B', data: [1, 'two', { three: 3 }] },
    ]);
    expect(version).to.equal(2);
    expect(events.map((event) => event.id)).to.deep.equal(['cmd-1/a', 'cmd-1/b']);
    expect(events[0]?.timestamp).to.equal(events[1]?.timestamp);
    expect(events[0]?.timestamp).to.be.within(before, Date.now());
    expect(events[0]?.data).to.equal(null);
    expect(events[1]?.data).to.deep.equal([1, 'two', { three: 3 }]);
    const read = [];
    for await (const stored of store.read(streamId)) read.push(stored);
    expect(read).to.deep.equal(events);
  });

  it('numbers the events of successive appends 1, 2, 3 … and reports the new version', async () => {
    const streamId = uniqueId('seq');
    expect((await store.append(streamId, numbered(1))).version).to.equal(1);
    const second = await store.append(streamId, numbered(3));
    expect(second.version).to.equal(4);
    expect(versionsOf(second.events)).to.deep.equal([2, 3, 4]);
    expect(second.events.map((event) => event.data)).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const third = await store.append(streamId, numbered(1), { expectedVersion: 4 });
    expect(third.version).to.equal(5);
    expect(await store.version(streamId)).to.equal(5);
    const read = [];
    for await (const stored of store.read(streamId)) read.push(stored);
    expect(versionsOf(read)).to.deep.equal(range(1, 5));
  });

  it('stores data whose attribute names are DynamoDB reserved words (name, status, size, data)', async () => {
    const streamId = uniqueId('reserved');
    const data = {
      name: 'Ada',
      status: 'open',
      size: 3,
      data: { data: 'nested', comment: 'x', values: [1, 2] },
      timestamp: 'not the item timestamp',
    };
    const metadata = { name: 'meta', status: 'ok', size: 1, table: 't' };
    const { events } = await store.append(streamId, [{ type: 'Named', data, metadata }], {
      expectedVersion: 0,
    });
    expect(events[0]?.data).to.deep.equal(data);
    const read = [];
    for await (const stored of store.read(streamId)) read.push(stored);
    expect(read).to.have.length(1);
    expect(read[0]?.data).to.deep.equal(data);
    expect(read[0]?.metadata).to.deep.equal(metadata);
    expect(Number.isInteger(read[0]?.timestamp)).to.equal(true);
  });

  it('stream ids may contain any characters, including # and unicode, and stay separate', async () => {
    const a = `${uniqueId('odd')}#sub/é✓ space`;
    const b = `${a}#`;
    await store.append(a, [{ type: 'A', data: 1 }], { expectedVersion: 0 });
    await store.append(b, [{ type: 'B', data: 2 }], { expectedVersion: 0 });
    const readA = [];
    for await (const stored of store.read(a)) readA.push(stored);
    expect(readA.map((event) => [event.streamId, event.type])).to.deep.equal([[a, 'A']]);
    expect(await store.version(b)).to.equal(1);
  });

  describe('requests', () => {
    it('one event on a fresh stream at expectedVersion 0: exactly one PutItem', async () => {
      const requests = countRequests(table.client);
      try {
        await store.append(uniqueId('cost1'), numbered(1), { expectedVersion: 0 });
        expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('two events on a fresh stream at expectedVersion 0: exactly one TransactWriteItems', async () => {
      const requests = countRequests(table.client);
      try {
        await store.append(uniqueId('cost2'), numbered(2), { expectedVersion: 0 });
        expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('100 events at expectedVersion 0: exactly one TransactWriteItems, versions 1..100', async () => {
      const streamId = uniqueId('cost100');
      const requests = countRequests(table.client);
      try {
        const { version, events } = await store.append(streamId, numbered(100), { expectedVersion: 0 });
        expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
        expect(version).to.equal(100);
        expect(versionsOf(events)).to.deep.equal(range(1, 100));
      } finally {
        requests.detach();
      }
      expect(await partitionItems(table, `event#${streamId}`)).to.have.length(100);
    });

    it("'any' (the default) reads the head once, then writes: one Query and one PutItem", async () => {
      const streamId = uniqueId('costany');
      await store.append(streamId, numbered(3));
      const requests = countRequests(table.client);
      try {
        const { version } = await store.append(streamId, numbered(1));
        expect(version).to.equal(4);
        expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('at the token of the previous append: only the write, no proof read', async () => {
      const streamId = uniqueId('costwarm');
      const first = await store.append(streamId, numbered(1), { expectedVersion: 0 });
      expect(first.token).to.deep.equal({ streamId, version: 1 });
      const requests = countRequests(table.client);
      try {
        const second = await store.append(streamId, numbered(1), { expectedVersion: first.token });
        const third = await store.append(streamId, numbered(2), { expectedVersion: second.token });
        expect(requests.counts).to.deep.equal({ PutItemCommand: 1, TransactWriteItemsCommand: 1 });
        expect(third.version).to.equal(4);
        expect(third.token).to.deep.equal({ streamId, version: 4 });
      } finally {
        requests.detach();
      }
    });

    it('at a plain number: one consistent GetItem proves it, then the write; every time', async () => {
      const streamId = uniqueId('costcold');
      await store.append(streamId, numbered(3), { expectedVersion: 0 });
      const fresh = new EventStore({ table });
      const requests = countRequests(table.client);
      const gets = recordInputs(table.client, 'GetItemCommand');
      try {
        const { version } = await fresh.append(streamId, numbered(1), { expectedVersion: 3 });
        expect(version).to.equal(4);
        expect(requests.counts).to.deep.equal({ GetItemCommand: 1, PutItemCommand: 1 });
        expect(gets.inputs.map((input) => [input.Key, input.ConsistentRead])).to.deep.equal([
          [{ pk: `event#${streamId}`, sk: 3 }, true],
        ]);
        requests.reset();
        // the store does not remember what it wrote: a plain number is proven again
        await fresh.append(streamId, numbered(1), { expectedVersion: 4 });
        expect(requests.counts).to.deep.equal({ GetItemCommand: 1, PutItemCommand: 1 });
      } finally {
        requests.detach();
        gets.detach();
      }
    });

    it('readPage to the end returns a token; appending with it needs no proof read', async () => {
      const streamId = uniqueId('costread');
      await store.append(streamId, numbered(4), { expectedVersion: 0 });
      const fresh = new EventStore({ table });
      const page = await fresh.readPage(streamId);
      expect(page.cursor).to.equal(undefined);
      expect(versionsOf(page.events)).to.deep.equal(range(1, 4));
      expect(page.token).to.deep.equal({ streamId, version: 4 });
      const requests = countRequests(table.client);
      try {
        const { version } = await fresh.append(streamId, numbered(1), {
          expectedVersion: page.token,
        });
        expect(version).to.equal(5);
        expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('a read does not teach the store: a plain number after it costs one GetItem more', async () => {
      const streamId = uniqueId('costplain');
      await store.append(streamId, numbered(4), { expectedVersion: 0 });
      const fresh = new EventStore({ table });
      for await (const _ of fresh.read(streamId)) {
        // drain
      }
      await fresh.readPage(streamId);
      const requests = countRequests(table.client);
      try {
        await fresh.append(streamId, numbered(1), { expectedVersion: 4 });
        expect(requests.counts).to.deep.equal({ GetItemCommand: 1, PutItemCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('head: one Query for a token; appending at it is one PutItem', async () => {
      const streamId = uniqueId('costhead');
      await store.append(streamId, numbered(2), { expectedVersion: 0 });
      const requests = countRequests(table.client);
      try {
        const head = await store.head(streamId);
        expect(head).to.deep.equal({ streamId, version: 2 });
        expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
        requests.reset();
        await store.append(streamId, numbered(1), { expectedVersion: head });
        expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
      } finally {
        requests.detach();
      }
    });
  });

  describe('construction', () => {
    it('refuses a missing table, and a table without a sort key', async () => {
      expect(() => new EventStore(undefined as unknown as { table: Table })).to.throw(
        ValidationError,
        /give it a table/,
      );
      const noSortKey = await createTestTable({ sortKey: false, prefix: 'nosk' });
      try {
        expect(() => new EventStore({ table: noSortKey })).to.throw(ValidationError, /numeric sort key/);
      } finally {
        await noSortKey.deleteTable();
      }
    });
  });
});
