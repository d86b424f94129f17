import { expect } from 'chai';
import {
  AggregateRepository,
  ConcurrencyError,
  EventStore,
  type Projection,
  Projector,
  SNAPSHOT_SORT_KEY,
  SnapshotStore,
  StreamDeletedError,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { balanceOf, createStreamedEventTable, streamRecords } from '../projections/helpers.js';
import { countRequests } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';
import {
  collect,
  createEventTable,
  partitionItems,
  rejects,
  rejectsWhileIterating,
  uniqueId,
} from './helpers.js';

const deposits = (...amounts: number[]) => amounts.map((amount) => ({ type: 'Deposited', data: { amount } }));

/**
 * deleteStream and archive: a tombstone so that nothing is ever appended to a deleted stream again, the
 * events turned into stubs (their data gone), resumable, safe under concurrent appends, and projections
 * told once.
 */
describe('EventStore.deleteStream and archive', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('delete');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('removes the data and the snapshot; reads, loads and appends of every kind then fail with StreamDeletedError', async () => {
    const streamId = `account-${uniqueId('gone')}`;
    const { token } = await store.append(streamId, deposits(1, 2, 3));
    await new SnapshotStore({ table }).save(streamId, { balance: 6 }, { version: 3 });
    expect(await store.deleteStream(streamId, { expectedVersion: 3 })).to.deep.equal({
      streamId,
      version: 3,
    });

    const items = await partitionItems(table, `event#${streamId}`);
    expect(items.map((item) => item.sk)).to.deep.equal(
      [1, 2, 3, 4, SNAPSHOT_SORT_KEY],
      "three stubs, the tombstone, and a stub in the snapshot's place",
    );
    for (const item of items) expect(Object.keys(item).sort()).to.deep.equal(['deleted', 'pk', 'sk']);
    expect(JSON.stringify(items)).to.not.include('Deposited');

    await rejectsWhileIterating(store.read(streamId), StreamDeletedError);
    await rejects(store.readPage(streamId), StreamDeletedError);
    await rejects(store.version(streamId), StreamDeletedError);
    for (const expectedVersion of [undefined, 0, 3, token] as const) {
      const error = await rejects(
        store.append(streamId, deposits(9), expectedVersion === undefined ? {} : { expectedVersion }),
        StreamDeletedError,
      );
      expect(error.message).to.include(streamId).and.include('deleted');
    }
    const repository = new AggregateRepository({
      category: 'account',
      events: store,
      initialState: () => 0,
      reduce: (state: number) => state + 1,
    });
    await rejects(repository.load(streamId.slice('account-'.length)), StreamDeletedError);
    const all = await collect(store.readAll({ category: 'account' }));
    expect(
      all.filter((event) => event.streamId === streamId),
      'readAll passes over it',
    ).to.deep.equal([]);
    expect(await store.deleteStream(streamId), 'deleting again changes nothing').to.deep.equal({
      streamId,
      version: 3,
    });
  });

  it('a cached aggregate in another process cannot append into a deleted stream', async () => {
    const id = uniqueId('cached').slice('cached-'.length);
    const repository = new AggregateRepository<number, { type: 'Deposited'; data: { amount: number } }>({
      category: 'cached',
      events: store,
      cache: 10,
      initialState: () => 0,
      reduce: (state, event) => state + event.data.amount,
    });
    await repository.execute(id, () => [{ type: 'Deposited', data: { amount: 1 } }]);
    await store.deleteStream(`cached-${id}`);
    await rejects(
      repository.execute(id, () => [{ type: 'Deposited', data: { amount: 1 } }]),
      StreamDeletedError,
    );
  });

  it('expectedVersion: a stream at another version is not deleted (ConcurrencyError)', async () => {
    const streamId = uniqueId('exp');
    await store.append(streamId, deposits(1, 2));
    await rejects(store.deleteStream(streamId, { expectedVersion: 1 }), ConcurrencyError);
    expect(await store.version(streamId)).to.equal(2);
  });

  it('under concurrent appends: every append lands before the tombstone (and is deleted) or fails; nothing survives whole', async () => {
    const streamId = uniqueId('race');
    await store.append(streamId, deposits(1));
    const appends = Array.from({ length: 12 }, (_, index) =>
      store.append(streamId, deposits(index)).then(
        () => 'stored',
        (error) => (error instanceof StreamDeletedError ? 'refused' : error),
      ),
    );
    const [deleted, ...outcomes] = await Promise.all([store.deleteStream(streamId), ...appends]);
    expect(outcomes.every((outcome) => outcome === 'stored' || outcome === 'refused')).to.equal(true);
    const items = await partitionItems(table, `event#${streamId}`);
    expect(
      items.every((item) => item.deleted !== undefined),
      'no event item left whole',
    ).to.equal(true);
    const stored = outcomes.filter((outcome) => outcome === 'stored').length;
    expect(deleted.version, 'the tombstone sits above every append that landed').to.equal(1 + stored);
    expect(items.map((item) => item.sk)).to.deep.equal([
      ...Array.from({ length: stored + 2 }, (_, i) => i + 1),
      SNAPSHOT_SORT_KEY,
    ]);
  });

  it('interrupted after the tombstone: the stream never reads as valid, and deleting again finishes it', async () => {
    const streamId = uniqueId('cut');
    await store.append(streamId, deposits(1, 2, 3, 4));
    const stack = table.client.middlewareStack as unknown as {
      add(m: unknown, o: unknown): void;
      remove(name: string): boolean;
    };
    stack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          if (context.commandName === 'BatchWriteItemCommand') throw new Error('the process died here');
          return next(args);
        },
      { step: 'initialize', name: 'dieOnBatchWrite' },
    );
    try {
      await rejects(store.deleteStream(streamId));
    } finally {
      stack.remove('dieOnBatchWrite');
    }
    const half = await partitionItems(table, `event#${streamId}`);
    expect(
      half.filter((item) => item.deleted === undefined),
      'the events are still there',
    ).to.have.length(4);
    await rejectsWhileIterating(store.read(streamId), StreamDeletedError); // the tombstone at the end
    await rejects(store.version(streamId), StreamDeletedError);
    await rejects(store.append(streamId, deposits(5)), StreamDeletedError);
    expect(await store.deleteStream(streamId)).to.deep.include({ version: 4 });
    const done = await partitionItems(table, `event#${streamId}`);
    expect(done.every((item) => item.deleted !== undefined)).to.equal(true);
  });

  it('two deletions at once (or a re-sent tombstone): both finish the work, no data left', async () => {
    const streamId = uniqueId('twice');
    await store.append(streamId, deposits(1, 2, 3));
    const [first, second] = await Promise.all([store.deleteStream(streamId), store.deleteStream(streamId)]);
    expect(first.version).to.equal(3);
    expect(second.version).to.equal(3);
    const items = await partitionItems(table, `event#${streamId}`);
    expect(items.every((item) => item.deleted !== undefined)).to.equal(true);
  });

  it('a snapshot save racing the deletion cannot put the state back', async () => {
    const streamId = uniqueId('snap');
    await store.append(streamId, deposits(1));
    await store.deleteStream(streamId);
    const snapshots = new SnapshotStore<{ balance: number }>({ table });
    await rejects(snapshots.save(streamId, { balance: 1 }, { version: 1 }), StreamDeletedError);
    await rejects(snapshots.save(streamId, { balance: 1 }, { version: 1, force: true }), StreamDeletedError);
    await rejects(snapshots.load(streamId), StreamDeletedError);
    expect(JSON.stringify(await partitionItems(table, `event#${streamId}`))).to.not.include('balance');
  });

  it('a bad expectedVersion is a ValidationError, nothing deleted', async () => {
    const streamId = uniqueId('bad');
    await store.append(streamId, deposits(1));
    for (const expectedVersion of ['1', -1, 'any', { streamId: 'other', version: 1 }]) {
      await rejects(
        store.deleteStream(streamId, { expectedVersion: expectedVersion as never }),
        ValidationError,
      );
    }
    expect(await store.version(streamId)).to.equal(1);
  });

  it('archive: the events as stored go to another table; reads here say where they went', async () => {
    const archiveTable = await createEventTable('archive');
    try {
      const streamId = uniqueId('old');
      const { events } = await store.append(streamId, deposits(7, 8));
      const requests = countRequests(table.client);
      await store.archive(streamId, { to: archiveTable });
      requests.detach();
      const archived = await collect(new EventStore({ table: archiveTable }).read(streamId));
      expect(archived).to.deep.equal(events);
      const error = await rejects(store.version(streamId), StreamDeletedError);
      expect(error.message).to.include(`archived to table "${archiveTable.tableName}"`);
      expect(error.deletion?.archivedTo).to.equal(archiveTable.tableName);
    } finally {
      await archiveTable.deleteTable();
    }
  });
});

