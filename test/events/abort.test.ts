import { expect } from 'chai';
import { EventStore, type Table } from '../../src/index.js';
import { createEventTable, numbered } from './helpers.js';

/** "An aborted call rejects with the signal's reason": a read stops within one event of the abort. */
describe('EventStore: aborted reads', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('events-abort');
    store = new EventStore({ table });
    for (let n = 0; n < 2; n++) await store.append('long', numbered(100));
  });

  after(async () => {
    await table.deleteTable();
  });

  it('a read aborted after 10 events yields no 11th: it rejects with the reason itself', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const event of store.read('long', { signal: controller.signal })) {
        seen.push(event.version);
        if (seen.length === 10) controller.abort(reason);
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).to.equal(reason);
    expect(seen).to.have.length(10);
  });

  it('readAll stops within one event of an abort too', async () => {
    const controller = new AbortController();
    const reason = new Error('stop scanning');
    let seen = 0;
    let error: unknown;
    try {
      for await (const _ of store.readAll({ signal: controller.signal, segments: 1 })) {
        seen++;
        if (seen === 5) controller.abort(reason);
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).to.equal(reason);
    expect(seen).to.equal(5);
  });
});
