import { expect } from 'chai';
import {
  AggregateRepository,
  type AggregateRepositoryOptions,
  ConcurrencyError,
  EventStore,
  SnapshotStore,
  type StoredOf,
  type Table,
  ValidationError,
} from '../../src/index.js';
import {
  collect,
  createEventTable,
  interleave,
  otherClient,
  range,
  rejects,
  storedVersions,
  uniqueId,
  versionsOf,
} from '../events/helpers.js';
import { countRequests } from '../support/tables.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from './counter.js';

/** Fast backoff: the tests prove what happens, not how long it waits. */
const FAST = { minTimeout: 1, maxTimeout: 20, factor: 2, randomize: true };

describe('AggregateRepository.execute', () => {
  let table: Table;
  let events: EventStore;
  let snapshots: SnapshotStore<Counter>;

  before(async () => {
    table = await createEventTable('agg-exec');
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
      snapshotEvery: 1000,
      retry: FAST,
      ...options,
    });
  }

  /** Another writer, on its own client: appends one event to counter `id` at whatever version it is. */
  function intruder(id: string) {
    const other = new EventStore({ table: otherClient(table) });
    return () => other.append(counterStream(id), added('intruder'));
  }

  it('on a new aggregate: decide sees the initial state at version 0; the result has the new state', async () => {
    const id = uniqueId('new');
    const seen: [Counter, number][] = [];
    const result = await repository().execute(id, (state, version) => {
      seen.push([structuredClone(state), version]);
      return added('first', 2, 5);
    });
    expect(seen).to.deep.equal([[initialCounter(), 0]]);
    expect(result.version).to.equal(2);
    expect(result.state).to.deep.equal({ total: 10, applied: ['first', 'first'], folded: [1, 2] });
    expect(versionsOf(result.events)).to.deep.equal([1, 2]);
    expect(result.events.map((event) => [event.streamId, event.type, event.data])).to.deep.equal([
      [counterStream(id), 'Added', { amount: 5, command: 'first' }],
      [counterStream(id), 'Added', { amount: 5, command: 'first' }],
    ]);
    expect(await collect(events.read(counterStream(id)))).to.deep.equal(result.events);
  });

  it('decide sees the loaded state and version; the append is at that version', async () => {
    const id = uniqueId('next');
    const repo = repository();
    await repo.execute(id, () => added('a', 3));
    let seen: [number, number] | undefined;
    const result = await repo.execute(id, (state, version) => {
      seen = [state.total, version];
      return added('b');
    });
    expect(seen).to.deep.equal([3, 3]);
    expect(result.version).to.equal(4);
    expect(result.state.applied).to.deep.equal(['a', 'a', 'a', 'b']);
  });

  it('on a warm repository (the aggregate in the cache): the append alone, one PutItem', async () => {
    const id = uniqueId('warm');
    const repo = repository();
    await repo.execute(id, () => added('a', 2));
    await repo.load(id);
    const requests = countRequests(table.client);
    try {
      const result = await repo.execute(id, () => added('b'));
      expect(result.version).to.equal(3);
      expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('with the cache off: one Query (snapshot and events together) + PutItem (one event), nothing else', async () => {
    const id = uniqueId('nocache');
    const repo = repository({ cache: false });
    await repo.execute(id, () => added('a', 2));
    await repo.load(id);
    const requests = countRequests(table.client);
    try {
      const result = await repo.execute(id, () => added('b'));
      expect(result.version).to.equal(3);
      expect(result.state.applied).to.deep.equal(['a', 'a', 'b']);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('on a fresh repository and store: one Query, and the loaded version needs no proof read', async () => {
    const id = uniqueId('cold');
    await repository().execute(id, () => added('a', 2));
    const fresh = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events: new EventStore({ table }),
      snapshots,
      initialState: initialCounter,
      reduce: reduceCounter,
    });
    const requests = countRequests(table.client);
    try {
      const result = await fresh.execute(id, () => added('b', 2));
      expect(result.version).to.equal(4);
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('16 concurrent executes on one account: each applied exactly once, final version 16', async () => {
    const id = uniqueId('contended');
    let conflicts = 0;
    let decides = 0;
    const repo = repository({
      // 16 writers: a command can lose at most 15 times (each loss is another command's win)
      retry: { ...FAST, retries: 15 },
      onConflict: (error, aggregateId) => {
        expect(error).to.be.instanceOf(ConcurrencyError);
        expect(aggregateId).to.equal(id);
        conflicts++;
      },
    });
    const commands = range(1, 16).map((n) => `cmd-${n}`);
    const results = await Promise.all(
      commands.map((command) =>
        repo.execute(id, (state) => {
          decides++;
          expect(state.applied).to.not.include(command);
          return added(command);
        }),
      ),
    );
    expect(results.map((result) => result.version).sort((a, b) => a - b)).to.deep.equal(range(1, 16));
    for (const [index, result] of results.entries()) {
      expect(result.events.map((event) => event.data.command)).to.deep.equal([commands[index]]);
      expect(result.state.applied.at(-1)).to.equal(commands[index]);
      expect(result.state.applied).to.have.length(result.version);
    }
    const final = await repo.load(id);
    expect(final.version).to.equal(16);
    expect(final.state.total).to.equal(16);
    expect([...final.state.applied].sort()).to.deep.equal([...commands].sort());
    expect(versionsOf(await collect(events.read(counterStream(id))))).to.deep.equal(range(1, 16));
    expect(decides).to.equal(16 + conflicts);
  });

  it("decide's error passes through as the same instance, decide called once, nothing appended", async () => {
    const id = uniqueId('domain');
    const repo = repository();
    await repo.execute(id, () => added('a'));
    class InsufficientFunds extends Error {}
    const thrown = new InsufficientFunds('balance 1, withdrawal 5');
    let calls = 0;
    const error = await rejects(
      repo.execute(id, () => {
        calls++;
        throw thrown;
      }),
      InsufficientFunds,
    );
    expect(error).to.equal(thrown);
    expect(calls).to.equal(1);
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([1]);
  });

  it('an async decide that rejects, or throws a non-Error, or even a ConcurrencyError: passed through, not retried', async () => {
    const id = uniqueId('domain2');
    const repo = repository();
    const ownConflict = new ConcurrencyError(id, 3, 4);
    for (const thrown of ['a string', { code: 42 }, ownConflict]) {
      let calls = 0;
      let caught: unknown;
      try {
        await repo.execute(id, async () => {
          calls++;
          throw thrown;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).to.equal(thrown);
      expect(calls).to.equal(1);
    }
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([]);
  });

  it('a domain error on the retry after a conflict is still passed through as it is', async () => {
    const id = uniqueId('domain-retry');
    const repo = repository();
    await repo.execute(id, () => added('a'));
    const refusal = new RangeError('no longer allowed');
    let calls = 0;
    const stop = interleave(table, 'PutItemCommand', intruder(id));
    try {
      const error = await rejects(
        repo.execute(id, (state) => {
          calls++;
          if (state.applied.includes('intruder')) throw refusal;
          return added('b');
        }),
        RangeError,
      );
      expect(error).to.equal(refusal);
    } finally {
      stop();
    }
    expect(calls).to.equal(2);
    expect(versionsOf(await collect(events.read(counterStream(id))))).to.deep.equal([1, 2]);
  });

  it('a decide returning [] appends nothing: 1 Query on a cold repository, none on a warm one (after a load)', async () => {
    const id = uniqueId('noop');
    await repository().execute(id, () => added('a', 2));
    const repo = repository(); // cold: this one has not seen the aggregate
    const requests = countRequests(table.client);
    try {
      const result = await repo.execute(id, () => []);
      expect(result).to.deep.equal({
        state: { total: 2, applied: ['a', 'a'], folded: [1, 2] },
        version: 2,
        token: { streamId: counterStream(id), version: 2 },
        events: [],
      });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
      await repo.load(id); // fills the cache
      requests.reset();
      const again = await repo.execute(id, () => []);
      expect(again.version).to.equal(2);
      expect(again.events).to.deep.equal([]);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([1, 2]);
  });

  it('a decide returning something else than an array → ValidationError, decide called once', async () => {
    const id = uniqueId('notarray');
    let calls = 0;
    const error = await rejects(
      repository().execute(id, () => {
        calls++;
        return { type: 'Added' } as unknown as CounterEvent[];
      }),
      ValidationError,
    );
    expect(error.message).to.include('decide must return an array of events');
    expect(calls).to.equal(1);
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([]);
  });

  it('a decide returning an invalid event → the ValidationError of the store, once, nothing written', async () => {
    const id = uniqueId('invalid');
    let calls = 0;
    const error = await rejects(
      repository().execute(id, () => {
        calls++;
        return [{ type: '', data: { amount: 1, command: 'x' } }] as unknown as CounterEvent[];
      }),
      ValidationError,
    );
    expect(error.message).to.include('type must be a non-empty string');
    expect(calls).to.equal(1);
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([]);
  });

  it('decide not a function → ValidationError, no request', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(repository().execute('x', undefined as never), ValidationError);
      expect(error.message).to.include('decide must be a function');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('a conflict is retried: decide runs again on the reloaded state, onConflict reports it', async () => {
    const id = uniqueId('retried');
    const conflicts: [ConcurrencyError, string, number][] = [];
    const repo = repository({
      onConflict: (error, aggregateId, attempt) => conflicts.push([error, aggregateId, attempt]),
    });
    await repo.execute(id, () => added('a'));
    const seen: [string[], number][] = [];
    const stop = interleave(table, 'PutItemCommand', intruder(id));
    let result: Awaited<ReturnType<typeof repo.execute>>;
    try {
      result = await repo.execute(id, (state, version) => {
        seen.push([[...state.applied], version]);
        return added('b');
      });
    } finally {
      stop();
    }
    expect(seen).to.deep.equal([
      [['a'], 1],
      [['a', 'intruder'], 2],
    ]);
    expect(result.version).to.equal(3);
    expect(result.state.applied).to.deep.equal(['a', 'intruder', 'b']);
    expect(conflicts).to.have.length(1);
    const [error, aggregateId, attempt] = conflicts[0] as [ConcurrencyError, string, number];
    expect([error.streamId, error.expectedVersion, aggregateId, attempt]).to.deep.equal([
      counterStream(id),
      1,
      id,
      1,
    ]);
    expect(
      (await collect(events.read<StoredOf<CounterEvent>>(counterStream(id)))).map(
        (event) => event.data.command,
      ),
    ).to.deep.equal(['a', 'intruder', 'b']);
  });

  it('retries exhausted (retries: 0 and a forced conflict) → ConcurrencyError, decide once, nothing of ours written', async () => {
    const id = uniqueId('exhausted');
    const repo = repository({ retry: { retries: 0 } });
    await repo.execute(id, () => added('a', 2));
    let calls = 0;
    const stop = interleave(table, 'PutItemCommand', intruder(id));
    try {
      const error = await rejects(
        repo.execute(id, () => {
          calls++;
          return added('lost');
        }),
        ConcurrencyError,
      );
      expect(error.streamId).to.equal(counterStream(id));
      expect(error.expectedVersion).to.equal(2);
      expect(error.actualVersion).to.equal(undefined);
      expect(error.message).to.include(`Stream "${counterStream(id)}" was expected at version 2`);
    } finally {
      stop();
    }
    expect(calls).to.equal(1);
    expect(
      (await collect(events.read<StoredOf<CounterEvent>>(counterStream(id)))).map(
        (event) => event.data.command,
      ),
    ).to.deep.equal(['a', 'a', 'intruder']);
  });

  it('retries exhausted after several tries (retries: 2, three forced conflicts) → ConcurrencyError after 3 decides', async () => {
    const id = uniqueId('exhausted3');
    const repo = repository({ retry: { ...FAST, retries: 2 } });
    await repo.execute(id, () => added('a'));
    let calls = 0;
    const stop = interleave(table, 'PutItemCommand', intruder(id), 3);
    try {
      const error = await rejects(
        repo.execute(id, () => {
          calls++;
          return added('lost');
        }),
        ConcurrencyError,
      );
      expect(error.expectedVersion).to.equal(3);
    } finally {
      stop();
    }
    expect(calls).to.equal(3);
    expect(await storedVersions(table, counterStream(id))).to.deep.equal([1, 2, 3, 4]);
  });
});
