/**
 * Commands at the DynamoDB minimum: a warm aggregate (in the repository's cache) costs one request, a
 * cold one with a fresh snapshot two (one Query reads the snapshot and the newer events together, then
 * the append). A stale cache entry costs a failed append, one Query of only the newer events, and the
 * append again: never a full reload. Counted with a middleware below the SDK's retries.
 */
import { expect } from 'chai';
import { AggregateRepository, EventStore, SnapshotStore, type Table } from '../../src/index.js';
import {
  added,
  type Counter,
  type CounterEvent,
  initialCounter,
  reduceCounter,
} from '../aggregates/counter.js';
import { otherClient, storedVersions, uniqueId } from '../events/helpers.js';
import { countRequests, recordInputs } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';

describe('request minimum: commands', () => {
  let table: Table;
  let events: EventStore;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'costs-commands' });
    events = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  const repository = (options: { cache?: number | false; snapshotEvery?: number; on?: Table } = {}) => {
    const on = options.on ?? table;
    return new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events: on === table ? events : new EventStore({ table: on }),
      snapshots: new SnapshotStore<Counter>({ table: on }),
      initialState: initialCounter,
      reduce: reduceCounter,
      snapshotEvery: options.snapshotEvery ?? 10,
      ...(options.cache !== undefined ? { cache: options.cache } : {}),
    });
  };

  it('warm execute: one PutItem for one event; one TransactWriteItems for several', async () => {
    const repo = repository();
    const id = uniqueId('warm');
    await repo.execute(id, () => added('first')); // cold: loads, appends, caches
    const requests = countRequests(table.client);
    try {
      await repo.execute(id, () => added('second'));
      expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
      requests.reset();
      await repo.execute(id, () => added('third', 3));
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
    expect((await repo.load(id)).state.applied).to.deep.equal(['first', 'second', 'third', 'third', 'third']);
  });

  it('cold load with a fresh snapshot: one Query (snapshot and newer events together)', async () => {
    const writer = repository({ snapshotEvery: 10 });
    const id = uniqueId('cold');
    for (let n = 0; n < 13; n++) await writer.execute(id, () => added(`c${n}`));
    const reader = repository({ snapshotEvery: 10, cache: false });
    const requests = countRequests(table.client);
    try {
      const loaded = await reader.load(id);
      expect(loaded.version).to.equal(13);
      expect(loaded.state.applied).to.deep.equal(Array.from({ length: 13 }, (_, n) => `c${n}`));
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('cold execute (cache: false) with a fresh snapshot: Query + PutItem', async () => {
    const id = uniqueId('cold-exec');
    const repo = repository({ cache: false, snapshotEvery: 10 });
    for (let n = 0; n < 12; n++) await repo.execute(id, () => added(`c${n}`));
    const requests = countRequests(table.client);
    try {
      await repo.execute(id, () => added('last'));
      expect(requests.counts).to.deep.equal({ QueryCommand: 1, PutItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('a stale cache entry: the failed append, one Query of only the newer events, the append again', async () => {
    const id = uniqueId('stale');
    const mine = repository();
    const theirs = repository({ on: otherClient(table) }); // another process
    await mine.execute(id, () => added('a'));
    await theirs.execute(id, () => added('b', 2)); // versions 2 and 3, unknown to `mine`'s cache
    const requests = countRequests(table.client);
    const queries = recordInputs(table.client, 'QueryCommand');
    try {
      const result = await mine.execute(id, (state) => {
        expect(JSON.stringify(state.applied)).to.be.oneOf(['["a"]', '["a","b","b"]']);
        return added('c');
      });
      expect(result.version).to.equal(4);
      expect(result.state.applied).to.deep.equal(['a', 'b', 'b', 'c']);
      expect(requests.counts).to.deep.equal({ PutItemCommand: 2, QueryCommand: 1 });
      // the catch-up reads from the cached version on, never the whole stream
      expect(queries.inputs[0]?.ExpressionAttributeValues).to.deep.include({ ':from': 2 });
    } finally {
      requests.detach();
      queries.detach();
    }
  });

  it('two processes with caches under contention: every command applied exactly once', async () => {
    const id = uniqueId('contended');
    const one = repository({ snapshotEvery: 5 });
    const two = repository({ snapshotEvery: 5, on: otherClient(table) });
    const commands = Array.from({ length: 24 }, (_, n) => `cmd-${n}`);
    await Promise.all(
      commands.map((command, n) =>
        (n % 2 === 0 ? one : two).execute(id, () => added(command), {
          commandId: command,
        }),
      ),
    );
    const final = await repository({ cache: false }).load(id);
    expect(final.version).to.equal(24);
    expect([...final.state.applied].sort()).to.deep.equal([...commands].sort());
    expect(await storedVersions(table, `counter-${id}`)).to.have.length(24);
  });

  it('executeMany on two warm aggregates: one TransactWriteItems', async () => {
    const repo = repository();
    const [a, b] = [uniqueId('many-a'), uniqueId('many-b')];
    await repo.executeMany([a, b], () => [added('open-a'), added('open-b')]);
    const requests = countRequests(table.client);
    try {
      const results = await repo.executeMany([a, b], ([left, right]) => {
        expect(left?.version).to.equal(1);
        expect(right?.version).to.equal(1);
        return [added('out'), added('in')];
      });
      expect(results.map((result) => result.version)).to.deep.equal([2, 2]);
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
  });
});
