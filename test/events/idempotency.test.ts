import { expect } from 'chai';
import { EventStore, IdempotencyError, type Table } from '../../src/index.js';
import { createEventTable, partitionItems, rejects, storedVersions, uniqueId } from './helpers.js';

/** Re-sent appends must match what is stored whole, in order and in content, or write nothing. */
describe('EventStore: idempotent appends that are not', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('idempotency');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  const event = (id: string, n = 1) => ({ id, type: 'Noted', data: { n } });

  it("'any': stored [A,B,C], a re-send of [A,X] → IdempotencyError, A is not written again", async () => {
    const stream = uniqueId('ax');
    await store.append(stream, [event('A'), event('B'), event('C')]);
    const error = await rejects(store.append(stream, [event('A'), event('X')]), IdempotencyError);
    expect(error.code).to.equal('events.idempotency');
    expect(error.streamId).to.equal(stream);
    expect(error.message).to.match(/not this append's events in this order/);
    expect(await storedVersions(table, stream)).to.deep.equal([1, 2, 3]);
  });

  it("'any': a re-send of the later part only ([B,C] of [A,B,C]) → IdempotencyError, nothing written", async () => {
    const stream = uniqueId('bc');
    await store.append(stream, [event('A'), event('B'), event('C')]);
    await rejects(store.append(stream, [event('B'), event('C'), event('D')]), IdempotencyError);
    await rejects(store.append(stream, [event('C'), event('B')]), IdempotencyError);
    expect(await storedVersions(table, stream)).to.deep.equal([1, 2, 3]);
  });

  it('an append that mixes a stored id with events without ids → IdempotencyError, nothing written', async () => {
    const stream = uniqueId('mixed');
    await store.append(stream, [event('A')]);
    await rejects(store.append(stream, [event('A'), { type: 'Noted', data: { n: 2 } }]), IdempotencyError);
    expect(await storedVersions(table, stream)).to.deep.equal([1]);
  });

  for (const [what, changed] of [
    ['data', { id: 'E', type: 'Noted', data: { n: 2 } }],
    ['type', { id: 'E', type: 'Renamed', data: { n: 1 } }],
    ['metadata', { id: 'E', type: 'Noted', data: { n: 1 }, metadata: { by: 'someone else' } }],
  ] as const) {
    it(`the same id with other ${what} → IdempotencyError ('any' and numeric), the stored event unchanged`, async () => {
      const stream = uniqueId(`other-${what}`);
      await store.append(stream, [event('E')], { expectedVersion: 0 });
      const [before] = await partitionItems(table, `event#${stream}`);
      const anyError = await rejects(store.append(stream, [changed]), IdempotencyError);
      expect(anyError.message).to.match(/other type, data or metadata|has type/);
      await rejects(store.append(stream, [changed], { expectedVersion: 0 }), IdempotencyError);
      expect(await partitionItems(table, `event#${stream}`)).to.deep.equal([before]);
    });
  }

  it('an exact re-send still returns the stored result, with keys in another order too', async () => {
    const stream = uniqueId('exact');
    const first = await store.append(stream, [
      { id: 'P', type: 'Noted', data: { a: 1, b: [1, 2] } },
      { id: 'Q', type: 'Noted', data: { n: 2 } },
    ]);
    const again = await store.append(stream, [
      { id: 'P', type: 'Noted', data: { b: [1, 2], a: 1 } },
      { id: 'Q', type: 'Noted', data: { n: 2 } },
    ]);
    expect(again).to.deep.equal(first);
    const numeric = await store.append(
      stream,
      [
        { id: 'P', type: 'Noted', data: { a: 1, b: [1, 2] } },
        { id: 'Q', type: 'Noted', data: { n: 2 } },
      ],
      { expectedVersion: 0 },
    );
    expect(numeric.version).to.equal(2);
    expect(await storedVersions(table, stream)).to.deep.equal([1, 2]);
  });

  it('a re-send under another command id → IdempotencyError', async () => {
    const stream = uniqueId('command');
    await store.append(stream, [event('K')], { commandId: 'cmd-1' });
    await rejects(store.append(stream, [event('K')], { commandId: 'cmd-2' }), IdempotencyError);
    const again = await store.append(stream, [event('K')], { commandId: 'cmd-1' });
    expect(again.events[0]?.commandId).to.equal('cmd-1');
    expect(await storedVersions(table, stream)).to.deep.equal([1]);
  });
});
