/**
 * The request minimum of the read path. Events of about 10 KB make a stream of 350 events span four
 * 1 MB pages, so paging is visible; a plain paginated Query loop (the raw SDK) tells how many pages
 * DynamoDB returns, and dynago may not send more requests than that. With a limit, no request may
 * fetch a page the caller does not need (a default forward read of a long stream looks up its head once
 * more, to read the rest in parallel windows). An aggregate whose snapshot is at most `snapshotEvery`
 * events old loads in 1 Query (the snapshot sits above the events in the stream's partition).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { AggregateRepository, EventStore, SnapshotStore, type Table } from '../../src/index.js';
import { countRequests, type RequestCounter } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';

const EVENTS = 350;
const BLOB = 'x'.repeat(10_000);

/** The pages a raw paginated Query loop receives for the whole partition: their sizes, in order. */
async function rawPages(table: Table, pk: string, ascending = true): Promise<number[]> {
  const sizes: number[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ScanIndexForward: ascending,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    sizes.push(page.Items?.length ?? 0);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return sizes;
}

async function count<T>(iterable: AsyncIterable<T>, stopAfter = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  for await (const _ of iterable) if (++n >= stopAfter) break;
  return n;
}

describe('request minimum: reads', () => {
  let table: Table;
  let store: EventStore;
  let pages: number[];
  let requests: RequestCounter;
  const streamId = 'long-stream';

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'costs-read' });
    store = new EventStore({ table });
    for (let version = 0; version < EVENTS; version += 100) {
      const events = Array.from({ length: Math.min(100, EVENTS - version) }, (_, i) => ({
        type: 'Noted',
        data: { n: version + i + 1, blob: BLOB },
      }));
      await store.append(streamId, events, { expectedVersion: version });
    }
    pages = await rawPages(table, `event#${streamId}`);
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

  it('the fixture spans several 1 MB pages', function () {
    if (this.test) this.test.title += ` (${pages.join(' + ')} events)`;
    expect(pages.length).to.be.at.least(4);
    expect(pages.reduce((a, b) => a + b, 0)).to.equal(EVENTS);
    expect(pages[0]).to.be.within(80, 110); // about 100 events of 10 KB per 1 MB page
  });

  it('read({ parallel: 1 }) of the whole stream sends as many Query requests as DynamoDB returns pages, no more', async () => {
    expect(await count(new EventStore({ table }).read(streamId, { parallel: 1 }))).to.equal(EVENTS);
    expect(requests.counts).to.deep.equal({ QueryCommand: pages.length });
  });

  it('read() of the whole stream (parallel windows, the default): one Query more, the head lookup', async () => {
    expect(await count(new EventStore({ table }).read(streamId))).to.equal(EVENTS);
    expect(requests.counts).to.deep.equal({ QueryCommand: pages.length + 1 });
  });

  it('read() backward: as many requests as the pages of a backward Query loop', async () => {
    const backward = await rawPages(table, `event#${streamId}`, false);
    requests.reset();
    expect(await count(store.read(streamId, { direction: 'backward' }))).to.equal(EVENTS);
    expect(requests.counts).to.deep.equal({ QueryCommand: backward.length });
  });

  it('queryAll() streams the partition in as many requests as the raw loop, with or without prefetch', async () => {
    for (const prefetch of [false, true]) {
      requests.reset();
      expect(await count(table.queryAll('pk = :pk', { ':pk': `event#${streamId}` }, { prefetch }))).to.equal(
        EVENTS,
      );
      expect(requests.counts, `prefetch ${prefetch}`).to.deep.equal({ QueryCommand: pages.length });
    }
  });

  describe('with a limit, no request for a page that is not needed', () => {
    const first = () => pages[0] as number;
    const pk = () => ({ ':pk': `event#${streamId}` });

    it('query({ limit }) within the first page: one request', async () => {
      for (const limit of [1, 50, first()]) {
        requests.reset();
        const { items, cursor } = await table.query('pk = :pk', pk(), { limit });
        expect(items, `limit ${limit}`).to.have.length(limit);
        expect(cursor).to.be.a('string');
        expect(requests.counts, `limit ${limit}`).to.deep.equal({ QueryCommand: 1 });
      }
    });

    it('query({ limit }) one item past the first page: two requests, the second asking for 1 item', async () => {
      const { items } = await table.query('pk = :pk', pk(), { limit: first() + 1 });
      expect(items).to.have.length(first() + 1);
      expect(requests.counts).to.deep.equal({ QueryCommand: 2 });
    });

    it('query({ limit: the whole stream }) stops at the last item: no request for an empty last page', async () => {
      const { items } = await table.query('pk = :pk', pk(), { limit: EVENTS });
      expect(items).to.have.length(EVENTS);
      expect(requests.total()).to.be.at.most(pages.length);
      expect(requests.counts).to.deep.equal({ QueryCommand: pages.filter((size) => size > 0).length });
    });

    it('query() without a limit reads exactly one page', async () => {
      const { items, cursor } = await table.query('pk = :pk', pk());
      expect(items).to.have.length(first());
      expect(cursor).to.be.a('string');
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    });

    it('read({ limit }) does not prefetch past its limit', async () => {
      for (const [limit, expected] of [
        [10, 1],
        [first(), 1],
        [first() + 1, 2],
      ] as const) {
        requests.reset();
        expect(await count(store.read(streamId, { limit })), `limit ${limit}`).to.equal(limit);
        expect(requests.counts, `limit ${limit}`).to.deep.equal({ QueryCommand: expected });
      }
    });

    it('read({ from, to }) within one page: one request', async () => {
      expect(await count(store.read(streamId, { from: 101, to: 150 }))).to.equal(50);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    });

    it('readPage({ limit }): one request', async () => {
      const { events } = await store.readPage(streamId, { limit: 20 });
      expect(events).to.have.length(20);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    });
  });
});

