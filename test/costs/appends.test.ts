/**
 * The request minimum of the write path, counted with an SDK middleware (countRequests) and read from
 * DynamoDB's ConsumedCapacity: what README promises ("one event is one conditional PutItem, 1 WCU under
 * 1 KB; 2 to 100 events are one TransactWriteItems", at expectedVersion 0 or a stream token; a plain
 * number N > 0 costs one consistent GetItem more) is asserted here, request by request.
 */
import { expect } from 'chai';
import { type CapacityReport, EventStore, Table } from '../../src/index.js';
import { countRequests, type RequestCounter } from '../support/helpers.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

const deposit = (n: number) => ({ type: 'Deposited', data: { amount: n, currency: 'EUR' } });
const deposits = (count: number) => Array.from({ length: count }, (_, i) => deposit(i + 1));

let sequence = 0;
const newStream = (label: string) => `${label}-${Date.now().toString(36)}-${++sequence}`;

describe('request minimum: appends', () => {
  let table: Table;
  let requests: RequestCounter;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'costs-append' });
  });

  after(async () => {
    await table.deleteTable();
  });

  beforeEach(() => {
    requests = countRequests(table.client);
  });

  afterEach(() => {
    requests.detach();
  });

  it('one event to a new stream (expectedVersion 0) is exactly one PutItem', async () => {
    const store = new EventStore({ table });
    const result = await store.append(newStream('new'), [deposit(1)], { expectedVersion: 0 });
    expect(result.version).to.equal(1);
    expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
  });

  it('one event at the token of the previous append is exactly one PutItem, append after append', async () => {
    const store = new EventStore({ table });
    const streamId = newStream('own');
    let { token } = await store.append(streamId, [deposit(1)], { expectedVersion: 0 });
    for (let version = 1; version <= 5; version++) {
      requests.reset();
      expect(token.version).to.equal(version);
      ({ token } = await store.append(streamId, [deposit(version + 1)], { expectedVersion: token }));
      expect(requests.counts, `append at expected version ${version}`).to.deep.equal({ PutItemCommand: 1 });
    }
  });

  it("one event at the token of a read to the stream's end is exactly one PutItem", async () => {
    const streamId = newStream('read');
    await new EventStore({ table }).append(streamId, deposits(3), { expectedVersion: 0 });
    const store = new EventStore({ table }); // another process, as it were: it knows nothing yet
    const page = await store.readPage(streamId);
    expect(page.token?.version).to.equal(3);
    requests.reset();
    await store.append(streamId, [deposit(4)], { expectedVersion: page.token });
    expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
  });

  for (const count of [2, 10, 100]) {
    it(`${count} events in one append are exactly one TransactWriteItems`, async () => {
      const store = new EventStore({ table });
      const result = await store.append(newStream(`batch${count}`), deposits(count), { expectedVersion: 0 });
      expect(result.version).to.equal(count);
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    });
  }

  it('100 events at the token of an earlier append are still one TransactWriteItems', async () => {
    const store = new EventStore({ table });
    const streamId = newStream('after');
    const { token } = await store.append(streamId, deposits(50), { expectedVersion: 0 });
    requests.reset();
    await store.append(streamId, deposits(100), { expectedVersion: token });
    expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
  });

  it('an appendMany of 100 events over 10 new streams is exactly one TransactWriteItems', async () => {
    const store = new EventStore({ table });
    const results = await store.appendMany(
      Array.from({ length: 10 }, (_, i) => ({
        streamId: newStream(`many${i}`),
        events: deposits(10),
        expectedVersion: 0,
      })),
    );
    expect(results.map((r) => r.version)).to.deep.equal(Array(10).fill(10));
    expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
  });

  it('an appendMany of one event to each of 2 streams at tokens is exactly one TransactWriteItems', async () => {
    const store = new EventStore({ table });
    const from = newStream('from');
    const to = newStream('to');
    const fromHead = await store.append(from, deposits(3), { expectedVersion: 0 });
    const toHead = await store.append(to, deposits(7), { expectedVersion: 0 });
    requests.reset();
    await store.appendMany([
      {
        streamId: from,
        events: [{ type: 'TransferredOut', data: { amount: 5 } }],
        expectedVersion: fromHead.token,
      },
      {
        streamId: to,
        events: [{ type: 'TransferredIn', data: { amount: 5 } }],
        expectedVersion: toHead.token,
      },
    ]);
    expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
  });

  describe('what the other paths cost (one read more, by design)', () => {
    it("expectedVersion 'any' (the default) reads the head first: one Query, then the PutItem", async () => {
      const store = new EventStore({ table });
      const streamId = newStream('any');
      await store.append(streamId, deposits(2), { expectedVersion: 0 });
      requests.reset();
      await store.append(streamId, [deposit(3)]);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
    });

    it('a plain numeric expected version is proven by one GetItem, then the PutItem: always', async () => {
      const store = new EventStore({ table });
      const streamId = newStream('plain');
      await store.append(streamId, deposits(2), { expectedVersion: 0 });
      requests.reset();
      // even right after this store wrote version 2: it does not remember versions, tokens carry them
      await store.append(streamId, [deposit(3)], { expectedVersion: 2 });
      expect(requests.counts).to.deep.equal({ GetItemCommand: 1, PutItemCommand: 1 });
      requests.reset();
      await store.append(streamId, [deposit(4), deposit(5)], { expectedVersion: 3 });
      expect(requests.counts).to.deep.equal({ GetItemCommand: 1, TransactWriteItemsCommand: 1 });
    });

    it('a token from head() costs its one Query, then the PutItem', async () => {
      const streamId = newStream('head');
      await new EventStore({ table }).append(streamId, deposits(2), { expectedVersion: 0 });
      const store = new EventStore({ table });
      requests.reset();
      await store.append(streamId, [deposit(3)], { expectedVersion: await store.head(streamId) });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
    });
  });

  describe('write capacity (ConsumedCapacity as DynamoDB reports it)', () => {
    let metered: Table;
    const reports: CapacityReport[] = [];

    before(() => {
      const endpoint = testEndpoint();
      metered = new Table({
        tableName: table.tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        region: endpoint.region,
        endpoint: {
          url: endpoint.url,
          accessKeyId: endpoint.accessKeyId,
          secretAccessKey: endpoint.secretAccessKey,
        },
        onConsumedCapacity: (report) => reports.push(report),
      });
    });

    beforeEach(() => {
      reports.length = 0;
    });

    it('a single-event append of an item under 1 KB consumes exactly 1 write unit', async () => {
      const store = new EventStore({ table: metered });
      const streamId = newStream('wcu');
      const { events } = await store.append(streamId, [deposit(1)], { expectedVersion: 0 });
      const itemBytes = Buffer.byteLength(JSON.stringify({ pk: `event#${streamId}`, sk: 1, ...events[0] }));
      expect(itemBytes, 'the event item is well under 1 KB').to.be.below(512);
      expect(reports).to.deep.equal([{ operation: 'PutItem', capacityUnits: 1 }]);

      reports.length = 0;
      const { token } = await store.append(streamId, [deposit(2)], { expectedVersion: 1 });
      // a plain number: the consistent GetItem that proves version 1 (1 RCU), then the PutItem
      expect(reports).to.deep.equal([
        { operation: 'GetItem', capacityUnits: 1 },
        { operation: 'PutItem', capacityUnits: 1 },
      ]);

      reports.length = 0;
      await store.append(streamId, [deposit(3)], { expectedVersion: token });
      expect(reports).to.deep.equal([{ operation: 'PutItem', capacityUnits: 1 }]);
    });

    it('the units follow the item size: an event of about 2.5 KB consumes 3 write units', async () => {
      const store = new EventStore({ table: metered });
      await store.append(newStream('big'), [{ type: 'Noted', data: { text: 'x'.repeat(2_400) } }], {
        expectedVersion: 0,
      });
      expect(reports).to.deep.equal([{ operation: 'PutItem', capacityUnits: 3 }]);
    });
  });
});
