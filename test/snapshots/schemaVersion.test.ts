import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  SnapshotStore,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { createEventTable, partitionItems, uniqueId } from '../events/helpers.js';
import { countRequests } from '../support/helpers.js';

/** Snapshots carry the schema version of the state: another version is never folded into; hooks serialize. */
describe('SnapshotStore: schema versions and serializers', () => {
  let table: Table;
  let events: EventStore;

  before(async () => {
    table = await createEventTable('snap-schema');
    events = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  type Added = { type: 'Added'; data: { n: number } };
  const adds = (count: number) => Array.from({ length: count }, () => ({ type: 'Added', data: { n: 1 } }));

  it('a snapshot of another schema version is ignored by load and replaced by the next save, even a newer one', async () => {
    const v1 = new SnapshotStore<{ total: number }>({ table });
    const v2 = new SnapshotStore<{ sum: number }>({ table, schemaVersion: 2 });
    const streamId = `counter-${uniqueId('shape')}`;
    expect(await v1.save(streamId, { total: 9 }, { version: 9 })).to.equal(true);
    expect(await v2.load(streamId), 'the v1 state is not a v2 state').to.equal(undefined);
    expect(
      await v2.save(streamId, { sum: 5 }, { version: 5 }),
      'replaces the v1 snapshot at version 9',
    ).to.equal(true);
    expect(await v2.load(streamId)).to.deep.include({ state: { sum: 5 }, version: 5, schemaVersion: 2 });
    expect(await v2.save(streamId, { sum: 4 }, { version: 4 }), 'never backwards within one shape').to.equal(
      false,
    );
    expect(await v1.load(streamId), 'and old code ignores the new shape').to.equal(undefined);
    expect(
      await v1.save(streamId, { total: 6 }, { version: 6 }),
      'the old code may replace it back',
    ).to.equal(true);
  });

  it('the repository folds from the events when the snapshot has another shape, then saves its own', async () => {
    const id = uniqueId('repo');
    await events.append(`counter-${id}`, adds(4));
    const old = new SnapshotStore<{ total: number }>({ table });
    await old.save(`counter-${id}`, { total: 1_000 }, { version: 4 }); // a state of the old shape
    const repository = new AggregateRepository<{ sum: number }, Added>({
      category: 'counter',
      events,
      snapshots: new SnapshotStore<{ sum: number }>({ table, schemaVersion: 2 }),
      snapshotEvery: 2,
      cache: false,
      initialState: () => ({ sum: 0 }),
      reduce: (state, event) => ({ sum: state.sum + event.data.n }),
    });
    expect((await repository.load(id)).state, 'from the 4 events, not from the old snapshot').to.deep.equal({
      sum: 4,
    });
    await repository.execute(id, () => [{ type: 'Added', data: { n: 1 } }]);
    await repository.execute(id, () => [{ type: 'Added', data: { n: 1 } }]); // version 6: a snapshot is due
    const snapshot = (await partitionItems(table, `event#counter-${id}`)).at(-1);
    expect(snapshot).to.deep.include({ state: { sum: 6 }, version: 6, schemaVersion: 2 });
    const requests = countRequests(table.client);
    try {
      expect((await repository.load(id)).state).to.deep.equal({ sum: 6 });
      expect(requests.counts, 'the new snapshot loads in one Query').to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('serialize / deserialize: a state holding a Map and a Date is snapshotted and loaded back', async () => {
    type State = { seen: Map<string, number>; last: Date };
    const snapshots = new SnapshotStore<State>({
      table,
      serialize: (state) => ({ seen: Object.fromEntries(state.seen), last: state.last.toISOString() }),
      deserialize: (stored) => {
        const { seen, last } = stored as { seen: Record<string, number>; last: string };
        return { seen: new Map(Object.entries(seen)), last: new Date(last) };
      },
    });
    const streamId = `clock-${uniqueId('map')}`;
    const state = { seen: new Map([['a', 1]]), last: new Date('2026-01-02T03:04:05Z') };
    await snapshots.save(streamId, state, { version: 1 });
    const loaded = await snapshots.load(streamId);
    expect(loaded?.state.seen).to.be.instanceOf(Map);
    expect([...(loaded?.state.seen ?? [])]).to.deep.equal([['a', 1]]);
    expect(loaded?.state.last.getTime()).to.equal(state.last.getTime());
  });

  it('bad options: a schema version that is not a whole number, a serializer without its inverse', () => {
    expect(() => new SnapshotStore({ table, schemaVersion: 1.5 })).to.throw(ValidationError, 'schemaVersion');
    expect(() => new SnapshotStore({ table, serialize: (state) => state })).to.throw(
      ValidationError,
      'together',
    );
  });
});
