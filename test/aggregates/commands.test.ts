import { expect } from 'chai';
import {
  AggregateRepository,
  COMMAND_HISTORY,
  EventStore,
  SnapshotStore,
  type StoredOf,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { createEventTable, interleave, rejects, storedVersions, uniqueId } from '../events/helpers.js';
import { added, type Counter, type CounterEvent, initialCounter, reduceCounter } from './counter.js';

/** `execute` must not report failure for a command whose events are stored, nor store a command twice. */
describe('AggregateRepository.execute: commands that are stored once, and reported as stored', () => {
  let table: Table;
  let events: EventStore;
  let snapshots: SnapshotStore<Counter>;

  before(async () => {
    table = await createEventTable('agg-commands');
    events = new EventStore({ table });
    snapshots = new SnapshotStore<Counter>({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  const repository = (options: { snapshotEvery?: number; reduce?: typeof reduceCounter } = {}) =>
    new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots,
      initialState: initialCounter,
      reduce: options.reduce ?? reduceCounter,
      snapshotEvery: options.snapshotEvery ?? 1,
    });

  it('commandId: executing the same command again returns the stored result and appends nothing', async () => {
    const repo = repository({ snapshotEvery: 1000 });
    const id = uniqueId('cmd');
    let decided = 0;
    const decide = () => {
      decided++;
      return added('deposit-7', 2, 7);
    };
    const first = await repo.execute(id, decide, { commandId: 'deposit-7' });
    await repo.execute(id, () => added('other'), { commandId: 'other' });
    const again = await repo.execute(id, decide, { commandId: 'deposit-7' });
    expect(decided).to.equal(1);
    expect(again.replayed).to.equal(true);
    expect(again.events.map((event) => [event.version, event.id, event.commandId])).to.deep.equal(
      first.events.map((event) => [event.version, event.id, 'deposit-7']),
    );
    expect(again.version).to.equal(3);
    expect(again.state.total).to.equal(15);
    expect(await storedVersions(table, `counter-${id}`)).to.deep.equal([1, 2, 3]);
  });

  it('commandId: recognised behind a fresh snapshot (read back beyond the load), for the last 100 events', async () => {
    const writer = repository({ snapshotEvery: 10 });
    const id = uniqueId('cmd-snap');
    await writer.execute(id, () => added('first'), { commandId: 'first' });
    for (let n = 0; n < 3; n++) await events.append(`counter-${id}`, added(`bulk${n}`, 30));
    // version 91 now; a snapshot at the head means the load reads nothing before it
    await writer.rebuild(id);
    expect(COMMAND_HISTORY).to.equal(100);
    const fresh = repository({ snapshotEvery: 10 });
    let decided = 0;
    const again = await fresh.execute(
      id,
      () => {
        decided++;
        return added('first');
      },
      { commandId: 'first' },
    );
    expect(decided).to.equal(0);
    expect(again.replayed).to.equal(true);
    expect(again.events.map((event) => event.version)).to.deep.equal([1]);
    expect(await storedVersions(table, `counter-${id}`)).to.have.length(91);
  });

  it('a reduce that throws on the decided events appends nothing and passes the error through', async () => {
    const boom = new Error('reducer rejects this event');
    const repo = repository({
      reduce: (state, event) => {
        if (event.data.command === 'bad') throw boom;
        return reduceCounter(state, event);
      },
    });
    const id = uniqueId('reduce-throws');
    await repo.execute(id, () => added('good'));
    const error = await rejects(
      repo.execute(id, () => added('bad')),
      Error,
    );
    expect(error).to.equal(boom);
    expect(await storedVersions(table, `counter-${id}`)).to.deep.equal([1]);
  });

  it('a decide that mutates its state leaks nothing into the result or the snapshot', async () => {
    const repo = repository({ snapshotEvery: 1 });
    const id = uniqueId('mutating');
    const result = await repo.execute(id, (state) => {
      state.total = 1_000_000;
      state.applied.push('mutation');
      return added('real', 1, 3);
    });
    expect(result.state).to.deep.equal({ total: 3, applied: ['real'], folded: [1] });
    expect((await snapshots.load(`counter-${id}`))?.state).to.deep.equal({
      total: 3,
      applied: ['real'],
      folded: [1],
    });
    expect((await repo.rebuild(id)).state).to.deep.equal(result.state);
  });

  it('an abort after the append was acknowledged: execute resolves with the stored events, no snapshot', async () => {
    const repo = repository({ snapshotEvery: 1 });
    const id = uniqueId('abort-after');
    const controller = new AbortController();
    // abort right after the PutItem is answered, before p-retry looks at the signal again
    const stack = table.client.middlewareStack as unknown as {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: 'initialize'; name: string },
      ): void;
      remove(name: string): boolean;
    };
    stack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        if (context.commandName === 'PutItemCommand') controller.abort(new Error('caller gave up'));
        return output;
      },
      { step: 'initialize', name: 'abortAfterPut' },
    );
    try {
      const result = await repo.execute(id, () => added('landed'), { signal: controller.signal });
      expect(result.version).to.equal(1);
      expect(result.events.map((event) => event.data.command)).to.deep.equal(['landed']);
    } finally {
      stack.remove('abortAfterPut');
    }
    expect(await storedVersions(table, `counter-${id}`)).to.deep.equal([1]);
    expect(await snapshots.load(`counter-${id}`)).to.equal(undefined);
  });

  it('two executes of one commandId racing: applied once, both report it', async () => {
    const repo = repository({ snapshotEvery: 1000 });
    const id = uniqueId('race');
    await repo.execute(id, () => added('open'));
    const other = repository({ snapshotEvery: 1000 });
    // the second writer executes the same command between our load and our append
    const stop = interleave(table, 'PutItemCommand', () =>
      other.execute(id, () => added('pay-1'), { commandId: 'pay-1' }),
    );
    let result: Awaited<ReturnType<typeof repo.execute>>;
    try {
      result = await repo.execute(id, () => added('pay-1'), { commandId: 'pay-1' });
    } finally {
      stop();
    }
    expect(result.replayed).to.equal(true);
    expect(await storedVersions(table, `counter-${id}`)).to.deep.equal([1, 2]);
    expect((await repo.load(id)).state.applied).to.deep.equal(['open', 'pay-1']);
  });

  it('a bad commandId → ValidationError, nothing sent', async () => {
    const repo = repository();
    for (const commandId of ['', 'x'.repeat(257), 42]) {
      await rejects(
        repo.execute('x', () => added('a'), { commandId: commandId as string }),
        ValidationError,
      );
    }
  });

  it('a state that can never be snapshotted warns once per category by default, and commands go on', async () => {
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    try {
      const repo = new AggregateRepository<{ seen: Map<string, number> }, CounterEvent>({
        category: 'mapstate',
        events,
        snapshots: new SnapshotStore({ table }),
        initialState: () => ({ seen: new Map() }),
        reduce: (state, event: StoredOf<CounterEvent>) => {
          state.seen.set(event.data.command, event.version);
          return state;
        },
        snapshotEvery: 1,
      });
      await repo.execute(uniqueId('m'), () => added('a'));
      await repo.execute(uniqueId('m'), () => added('b'));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    const ours = warnings.filter(
      (warning) => (warning as { code?: string }).code === 'DYNAGO_SNAPSHOT_FAILED',
    );
    expect(ours).to.have.length(1);
    expect(ours[0]?.message).to.match(/"mapstate" aggregate could not be saved/);
  });
});
