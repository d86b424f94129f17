import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  SnapshotStore,
  StreamCorruptedError,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { createEventTable, putRawEvent, range, rejects, uniqueId } from '../events/helpers.js';
import { countRequests } from '../support/tables.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from './counter.js';

describe('AggregateRepository.load', () => {
  let table: Table;

  before(async () => {
    table = await createEventTable('agg-load');
  });

  after(async () => {
    await table.deleteTable();
  });

  /** A repository on fresh store instances (nothing seen yet), with snapshots unless told otherwise. */
  function repository(withSnapshots = true) {
    let initialCalls = 0;
    const events = new EventStore({ table });
    const snapshots = new SnapshotStore<Counter>({ table });
    const repo = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      ...(withSnapshots ? { snapshots } : {}),
      initialState: () => {
        initialCalls++;
        return initialCounter();
      },
      reduce: reduceCounter,
      snapshotEvery: 1000,
    });
    return { repo, events, snapshots, initialCalls: () => initialCalls };
  }

  /** A counter of `count` Added events (commands c1, c2, …), written by its own store; returns its id. */
  async function streamOf(count: number): Promise<string> {
    const id = uniqueId('acct');
    await new EventStore({ table }).append(
      counterStream(id),
      range(1, count).flatMap((n) => added(`c${n}`)),
      { expectedVersion: 0 },
    );
    return id;
  }

  it('an aggregate without events: the initial state at version 0, in 1 Query', async () => {
    const { repo } = repository();
    const id = uniqueId('nobody');
    const requests = countRequests(table.client);
    try {
      expect(await repo.load(id)).to.deep.equal({
        state: initialCounter(),
        version: 0,
        token: { streamId: counterStream(id), version: 0 },
      });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('without a snapshot store: folds every event, in one Query', async () => {
    const id = await streamOf(8);
    const { repo } = repository(false);
    const requests = countRequests(table.client);
    try {
      const { state, version } = await repo.load(id);
      expect(version).to.equal(8);
      expect(state.total).to.equal(8);
      expect(state.folded).to.deep.equal(range(1, 8));
      expect(state.applied).to.deep.equal(range(1, 8).map((n) => `c${n}`));
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('snapshot + newer events: only the events after the snapshot are folded, in 1 Query', async () => {
    const id = await streamOf(8);
    const { repo, snapshots } = repository();
    // a snapshot at 5 whose state is recognisable (total 500, not 5): load must start from it
    await snapshots.save(counterStream(id), { total: 500, applied: ['snap'], folded: [] }, { version: 5 });
    const requests = countRequests(table.client);
    try {
      const { state, version } = await repo.load(id);
      expect(version).to.equal(8);
      expect(state).to.deep.equal({ total: 503, applied: ['snap', 'c6', 'c7', 'c8'], folded: [6, 7, 8] });
      // the snapshot item and the events after it come in the same Query
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('a fresh snapshot (at the head): state from the snapshot, nothing folded, 1 Query', async () => {
    const id = await streamOf(4);
    const { repo, snapshots } = repository();
    await snapshots.save(counterStream(id), { total: 40, applied: ['snap'], folded: [] }, { version: 4 });
    const requests = countRequests(table.client);
    try {
      expect(await repo.load(id)).to.deep.equal({
        state: { total: 40, applied: ['snap'], folded: [] },
        version: 4,
        token: { streamId: counterStream(id), version: 4 },
      });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('initialState is called once per load that starts from scratch, and never shared', async () => {
    const id = await streamOf(3);
    const { repo, snapshots, initialCalls } = repository();
    const first = await repo.load(id);
    const second = await repo.load(id);
    expect(initialCalls()).to.equal(2);
    expect(first.state).to.not.equal(second.state);
    expect(second.state.folded).to.deep.equal([1, 2, 3]);
    await snapshots.save(counterStream(id), { total: 3, applied: [], folded: [] }, { version: 3 });
    await repo.load(id);
    expect(initialCalls()).to.equal(2);
  });

  it('a gap after the snapshot → StreamCorruptedError, never a silently wrong state', async () => {
    const id = await streamOf(5);
    await putRawEvent(table, counterStream(id), 7, 'Added', { amount: 1, command: 'raw' });
    const { repo, snapshots } = repository();
    const noSnapshot = await rejects(repo.load(id), StreamCorruptedError);
    expect([noSnapshot.streamId, noSnapshot.expectedVersion, noSnapshot.foundVersion]).to.deep.equal([
      counterStream(id),
      6,
      7,
    ]);
    await snapshots.save(counterStream(id), initialCounter(), { version: 2 });
    const fromSnapshot = await rejects(repo.load(id), StreamCorruptedError);
    expect([fromSnapshot.expectedVersion, fromSnapshot.foundVersion]).to.deep.equal([6, 7]);
  });

  it('bad aggregate ids → ValidationError, no request', async () => {
    const { repo } = repository();
    const requests = countRequests(table.client);
    try {
      for (const [id, message] of [
        ['', /aggregateId must be a non-empty string, got an empty string/],
        [7, /aggregateId must be a non-empty string, got 7/],
        // the limit is on the stream id: 'counter-' (8 bytes) + 1017 = 1025 bytes, one too many
        [
          'a'.repeat(1017),
          /aggregateId \(as stream "counter-…"\) is 1025 bytes long; stream and aggregate ids may be at most 1024 bytes \(UTF-8\)/,
        ],
        // two-byte characters: 'counter-' + 509 × 2 = 1026 bytes
        ['é'.repeat(509), /aggregateId \(as stream "counter-…"\) is 1026 bytes long/],
      ] as const) {
        const error = await rejects(repo.load(id as string), ValidationError);
        expect(error.message).to.match(message);
        await rejects(repo.rebuild(id as string), ValidationError);
        await rejects(
          repo.execute(id as string, () => added('x')),
          ValidationError,
        );
      }
      // exactly at the limit: 'counter-' + 1016 = 1024 bytes
      expect(repo.streamId('a'.repeat(1016))).to.equal(`counter-${'a'.repeat(1016)}`);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('construction refuses missing parts and a bad snapshotEvery', () => {
    const events = new EventStore({ table });
    const base = { category: 'counter', events, initialState: initialCounter, reduce: reduceCounter };
    const build = (options: Record<string, unknown>) => () =>
      new AggregateRepository<Counter, CounterEvent>(options as never);
    expect(build({ ...base, events: undefined })).to.throw(
      ValidationError,
      /events \(an EventStore\) is required/,
    );
    expect(build({ ...base, reduce: undefined })).to.throw(
      ValidationError,
      /initialState and reduce must be functions/,
    );
    expect(build({ ...base, initialState: {} })).to.throw(
      ValidationError,
      /initialState and reduce must be functions/,
    );
    for (const every of [0, -5, 2.5, Number.NaN, 10_001, Number.POSITIVE_INFINITY]) {
      expect(build({ ...base, snapshotEvery: every })).to.throw(
        ValidationError,
        new RegExp(`snapshotEvery must be a whole number from 1 to 10000, got ${every}`),
      );
    }
    for (const every of [1, 10_000]) expect(build({ ...base, snapshotEvery: every })).to.not.throw();
  });
});