describe('request minimum: loading an aggregate', () => {
  type Noted = { type: 'Noted'; data: { n: number } };
  let table: Table;
  let requests: RequestCounter;
  const SNAPSHOT_EVERY = 20;

  const repository = () =>
    new AggregateRepository<{ total: number }, Noted>({
      category: 'noted',
      events: new EventStore({ table }),
      snapshots: new SnapshotStore<{ total: number }>({ table }),
      initialState: () => ({ total: 0 }),
      reduce: (state, event) => ({ total: state.total + event.data.n }),
      snapshotEvery: SNAPSHOT_EVERY,
    });
  const noted = (from: number, count: number): Noted[] =>
    Array.from({ length: count }, (_, i) => ({ type: 'Noted', data: { n: from + i } }));
  const sum = (to: number) => (to * (to + 1)) / 2;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'costs-load' });
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

  it('with a snapshot exactly snapshotEvery events old: 1 Query', async () => {
    const id = 'exactly-old';
    const store = new EventStore({ table });
    await store.append(`noted-${id}`, noted(1, 2 * SNAPSHOT_EVERY), { expectedVersion: 0 });
    await new SnapshotStore<{ total: number }>({ table }).save(
      `noted-${id}`,
      { total: sum(SNAPSHOT_EVERY) },
      { version: SNAPSHOT_EVERY },
    );
    requests.reset();
    const { state, version } = await repository().load(id);
    expect(version).to.equal(2 * SNAPSHOT_EVERY);
    expect(state.total).to.equal(sum(2 * SNAPSHOT_EVERY));
    expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
  });

  it('with a snapshot more than snapshotEvery events old: the rest is read forward, 2 Queries', async () => {
    const id = 'too-old';
    const store = new EventStore({ table });
    await store.append(`noted-${id}`, noted(1, 2 * SNAPSHOT_EVERY + 5), { expectedVersion: 0 });
    await new SnapshotStore<{ total: number }>({ table }).save(
      `noted-${id}`,
      { total: sum(SNAPSHOT_EVERY) },
      { version: SNAPSHOT_EVERY },
    );
    requests.reset();
    const { state, version } = await repository().load(id);
    expect(version).to.equal(2 * SNAPSHOT_EVERY + 5);
    expect(state.total).to.equal(sum(2 * SNAPSHOT_EVERY + 5));
    expect(requests.counts).to.deep.equal({ QueryCommand: 2 });
  });

  it('with a snapshot at the head of the stream: 1 Query', async () => {
    const id = 'at-head';
    await new EventStore({ table }).append(`noted-${id}`, noted(1, SNAPSHOT_EVERY), {
      expectedVersion: 0,
    });
    await new SnapshotStore<{ total: number }>({ table }).save(
      `noted-${id}`,
      { total: sum(SNAPSHOT_EVERY) },
      { version: SNAPSHOT_EVERY },
    );
    requests.reset();
    expect((await repository().load(id)).version).to.equal(SNAPSHOT_EVERY);
    expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
  });

  it('the snapshots execute keeps make every load 1 Query; execute is the PutItem alone once warm', async () => {
    const id = 'executed';
    const accounts = repository();
    for (let n = 1; n <= 3 * SNAPSHOT_EVERY + 5; n++) {
      requests.reset();
      const { version } = await accounts.execute(id, () => noted(n, 1));
      const crossed = version % SNAPSHOT_EVERY === 0;
      const cold = n === 1 ? { QueryCommand: 1 } : {}; // the first execute loads, the next use the cache
      const expected = { ...cold, PutItemCommand: crossed ? 2 : 1 };
      expect(requests.counts, `execute #${n}${crossed ? ' (writes the snapshot too)' : ''}`).to.deep.equal(
        expected,
      );
    }
    requests.reset();
    const fresh = repository(); // nothing known in this process
    const { state, version } = await fresh.load(id);
    expect(version).to.equal(3 * SNAPSHOT_EVERY + 5);
    expect(state.total).to.equal(sum(3 * SNAPSHOT_EVERY + 5));
    expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    // a cold execute of that repository: the same Query, then the PutItem (its token needs no proof read)
    requests.reset();
    await repository().execute(id, () => noted(3 * SNAPSHOT_EVERY + 6, 1));
    expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
  });
});
