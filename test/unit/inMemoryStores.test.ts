/**
 * What only the in-memory stores have (their behaviour shared with DynamoDB is proven by the contract
 * suite, test/unit/inMemoryContract.test.ts): pages without a limit, what they refuse (inline
 * projections, a snapshot store without its event store), and that each store is a world of its own.
 */
import { expect } from 'chai';
import {
  AggregateRepository,
  ConcurrencyError,
  EventStore,
  type StoredEvent,
  Table,
  ValidationError,
} from '../../src/index.js';
import { InMemoryEventStore, InMemorySnapshotStore } from '../../src/testing/index.js';
import { collect, rejects } from '../support/helpers.js';

const numbered = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ type: 'N', data: { n: index + 1 } }));

/** A Table object for building operations and stores; it is never sent anything. */
const table = () =>
  new Table({
    tableName: 'no-such-table',
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    endpoint: { url: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'x' },
  });

describe('unit: InMemoryEventStore and InMemorySnapshotStore', () => {
  it('readPage without a limit: pages of pageSize, a cursor only while more follow, the head token at the end', async () => {
    const store = new InMemoryEventStore({ pageSize: 4 });
    await store.append('s-1', numbered(10));
    const pages: { versions: number[]; token?: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.readPage('s-1', cursor === undefined ? {} : { cursor });
      pages.push({
        versions: page.events.map((event) => event.version),
        ...(page.token ? { token: page.token } : {}),
      });
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(pages).to.deep.equal([
      { versions: [1, 2, 3, 4] },
      { versions: [5, 6, 7, 8] },
      { versions: [9, 10], token: { streamId: 's-1', version: 10 } },
    ]);
    const exact = new InMemoryEventStore({ pageSize: 5 });
    await exact.append('s-1', numbered(10));
    const first = await exact.readPage('s-1');
    const second = await exact.readPage('s-1', { cursor: first.cursor as string });
    expect(second).to.not.have.property('cursor');
    expect(second.token).to.deep.equal({ streamId: 's-1', version: 10 });
  });

  it('the default page is 1 000 events; a bad pageSize → ValidationError', async () => {
    const store = new InMemoryEventStore();
    for (let n = 0; n < 11; n++) await store.append('long-1', numbered(100));
    const page = await store.readPage('long-1');
    expect(page.events).to.have.length(1_000);
    expect(page.cursor).to.be.a('string');
    for (const pageSize of [0, 1.5, -1, '10']) {
      expect(() => new InMemoryEventStore({ pageSize: pageSize as number })).to.throw(
        ValidationError,
        /pageSize must be a positive whole number/,
      );
    }
  });

  it("refuses appendMany's operations (DynamoDB writes) with a ValidationError saying why; nothing stored", async () => {
    const store = new InMemoryEventStore();
    const error = await rejects(
      store.appendMany([{ streamId: 'a-1', events: numbered(1) }], {
        operations: [table().putOp('x', 1, { n: 1 })],
      }),
      ValidationError,
    );
    expect(error.message).to.match(/operations are DynamoDB writes .* an in-memory store cannot write them/);
    expect(await store.version('a-1')).to.equal(0);
    expect(
      (await store.appendMany([{ streamId: 'a-1', events: numbered(1) }], { operations: [] }))[0]?.version,
    ).to.equal(1);
  });

  it('an AggregateRepository on an in-memory store refuses inline projections, naming why', () => {
    const events = new InMemoryEventStore();
    const options = {
      category: 'account',
      events,
      initialState: () => 0,
      reduce: (state: number) => state + 1,
    };
    expect(
      () => new AggregateRepository({ ...options, projections: [{ name: 'balances', project: () => [] }] }),
    ).to.throw(ValidationError, /projections .* need an event store on a DynamoDB table: .* has no table/);
    expect(() => new AggregateRepository({ ...options, projections: [] })).not.to.throw();
    // on DynamoDB the same options are fine: the table keeps the checkpoints
    expect(
      () =>
        new AggregateRepository({
          ...options,
          events: new EventStore({ table: table() }),
          projections: [{ name: 'balances', project: () => [] }],
        }),
    ).not.to.throw();
  });

  it('an InMemorySnapshotStore needs the InMemoryEventStore it belongs to', () => {
    for (const events of [undefined, {}, new EventStore({ table: table() })]) {
      expect(() => new InMemorySnapshotStore({ events: events as InMemoryEventStore })).to.throw(
        ValidationError,
        /give it the InMemoryEventStore whose streams it belongs to/,
      );
    }
    expect(() => new InMemorySnapshotStore(undefined as unknown as { events: InMemoryEventStore })).to.throw(
      ValidationError,
    );
    const events = new InMemoryEventStore();
    expect(new InMemorySnapshotStore({ events }).events).to.equal(events);
  });

  it('each store is a world of its own: streams, snapshots and tokens of one are not another’s', async () => {
    const one = new InMemoryEventStore();
    const two = new InMemoryEventStore();
    const { token } = await one.append('s-1', numbered(3));
    await new InMemorySnapshotStore<number>({ events: one }).save('s-1', 3, { version: 3 });
    expect(await two.version('s-1')).to.equal(0);
    expect(await collect(two.readAll())).to.deep.equal([]);
    expect(await two.tail('s-1', { limit: 5 })).to.not.have.property('snapshot');
    expect((await one.tail('s-1', { limit: 5 })).snapshot).to.deep.include({ state: 3, version: 3 });
    // a token is a promise that the version exists; another store's token cannot leave a gap here
    const error = await rejects(two.append('s-1', numbered(1), { expectedVersion: token }), ConcurrencyError);
    expect([error.expectedVersion, error.actualVersion]).to.deep.equal([3, 0]);
    expect(await two.version('s-1')).to.equal(0);
  });

  it('a snapshot saved before any event does not make a stream: reads and readAll skip it', async () => {
    const events = new InMemoryEventStore();
    await new InMemorySnapshotStore<number>({ events }).save('s-1', 1, { version: 1 });
    expect(await events.version('s-1')).to.equal(0);
    expect(await collect(events.readAll())).to.deep.equal([]);
    expect(await collect(events.read('s-1'))).to.deep.equal([]);
  });

  it('streams created during a readAll are read too; events appended during a read are read', async () => {
    const store = new InMemoryEventStore();
    await store.append('a-1', numbered(2));
    const seen: StoredEvent[] = [];
    for await (const event of store.readAll({ segments: 1 })) {
      seen.push(event);
      if (seen.length === 1) {
        await store.append('a-1', numbered(1));
        await store.append('b-1', numbered(1));
      }
    }
    expect(seen.map((event) => `${event.streamId}@${event.version}`)).to.deep.equal([
      'a-1@1',
      'a-1@2',
      'a-1@3',
      'b-1@1',
    ]);
  });

  it('tail: a bad limit → ValidationError', async () => {
    const store = new InMemoryEventStore();
    for (const limit of [0, 1.5, undefined]) {
      await rejects(store.tail('s-1', { limit: limit as number }), ValidationError);
    }
  });
});