describe('deleteStream: projections are told once', () => {
  let table: Table;
  let readModel: Table;
  let store: EventStore;

  before(async () => {
    table = await createStreamedEventTable('delete-projected');
    readModel = await createTestTable({ sortKey: false, prefix: 'delete-model' });
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  it('onStreamDeleted runs once (duplicate deliveries too); late events of the stream are dropped', async () => {
    const told: string[] = [];
    const projection: Projection = {
      name: 'balances',
      categories: ['account'],
      project: (event) => [
        readModel.updateOp(`balance#${event.streamId}`, undefined, {
          add: { balance: (event.data as { amount: number }).amount, events: 1 },
        }),
      ],
      onStreamDeleted: ({ streamId }) => {
        told.push(streamId);
        return [readModel.deleteOp(`balance#${streamId}`)];
      },
    };
    const projector = new Projector({ events: store, projections: [projection] });
    const handler = projector.lambdaHandler();
    const streamId = `account-${uniqueId('told')}`;
    await store.append(streamId, deposits(5, 6));
    const before = (await streamRecords(table)).filter((r) =>
      JSON.stringify(r.dynamodb?.Keys).includes(`"event#${streamId}"`),
    );
    expect(await handler({ Records: before })).to.deep.equal({ batchItemFailures: [] });
    expect(await balanceOf(readModel, streamId)).to.deep.equal({ balance: 11, events: 2 });

    await store.deleteStream(streamId);
    const all = (await streamRecords(table)).filter((r) =>
      JSON.stringify(r.dynamodb?.Keys).includes(`"event#${streamId}"`),
    );
    expect(await handler({ Records: all })).to.deep.equal({ batchItemFailures: [] });
    expect(await handler({ Records: all })).to.deep.equal({ batchItemFailures: [] });
    expect(told).to.deep.equal([streamId]);
    expect(await balanceOf(readModel, streamId), 'the read model forgot it').to.equal(undefined);
    expect(await handler({ Records: before }), 'late events: dropped').to.deep.equal({
      batchItemFailures: [],
    });
    expect(await balanceOf(readModel, streamId)).to.equal(undefined);
  });
});
