import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  SnapshotStore,
  type StoredOf,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { collect, createEventTable, uniqueId } from '../events/helpers.js';
import { added, type Counter, type CounterEvent, initialCounter, reduceCounter } from './counter.js';

type CartEvent = { type: 'ItemAdded'; data: { item: string } };
interface Cart {
  items: string[];
}

/** Two aggregate types on one table, the way the new user built it: carts and counters. */
describe('categories: aggregate types that share one table', () => {
  let table: Table;
  let events: EventStore;
  let carts: AggregateRepository<Cart, CartEvent>;
  let counters: AggregateRepository<Counter, CounterEvent>;

  before(async () => {
    table = await createEventTable('categories');
    events = new EventStore({ table });
    carts = new AggregateRepository<Cart, CartEvent>({
      category: 'cart',
      events,
      snapshots: new SnapshotStore<Cart>({ table }),
      initialState: () => ({ items: [] }),
      reduce: (cart, event: StoredOf<CartEvent>) => {
        if (!Array.isArray(cart.items)) throw new Error(`not a cart: ${JSON.stringify(cart)}`);
        return { items: [...cart.items, event.data.item] };
      },
      snapshotEvery: 1,
    });
    counters = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots: new SnapshotStore<Counter>({ table }),
      initialState: initialCounter,
      reduce: reduceCounter,
      snapshotEvery: 1,
    });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('the same aggregate id in two categories: two streams, two snapshots, neither folds the other', async () => {
    const id = uniqueId('shared');
    await carts.execute(id, () => [{ type: 'ItemAdded', data: { item: 'apple' } }]);
    await counters.execute(id, () => added('c1', 1, 5));

    expect((await carts.load(id)).state).to.deep.equal({ items: ['apple'] });
    expect((await counters.load(id)).state.total).to.equal(5);
    const cartEvents = await collect(events.read(`cart-${id}`));
    expect(cartEvents.map((event) => [event.streamId, event.category, event.type])).to.deep.equal([
      [`cart-${id}`, 'cart', 'ItemAdded'],
    ]);
    expect(carts.streamId(id)).to.equal(`cart-${id}`);
  });

  it("rebuildAll replays and snapshots only its own category: a cart's snapshot is left alone", async () => {
    const id = uniqueId('cart');
    await carts.execute(id, () => [{ type: 'ItemAdded', data: { item: 'pear' } }]);
    const cartSnapshots = new SnapshotStore<Cart>({ table });
    const before = await cartSnapshots.load(`cart-${id}`);
    expect(before?.state).to.deep.equal({ items: ['pear'] });

    // a counter of this test's own, so the rebuild has something of its category to replay
    const counterId = uniqueId('counter');
    await counters.execute(counterId, () => added('c1', 1, 3));

    const result = await counters.rebuildAll({ segments: 2 });
    expect(result.failed).to.deep.equal([]);
    const streams = new Set<string>();
    for await (const event of events.readAll({ category: 'counter' })) streams.add(event.streamId);
    expect(streams).to.include(`counter-${counterId}`);
    expect([...streams].some((stream) => stream.startsWith('cart-'))).to.equal(false);
    expect(result.streams).to.equal(streams.size);
    expect((await counters.load(counterId)).state.total).to.equal(3);

    expect((await cartSnapshots.load(`cart-${id}`))?.state).to.deep.equal({ items: ['pear'] });
    expect(await cartSnapshots.load(`cart-${id}`)).to.deep.equal(before);
    // and the next cart command still works on a cart, not on a counter
    const next = await carts.execute(id, () => [{ type: 'ItemAdded', data: { item: 'plum' } }]);
    expect(next.state).to.deep.equal({ items: ['pear', 'plum'] });
  });

  it('readAll({ category }) yields only that category, each event with its category', async () => {
    const cartId = uniqueId('listed');
    await carts.execute(cartId, () => [{ type: 'ItemAdded', data: { item: 'fig' } }]);
    const single = uniqueId('solo').replace('-', '_'); // a stream without '-' is its own category
    await events.append(single, [{ type: 'Set', data: {} }]);
    await events.append(`${single}-x`, [{ type: 'Set', data: {} }]);
    await events.append(`other_${single}-y`, [{ type: 'Set', data: {} }]);
    const found = await collect(events.readAll({ category: single, segments: 3 }));
    expect(found.map((event) => event.streamId).sort()).to.deep.equal([single, `${single}-x`]);
    expect(found.every((event) => event.category === single)).to.equal(true);
    const cartEvents = await collect(events.readAll({ category: 'cart' }));
    expect(cartEvents.map((event) => event.streamId)).to.include(`cart-${cartId}`);
    expect(
      cartEvents.every((event) => event.category === 'cart' && event.streamId.startsWith('cart-')),
    ).to.equal(true);
  });

  it('a category must be letters, digits and _: anything else is a ValidationError naming it', () => {
    for (const category of ['', 'a-b', 'cart#', 'with space', undefined, 7]) {
      expect(
        () =>
          new AggregateRepository({
            category: category as string,
            events,
            initialState: () => 0,
            reduce: () => 0,
          }),
        String(category),
      ).to.throw(ValidationError, /category must be letters, digits and _/);
    }
    expect(() => events.readAll({ category: 'a-b' })).to.throw(ValidationError, /category/);
  });
});
