import { expect } from 'chai';
import {
  AggregateRepository,
  CATEGORY_ATTRIBUTE,
  categoryIndex,
  EventStore,
  SnapshotStore,
  type Table,
} from '../../src/index.js';
import {
  added,
  type Counter,
  type CounterEvent,
  initialCounter,
  reduceCounter,
} from '../aggregates/counter.js';
import { countRequests, createTestTable } from '../support/tables.js';
import { collect, partitionItems, uniqueId } from './helpers.js';

/** A category read without reading the whole table: the index of each category's streams. */
describe('EventStore: the category index', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'category-index' });
    await table.deleteTable();
    await table.createTable({ sortKeyType: 'N', indexes: [categoryIndex(table)] });
    store = new EventStore({ table, categoryIndex: 'byCategory' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it("a stream's first event carries its category; later events do not (one index entry per stream)", async () => {
    const stream = `shop-${uniqueId('s')}`;
    await store.append(stream, [{ type: 'A', data: {} }]);
    await store.append(stream, [
      { type: 'B', data: {} },
      { type: 'C', data: {} },
    ]);
    const items = await partitionItems(table, `event#${stream}`);
    expect(items.map((item) => item[CATEGORY_ATTRIBUTE])).to.deep.equal(['shop', undefined, undefined]);
  });

  it('readAll({ category }) lists streams from the index: no Scan, each stream whole and in order', async () => {
    const wanted = ['1', '2', '3', '4', '5'].map((n) => `pick-${n}`);
    for (const stream of wanted)
      await store.append(stream, [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
    for (const n of ['1', '2']) await store.append(`other-${n}`, [{ type: 'A', data: {} }]);
    await store.append('pick', [{ type: 'Single', data: {} }]); // the singleton stream of the category
    await new Promise((resolve) => setTimeout(resolve, 200)); // the index is eventually consistent

    const requests = countRequests(table.client);
    const events = await collect(store.readAll({ category: 'pick', segments: 3 }));
    requests.detach();
    expect(requests.counts.ScanCommand ?? 0).to.equal(0);
    expect([...new Set(events.map((event) => event.streamId))].sort()).to.deep.equal(
      ['pick', ...wanted].sort(),
    );
    for (const stream of wanted) {
      expect(events.filter((event) => event.streamId === stream).map((event) => event.version)).to.deep.equal(
        [1, 2],
      );
    }
    expect(events.every((event) => event.category === 'pick')).to.equal(true);
  });

  it('rebuildAll of a repository reads its category through the index', async () => {
    const repo = new AggregateRepository<Counter, CounterEvent>({
      category: 'tally',
      events: store,
      snapshots: new SnapshotStore<Counter>({ table }),
      initialState: initialCounter,
      reduce: reduceCounter,
    });
    for (const id of ['a', 'b', 'c']) await repo.execute(id, () => added(`cmd-${id}`, 2));
    await store.append('nottally-x', [{ type: 'Other', data: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requests = countRequests(table.client);
    const result = await repo.rebuildAll({ segments: 2 });
    requests.detach();
    expect(requests.counts.ScanCommand ?? 0).to.equal(0);
    expect(result).to.deep.equal({ streams: 3, events: 6, failed: [] });
  });
});
