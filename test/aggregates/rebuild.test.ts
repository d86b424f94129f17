import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  type RebuildProgress,
  type SaveSnapshotOptions,
  SnapshotStore,
  type StoredOf,
  StreamCorruptedError,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { createEventTable, putRawEvent, range, rejects, uniqueId } from '../events/helpers.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from './counter.js';

describe('AggregateRepository.rebuild', () => {
  let table: Table;
  let events: EventStore;
  let snapshots: SnapshotStore<Counter>;
  let repo: AggregateRepository<Counter, CounterEvent>;

  before(async () => {
    table = await createEventTable('agg-rebuild');
    events = new EventStore({ table });
    snapshots = new SnapshotStore<Counter>({ table });
    repo = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots,
      initialState: initialCounter,
      reduce: reduceCounter,
      snapshotEvery: 1000,
    });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('replays the events alone (ignoring a wrong snapshot), equals a load from scratch, and rewrites the snapshot', async () => {
    const id = uniqueId('rebuild');
    await events.append(
      counterStream(id),
      range(1, 7).flatMap((n) => added(`c${n}`, 1, n)),
      { expectedVersion: 0 },
    );
    // a snapshot written by an older, buggy reducer
    await snapshots.save(counterStream(id), { total: -999, applied: ['bug'], folded: [] }, { version: 7 });
    expect((await repo.load(id)).state.total).to.equal(-999);

    const rebuilt = await repo.rebuild(id);
    const expected = { total: 28, applied: range(1, 7).map((n) => `c${n}`), folded: range(1, 7) };
    expect(rebuilt).to.deep.equal({
      state: expected,
      version: 7,
      token: { streamId: counterStream(id), version: 7 },
    });

    const fromScratch = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events: new EventStore({ table }),
      initialState: initialCounter,
      reduce: reduceCounter,
    });
    expect(await fromScratch.load(id)).to.deep.equal(rebuilt);
    const snapshot = await snapshots.load(counterStream(id));
    expect(snapshot?.version).to.equal(7);
    expect(snapshot?.state).to.deep.equal(expected);
    expect(await repo.load(id)).to.deep.equal(rebuilt);
  });

  it('an aggregate without events: initial state at 0, and no snapshot written', async () => {
    const id = uniqueId('empty');
    expect(await repo.rebuild(id)).to.deep.equal({
      state: initialCounter(),
      version: 0,
      token: { streamId: counterStream(id), version: 0 },
    });
    expect(await snapshots.load(counterStream(id))).to.equal(undefined);
  });

  it('a stream with a gap → StreamCorruptedError, and the snapshot is left alone', async () => {
    const id = uniqueId('gap');
    await events.append(counterStream(id), added('a', 2), { expectedVersion: 0 });
    await putRawEvent(table, counterStream(id), 4, 'Added', { amount: 1, command: 'raw' });
    await snapshots.save(
      counterStream(id),
      { total: 2, applied: ['a', 'a'], folded: [1, 2] },
      { version: 2 },
    );
    const error = await rejects(repo.rebuild(id), StreamCorruptedError);
    expect([error.streamId, error.expectedVersion, error.foundVersion]).to.deep.equal([
      counterStream(id),
      3,
      4,
    ]);
    expect((await snapshots.load(counterStream(id)))?.version).to.equal(2);
  });
});

