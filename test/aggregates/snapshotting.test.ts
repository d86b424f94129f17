import { expect } from 'chai';
import {
  AggregateRepository,
  type AggregateRepositoryOptions,
  EventStore,
  type SaveSnapshotOptions,
  SNAPSHOT_SORT_KEY,
  SnapshotStore,
  type Table,
} from '../../src/index.js';
import { collect, createEventTable, range, uniqueId } from '../events/helpers.js';
import { countRequests, recordInputs } from '../support/helpers.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from './counter.js';

/** A snapshot store whose writes always fail, as when DynamoDB throttles them. */
class FailingSnapshotStore extends SnapshotStore<Counter> {
  saves = 0;
  readonly failure = new Error('snapshot write failed (test)');

  override async save(_id: string, _state: Counter, _options: SaveSnapshotOptions): Promise<boolean> {
    this.saves++;
    throw this.failure;
  }
}

describe('AggregateRepository: snapshots taken by execute', () => {
  let table: Table;
  let events: EventStore;
  let snapshots: SnapshotStore<Counter>;

  before(async () => {
    table = await createEventTable('agg-snap');
    events = new EventStore({ table });
    snapshots = new SnapshotStore<Counter>({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  function repository(options: Partial<AggregateRepositoryOptions<Counter, CounterEvent>> = {}) {
    return new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots,
      initialState: initialCounter,
      reduce: reduceCounter,
      snapshotEvery: 5,
      retry: { minTimeout: 1, maxTimeout: 20 },
      ...options,
    });
  }

  it('every 5: a snapshot after versions 5 and 10, none in between, each equal to the state then', async () => {
    const id = uniqueId('every5');
    const repo = repository();
    const snapshotVersions: (number | undefined)[] = [];
    const states = new Map<number, Counter>();
    for (const n of range(1, 12)) {
      const result = await repo.execute(id, () => added(`c${n}`));
      states.set(result.version, structuredClone(result.state));
      snapshotVersions.push((await snapshots.load(counterStream(id)))?.version);
    }
    expect(snapshotVersions).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      5,
      5,
      5,
      5,
      5,
      10,
      10,
      10,
    ]);
    expect((await snapshots.load(counterStream(id)))?.state).to.deep.equal(states.get(10));
  });

  it('a command whose events cross a multiple (4 → 7 with every 5) snapshots at 7', async () => {
    const id = uniqueId('cross');
    const repo = repository();
    await repo.execute(id, () => added('a', 4));
    expect(await snapshots.load(counterStream(id))).to.equal(undefined);
    const result = await repo.execute(id, () => added('b', 3));
    expect(result.version).to.equal(7);
    const snapshot = await snapshots.load(counterStream(id));
    expect(snapshot?.version).to.equal(7);
    expect(snapshot?.state).to.deep.equal(result.state);
  });

  it("the crossing execute costs one more PutItem (the snapshot, in the stream's partition)", async () => {
    const id = uniqueId('cost');
    const repo = repository();
    await repo.execute(id, () => added('a', 4));
    const requests = countRequests(table.client);
    const puts = recordInputs(table.client, 'PutItemCommand');
    try {
      await repo.execute(id, () => added('b'));
      // warm: the event's PutItem, then the snapshot's
      expect(requests.counts).to.deep.equal({ PutItemCommand: 2 });
      expect(puts.inputs.map((input) => (input.Item as Record<string, unknown>).sk)).to.deep.equal([
        5,
        SNAPSHOT_SORT_KEY,
      ]);
      expect(puts.inputs.map((input) => (input.Item as Record<string, unknown>).pk)).to.deep.equal([
        `event#${counterStream(id)}`,
        `event#${counterStream(id)}`,
      ]);
    } finally {
      requests.detach();
      puts.detach();
    }
  });

  it('load uses the snapshot: a fresh repository and store fold only the events after it, in 1 Query', async () => {
    const id = uniqueId('uses');
    const repo = repository();
    for (const n of range(1, 12)) await repo.execute(id, () => added(`c${n}`));
    const fresh = repository({
      events: new EventStore({ table }),
      snapshots: new SnapshotStore<Counter>({ table }),
    });
    const requests = countRequests(table.client);
    try {
      const { state, version } = await fresh.load(id);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
      expect(version).to.equal(12);
      expect(state.total).to.equal(12);
      // folded by the repository that wrote the snapshot: 1..10; by this load: only 11 and 12
      expect(state.folded).to.deep.equal([...range(1, 10), 11, 12]);
      expect(state.applied).to.deep.equal(range(1, 12).map((n) => `c${n}`));
    } finally {
      requests.detach();
    }
    // the state came from the snapshot: a snapshot with a recognisable state shows through
    await snapshots.save(
      counterStream(id),
      { total: -1, applied: ['from-snapshot'], folded: [] },
      { version: 12 },
    );
    expect((await fresh.load(id)).state).to.deep.equal({ total: -1, applied: ['from-snapshot'], folded: [] });
  });

  it('a snapshot at the head proves its version: execute on a fresh repository is Query + PutItem', async () => {
    const id = uniqueId('proof');
    await repository().execute(id, () => added('a', 5));
    expect((await snapshots.load(counterStream(id)))?.version).to.equal(5);
    const fresh = repository({
      events: new EventStore({ table }),
      snapshots: new SnapshotStore<Counter>({ table }),
    });
    const requests = countRequests(table.client);
    try {
      const result = await fresh.execute(id, () => added('b'));
      expect(result.version).to.equal(6);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('the default is every 100: the append that reaches version 100 snapshots', async () => {
    const id = uniqueId('default');
    const repo = repository({ snapshotEvery: undefined });
    await events.append(
      counterStream(id),
      range(1, 99).flatMap((n) => added(`c${n}`)),
      { expectedVersion: 0 },
    );
    await repo.execute(id, () => added('c100'));
    const snapshot = await snapshots.load(counterStream(id));
    expect(snapshot?.version).to.equal(100);
    expect(snapshot?.state.total).to.equal(100);
  });

  it('without a snapshot store, nothing is snapshotted and commands work', async () => {
    const id = uniqueId('none');
    const repo = repository({ snapshots: undefined });
    for (const n of range(1, 6)) await repo.execute(id, () => added(`c${n}`));
    expect(await snapshots.load(counterStream(id))).to.equal(undefined);
    expect((await repo.load(id)).version).to.equal(6);
  });

  it('a failing snapshot write never fails the command; onSnapshotError gets the error and the id', async () => {
    const id = uniqueId('failing');
    const failing = new FailingSnapshotStore({ table });
    const reported: [unknown, string][] = [];
    const repo = repository({
      snapshots: failing,
      onSnapshotError: (error, aggregateId) => reported.push([error, aggregateId]),
    });
    await repo.execute(id, () => added('a', 4));
    expect(failing.saves).to.equal(0);
    const result = await repo.execute(id, () => added('b'));
    expect(result.version).to.equal(5);
    expect(result.state.total).to.equal(5);
    expect(failing.saves).to.equal(1);
    expect(reported).to.have.length(1);
    expect(reported[0]?.[0]).to.equal(failing.failure);
    expect(reported[0]?.[1]).to.equal(id);
    expect((await collect(events.read(counterStream(id)))).map((event) => event.version)).to.deep.equal(
      range(1, 5),
    );
    expect(await snapshots.load(counterStream(id))).to.equal(undefined);
  });

  it('a failing snapshot write without onSnapshotError: the command still succeeds, one process warning per category', async () => {
    const id = uniqueId('failing-quiet');
    // a category of its own: the warning is emitted once per category and process
    const category = 'snapshot_warning';
    const failing = new FailingSnapshotStore({ table });
    const repo = repository({ category, snapshots: failing });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if ((warning as Error & { code?: string }).code === 'DYNAGO_SNAPSHOT_FAILED') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const result = await repo.execute(id, () => added('a', 5));
      expect(result.version).to.equal(5);
      expect(failing.saves).to.equal(1);
      expect(await events.version(`${category}-${id}`)).to.equal(5);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.message).to.include(`"${category}"`);
      expect(warnings[0]?.message).to.include(failing.failure.message);
      // the next failure of the same category does not warn again
      const again = await repo.execute(id, () => added('b', 5));
      expect(again.version).to.equal(10);
      expect(failing.saves).to.equal(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).to.have.length(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a snapshot refused as stale (a newer one got there first) does not fail the command', async () => {
    const id = uniqueId('stale');
    const reported: unknown[] = [];
    const outcomes: boolean[] = [];
    const newer = { total: 6, applied: ['newer'], folded: [] };
    // another process saves the snapshot of version 6 just before this one saves version 5
    const raced = new (class extends SnapshotStore<Counter> {
      override async save(
        aggregateId: string,
        state: Counter,
        options: SaveSnapshotOptions,
      ): Promise<boolean> {
        await snapshots.save(aggregateId, newer, { version: options.version + 1 });
        const saved = await super.save(aggregateId, state, options);
        outcomes.push(saved);
        return saved;
      }
    })({ table });
    const repo = repository({ snapshots: raced, onSnapshotError: (error) => reported.push(error) });
    await repo.execute(id, () => added('a', 4));
    const result = await repo.execute(id, () => added('b'));
    expect(result.version).to.equal(5);
    expect(outcomes).to.deep.equal([false]);
    expect(reported).to.deep.equal([]);
    expect(await snapshots.load(counterStream(id))).to.deep.include({ version: 6, state: newer });
  });
});
