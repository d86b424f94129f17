import { expect } from 'chai';
import {
  AggregateRepository,
  ConcurrencyError,
  EventStore,
  SnapshotStore,
  type Table,
} from '../../src/index.js';
import { collect, createEventTable, uniqueId } from '../events/helpers.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from './counter.js';

describe('AggregateRepository with a snapshot the events do not back', () => {
  let table: Table;
  let events: EventStore;
  let snapshots: SnapshotStore<Counter>;
  let repository: AggregateRepository<Counter, CounterEvent>;

  before(async () => {
    table = await createEventTable('agg-untrusted');
    events = new EventStore({ table });
    snapshots = new SnapshotStore<Counter>({ table });
    repository = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots,
      initialState: initialCounter,
      reduce: reduceCounter,
    });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('load ignores a snapshot ahead of the stream, and the next execute leaves no gap', async () => {
    const id = uniqueId('ahead');
    await events.append(counterStream(id), [...added('a'), ...added('b'), ...added('c')], {
      expectedVersion: 0,
    });
    await snapshots.save(counterStream(id), { total: 99, applied: ['forged'], folded: [] }, { version: 10 });

    const loaded = await repository.load(id);
    expect(loaded.version).to.equal(3);
    expect(loaded.state.total).to.equal(3);
    expect(loaded.state.applied).to.deep.equal(['a', 'b', 'c']);

    const executed = await repository.execute(id, () => added('d'));
    expect(executed.version).to.equal(4);
    const versions = (await collect(events.read(counterStream(id)))).map((event) => event.version);
    expect(versions).to.deep.equal([1, 2, 3, 4]);
  });

  it('rebuild replaces a snapshot that is ahead of the stream with the one from the events', async () => {
    const id = uniqueId('rewrite');
    await events.append(counterStream(id), added('a', 2), { expectedVersion: 0 });
    await snapshots.save(counterStream(id), { total: 50, applied: ['forged'], folded: [] }, { version: 9 });

    const rebuilt = await repository.rebuild(id);
    expect(rebuilt.version).to.equal(2);
    const snapshot = await snapshots.load(counterStream(id));
    expect(snapshot?.version).to.equal(2);
    expect(snapshot?.state.total).to.equal(2);
  });

  it('rebuildAll replaces such snapshots too', async () => {
    const id = uniqueId('rewrite-all');
    await events.append(counterStream(id), added('a', 3), { expectedVersion: 0 });
    await snapshots.save(counterStream(id), { total: 77, applied: [], folded: [] }, { version: 40 });

    const result = await repository.rebuildAll({ segments: 2 });
    expect(result.failed).to.deep.equal([]);
    const snapshot = await snapshots.load(counterStream(id));
    expect(snapshot?.version).to.equal(3);
    expect(snapshot?.state.total).to.equal(3);
  });

  it('onConflict is called before each retry, not for the last failed attempt', async () => {
    const id = uniqueId('conflicts');
    await events.append(counterStream(id), added('seed'), { expectedVersion: 0 });
    const conflicts: number[] = [];
    const other = new EventStore({ table });
    const stubborn = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      initialState: initialCounter,
      reduce: reduceCounter,
      retry: { retries: 2, minTimeout: 1, maxTimeout: 2 },
      onConflict: (_error, _id, attempt) => conflicts.push(attempt),
    });
    let attempts = 0;
    const failure = await stubborn
      .execute(id, async (_state, version) => {
        attempts++;
        await other.append(counterStream(id), added(`interloper-${attempts}`), { expectedVersion: version }); // someone else wins
        return added('mine');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).to.be.instanceOf(ConcurrencyError);
    expect(attempts).to.equal(3);
    expect(conflicts).to.deep.equal([1, 2]);
  });
});