describe('AggregateRepository.rebuildAll', () => {
  const STREAMS = 100;
  let table: Table;
  let events: EventStore;
  /** Events per healthy counter (by aggregate id; its stream is `counter-<id>`): 1 + (index % 7). */
  const sizes = new Map<string, number>();
  let totalEvents = 0;

  before(async () => {
    table = await createEventTable('agg-rebuildall');
    events = new EventStore({ table });
    await Promise.all(
      range(0, STREAMS - 1).map(async (index) => {
        const id = `acct-${String(index).padStart(3, '0')}`;
        const size = 1 + (index % 7);
        sizes.set(id, size);
        await events.append(
          counterStream(id),
          range(1, size).flatMap((n) => added(`${id}/c${n}`, 1, n)),
          { expectedVersion: 0 },
        );
      }),
    );
    // one stream the reducer refuses, one stream with a gap (1, 2, 4)
    await events.append('counter-poison', added('poison/c1', 3), { expectedVersion: 0 });
    await events.append('counter-gappy', added('gappy/c1', 2), { expectedVersion: 0 });
    await putRawEvent(table, 'counter-gappy', 4, 'Added', { amount: 1, command: 'raw' });
    // poison's 3 events are read; gappy's version 4 is skipped once its gap is found (2 read)
    totalEvents = [...sizes.values()].reduce((sum, size) => sum + size, 0) + 3 + 2;
  });

  after(async () => {
    await table.deleteTable();
  });

  const poison = new Error('the reducer cannot handle this stream');

  function repository(snapshots: SnapshotStore<Counter>) {
    return new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots,
      initialState: initialCounter,
      reduce: (state: Counter, event: StoredOf<CounterEvent>) => {
        if (event.streamId === 'counter-poison' && event.version === 2) throw poison;
        return reduceCounter(state, event);
      },
    });
  }

  /** Expected state of a healthy stream: amounts 1..size. */
  function expectedState(id: string): Counter {
    const size = sizes.get(id) as number;
    return {
      total: (size * (size + 1)) / 2,
      applied: range(1, size).map((n) => `${id}/c${n}`),
      folded: range(1, size),
    };
  }

  for (const segments of [1, 4]) {
    it(`segments ${segments}: replays every stream, snapshots the healthy ones, reports the failing ones`, async () => {
      // a snapshot store of its own per run: a fresh look at what this run wrote
      const snapshots = new SnapshotStore<Counter>({ table });
      const prefix = `run${segments}`;
      // keep the runs apart: each run stores its snapshots under a prefixed id
      const prefixed = new (class extends SnapshotStore<Counter> {
        override save(id: string, state: Counter, options: SaveSnapshotOptions): Promise<boolean> {
          return snapshots.save(`${prefix}:${id}`, state, options);
        }
      })({ table });
      const progress: RebuildProgress[] = [];
      const result = await repository(prefixed).rebuildAll({
        segments,
        concurrency: 4,
        onProgress: (p) => progress.push({ ...p }),
      });

      expect(result.streams).to.equal(STREAMS + 2);
      expect(result.events).to.equal(totalEvents);
      expect(result.failed.map((failure) => failure.streamId).sort()).to.deep.equal([
        'counter-gappy',
        'counter-poison',
      ]);
      const byId = new Map(result.failed.map((failure) => [failure.streamId, failure.error]));
      expect(byId.get('counter-poison')).to.equal(poison);
      const gap = byId.get('counter-gappy');
      expect(gap).to.be.instanceOf(StreamCorruptedError);
      expect([
        (gap as StreamCorruptedError).streamId,
        (gap as StreamCorruptedError).expectedVersion,
        (gap as StreamCorruptedError).foundVersion,
      ]).to.deep.equal(['counter-gappy', 3, 4]);

      // progress: one report per stream, counts increasing, ending at the totals
      expect(progress).to.have.length(STREAMS + 2);
      expect(progress.map((p) => p.streams)).to.deep.equal(range(1, STREAMS + 2));
      for (let index = 1; index < progress.length; index++) {
        expect((progress[index] as RebuildProgress).events).to.be.at.least(
          (progress[index - 1] as RebuildProgress).events,
        );
        expect((progress[index] as RebuildProgress).failed).to.be.at.least(
          (progress[index - 1] as RebuildProgress).failed,
        );
      }
      expect(progress.at(-1)).to.deep.equal({ streams: STREAMS + 2, events: totalEvents, failed: 2 });

      for (const id of sizes.keys()) {
        const snapshot = await snapshots.load(`${prefix}:${counterStream(id)}`);
        expect(snapshot?.version, id).to.equal(sizes.get(id));
        expect(snapshot?.state, id).to.deep.equal(expectedState(id));
      }
      expect(await snapshots.load(`${prefix}:counter-poison`)).to.equal(undefined);
      expect(await snapshots.load(`${prefix}:counter-gappy`)).to.equal(undefined);
    });
  }

  it('writes real snapshots that load then uses, and never counts snapshots as streams', async () => {
    const snapshots = new SnapshotStore<Counter>({ table });
    const repo = repository(snapshots);
    const first = await repo.rebuildAll({ segments: 2 });
    expect(first.streams).to.equal(STREAMS + 2);
    const again = await repo.rebuildAll({ segments: 3 });
    expect(again.streams).to.equal(STREAMS + 2);
    expect(again.events).to.equal(totalEvents);
    const snapshot = await snapshots.load(counterStream('acct-013'));
    expect(snapshot?.version).to.equal(sizes.get('acct-013'));
    expect((await repo.load('acct-013')).state).to.deep.equal(expectedState('acct-013'));
  });

  it('a snapshot write that fails puts the stream in failed, and the others go on', async () => {
    const snapshots = new SnapshotStore<Counter>({ table });
    const refusal = new Error('snapshot refused (test)');
    const flaky = new (class extends SnapshotStore<Counter> {
      override save(id: string, state: Counter, options: SaveSnapshotOptions): Promise<boolean> {
        if (id === counterStream('acct-042')) return Promise.reject(refusal);
        return snapshots.save(`flaky:${id}`, state, options);
      }
    })({ table });
    const result = await repository(flaky).rebuildAll({ segments: 2 });
    expect(result.streams).to.equal(STREAMS + 2);
    expect(result.failed.map((failure) => failure.streamId).sort()).to.deep.equal([
      'counter-acct-042',
      'counter-gappy',
      'counter-poison',
    ]);
    expect(result.failed.find((failure) => failure.streamId === 'counter-acct-042')?.error).to.equal(refusal);
    expect((await snapshots.load('flaky:counter-acct-041'))?.version).to.equal(sizes.get('acct-041'));
  });

  it('a bad concurrency → ValidationError', async () => {
    const repo = repository(new SnapshotStore<Counter>({ table }));
    for (const concurrency of [0, -1, 1.5]) {
      const error = await rejects(repo.rebuildAll({ concurrency }), ValidationError);
      expect(error.message).to.include(`concurrency must be a positive integer, got ${concurrency}`);
    }
  });
});
