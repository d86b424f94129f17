/**
 * Lost responses, one story at a time: the fault proxy lets a write reach DynamoDB and drops its
 * answer, then the SDK retries. The library must recognise its own earlier write (by event id) and
 * report success, exactly once; when the retries fail too, it reports a retryable error, and sending
 * the same events again returns the stored result without a duplicate.
 */
import { expect } from 'chai';
import { v7 as uuidv7 } from 'uuid';
import { decide } from '../../examples/ledger/account.js';
import { Ledger } from '../../examples/ledger/ledger.js';
import {
  ConcurrencyError,
  DynagoError,
  DynamoDBUnavailableError,
  EventStore,
  OptimisticLockError,
  SnapshotStore,
  type Table,
} from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js';
import { countRequests, recordInputs } from '../support/helpers.js';
import {
  createProxiedTable,
  failureOf,
  isSnapshotItem,
  storedEvents,
  storedItems,
} from '../support/reliability.js';
import { testEndpoint } from '../support/tables.js';

/**
 * A lost response followed by failures on every later attempt: the SDK's 3 attempts of each of the
 * store's 3 sends (the first and its 2 re-sends), so the caller is left with a retryable error.
 */
function outlastingResends(first: 'dropResponse'): ('dropResponse' | 'serverError')[] {
  return [first, ...Array.from({ length: 8 }, () => 'serverError' as const)];
}

describe('reliability: lost responses are recognised, never duplicated', () => {
  let proxy: FaultProxy;
  let table: Table;
  let direct: Table;
  let store: EventStore;
  let stream = 0;
  const nextStream = () => `lost-${++stream}`;

  before(async () => {
    proxy = await startFaultProxy({ target: testEndpoint().url, seed: 3 });
    ({ table, direct } = await createProxiedTable(proxy.url, { prefix: 'lost', client: { maxAttempts: 3 } }));
    store = new EventStore({ table });
  });

  after(async () => {
    await direct.deleteTable();
    await proxy.close();
  });

  afterEach(() => {
    expect(proxy.pendingScript(), 'every scripted fault was used').to.equal(0);
  });

  async function eventsOf(streamId: string) {
    return (await storedEvents(direct)).filter((event) => event.streamId === streamId);
  }

  it('one event (PutItem) applied, response lost, SDK retry fails its condition → success, stored once', async () => {
    const streamId = nextStream();
    const requests = countRequests(table.client);
    try {
      proxy.script('PutItem', ['dropResponse']);
      const result = await store.append(streamId, [{ type: 'Deposited', data: { amount: 5 } }], {
        expectedVersion: 0,
      });
      expect(result.version).to.equal(1);
      expect(requests.counts.PutItemCommand, 'the original and the SDK retry').to.equal(2);
      const stored = await eventsOf(streamId);
      expect(stored.map((event) => event.id)).to.deep.equal([result.events[0]?.id]);
      expect(proxy.dropped.at(-1)?.body).to.include(result.events[0]?.id as string);
    } finally {
      requests.detach();
    }
  });

  // The SDK's retry of a transaction carries the same ClientRequestToken, which DynamoDB answers
  // idempotently; the re-send tests below exercise the recognition by event id with a new token.
  it('a transaction (appendMany) applied, response lost → success, each stream stored once', async () => {
    const [a, b] = [nextStream(), nextStream()];
    const requests = countRequests(table.client);
    try {
      proxy.script('TransactWriteItems', ['dropResponse']);
      const results = await store.appendMany([
        { streamId: a, events: [{ type: 'TransferredOut', data: { amount: 3 } }], expectedVersion: 0 },
        { streamId: b, events: [{ type: 'TransferredIn', data: { amount: 3 } }], expectedVersion: 0 },
      ]);
      expect(results.map((result) => result.version)).to.deep.equal([1, 1]);
      expect(requests.counts.TransactWriteItemsCommand).to.equal(2);
      expect((await eventsOf(a)).map((event) => event.id)).to.deep.equal([results[0]?.events[0]?.id]);
      expect((await eventsOf(b)).map((event) => event.id)).to.deep.equal([results[1]?.events[0]?.id]);
    } finally {
      requests.detach();
    }
  });

  it('several events of one stream (a transaction) applied, response lost → success, once', async () => {
    const streamId = nextStream();
    await store.append(streamId, [{ type: 'Opened', data: {} }]);
    proxy.script('TransactWriteItems', ['dropResponse']);
    const result = await store.append(
      streamId,
      [
        { type: 'Deposited', data: { amount: 1 } },
        { type: 'Deposited', data: { amount: 2 } },
        { type: 'Deposited', data: { amount: 3 } },
      ],
      { expectedVersion: 1 },
    );
    expect(result.version).to.equal(4);
    expect((await eventsOf(streamId)).map((event) => event.version)).to.deep.equal([1, 2, 3, 4]);
  });

  it("'any': PutItem applied, response lost → success at the version it took, once", async () => {
    const streamId = nextStream();
    await store.append(streamId, [{ type: 'Opened', data: {} }]);
    proxy.script('PutItem', ['dropResponse']);
    const result = await store.append(streamId, [{ type: 'Deposited', data: { amount: 9 } }]);
    expect(result.version).to.equal(2);
    expect((await eventsOf(streamId)).map((event) => event.type)).to.deep.equal(['Opened', 'Deposited']);
  });

  it("lost response, then the SDK's retries fail too: the store re-sends the same write and finds it landed", async () => {
    const streamId = nextStream();
    const events = [{ type: 'Deposited', data: { amount: 3 }, id: uuidv7() }];
    proxy.script('PutItem', ['dropResponse', 'throttling', 'serverError']);
    const result = await store.append(streamId, events, { expectedVersion: 0 });
    expect(result.version).to.equal(1);
    expect(result.events.map((event) => event.id)).to.deep.equal([events[0]?.id]);
    expect((await eventsOf(streamId)).map((event) => event.id)).to.deep.equal([events[0]?.id]);
  });

  it('a lost transaction whose SDK retries fail is re-sent by the store and recognised, once', async () => {
    const [a, b] = [nextStream(), nextStream()];
    proxy.script('TransactWriteItems', ['dropResponse', 'reset', 'throughputExceeded']);
    const results = await store.appendMany([
      { streamId: a, events: [{ type: 'TransferredOut', data: { amount: 2 } }], expectedVersion: 0 },
      { streamId: b, events: [{ type: 'TransferredIn', data: { amount: 2 } }], expectedVersion: 0 },
    ]);
    expect(results.map((result) => result.version)).to.deep.equal([1, 1]);
    expect(await eventsOf(a)).to.have.length(1);
    expect(await eventsOf(b)).to.have.length(1);
  });

  it('lost response then failed retries → retryable error; the same events re-sent → same result, once', async () => {
    const streamId = nextStream();
    const events = [{ type: 'Deposited', data: { amount: 7 }, id: uuidv7() }];
    proxy.script('PutItem', outlastingResends('dropResponse'));
    const error = await failureOf(store.append(streamId, events, { expectedVersion: 0 }));
    expect(error).to.be.instanceOf(DynamoDBUnavailableError);
    expect((error as DynagoError).retryable).to.equal(true);
    expect(
      (await eventsOf(streamId)).map((event) => event.id),
      'the write did happen',
    ).to.deep.equal([events[0]?.id]);

    const again = await store.append(streamId, events, { expectedVersion: 0 });
    expect(again.version).to.equal(1);
    expect(again.events.map((event) => event.id)).to.deep.equal([events[0]?.id]);
    expect((await eventsOf(streamId)).map((event) => event.id)).to.deep.equal([events[0]?.id]);

    const other = await failureOf(
      store.append(streamId, [{ type: 'Deposited', data: { amount: 7 } }], { expectedVersion: 0 }),
    );
    expect(other, 'different events at a taken version').to.be.instanceOf(ConcurrencyError);
  });

  it('lost transaction then failed retries → retryable error; re-sent → same result, once', async () => {
    const [a, b] = [nextStream(), nextStream()];
    const appends = [
      {
        streamId: a,
        events: [{ type: 'TransferredOut', data: { amount: 4 }, id: uuidv7() }],
        expectedVersion: 0,
      },
      {
        streamId: b,
        events: [{ type: 'TransferredIn', data: { amount: 4 }, id: uuidv7() }],
        expectedVersion: 0,
      },
    ];
    proxy.script('TransactWriteItems', outlastingResends('dropResponse'));
    const error = await failureOf(store.appendMany(appends));
    expect(error).to.be.instanceOf(DynamoDBUnavailableError);
    expect((error as DynagoError).retryable).to.equal(true);
    expect(await eventsOf(a)).to.have.length(1);
    expect(await eventsOf(b)).to.have.length(1);

    const requests = countRequests(table.client);
    const again = await store.appendMany(appends).finally(() => requests.detach());
    expect(requests.counts.TransactWriteItemsCommand, 'a new transaction, refused, then recognised').to.equal(
      1,
    );
    expect(again.map((result) => [result.streamId, result.version])).to.deep.equal([
      [a, 1],
      [b, 1],
    ]);
    expect((await eventsOf(a)).map((event) => event.id)).to.deep.equal([appends[0]?.events[0]?.id]);
    expect((await eventsOf(b)).map((event) => event.id)).to.deep.equal([appends[1]?.events[0]?.id]);
  });

  it("'any': lost response then failed retries; re-sent → recognised at the head, once", async () => {
    const streamId = nextStream();
    await store.append(streamId, [{ type: 'Opened', data: {} }]);
    const events = [{ type: 'Deposited', data: { amount: 1 }, id: uuidv7() }];
    proxy.script('PutItem', outlastingResends('dropResponse'));
    expect(await failureOf(store.append(streamId, events))).to.be.instanceOf(DynamoDBUnavailableError);
    const again = await store.append(streamId, events);
    expect(again.version).to.equal(2);
    expect((await eventsOf(streamId)).map((event) => event.id)).to.have.length(2);
  });

  it('repository execute: lost PutItem response → the command succeeds once, at the right version', async () => {
    const ledger = new Ledger(table, { snapshotEvery: 1000 });
    const id = nextStream();
    await ledger.open(id, 'Ada');
    proxy.script('PutItem', ['dropResponse']);
    const executed = await ledger.deposit(id, 250);
    expect(executed.version).to.equal(2);
    expect(executed.state.balance).to.equal(250);
    const stored = await eventsOf(ledger.accounts.streamId(id));
    expect(stored.map((event) => event.type)).to.deep.equal(['Opened', 'Deposited']);
    expect((await ledger.accounts.load(id)).state.balance).to.equal(250);
  });

  it('ledger transfer: lost transaction response → one TransferredOut/TransferredIn pair', async () => {
    const ledger = new Ledger(table, { snapshotEvery: 1000 });
    const [from, to] = [nextStream(), nextStream()];
    await ledger.open(from, 'Ada');
    await ledger.open(to, 'Grace');
    await ledger.deposit(from, 100);
    proxy.script('TransactWriteItems', ['dropResponse']);
    await ledger.transfer(from, to, 40);
    const outs = (await eventsOf(ledger.accounts.streamId(from))).filter(
      (event) => event.type === 'TransferredOut',
    );
    const ins = (await eventsOf(ledger.accounts.streamId(to))).filter(
      (event) => event.type === 'TransferredIn',
    );
    expect(outs).to.have.length(1);
    expect(ins).to.have.length(1);
    expect(outs[0]?.data.transferId).to.equal(ins[0]?.data.transferId);
    expect((await ledger.accounts.load(from)).state.balance).to.equal(60);
    expect((await ledger.accounts.load(to)).state.balance).to.equal(40);
  });

  it('repository execute: a lost PutItem whose retries fail → a retryable error, the event stored once', async () => {
    const ledger = new Ledger(table, { snapshotEvery: 1000 });
    const id = nextStream();
    await ledger.open(id, 'Ada');
    proxy.script('PutItem', outlastingResends('dropResponse'));
    const error = await failureOf(ledger.accounts.execute(id, (account) => decide.deposit(account, 30)));
    expect(error).to.be.instanceOf(DynagoError);
    expect((error as DynagoError).retryable).to.equal(true);
    expect((await eventsOf(ledger.accounts.streamId(id))).map((event) => event.type)).to.deep.equal([
      'Opened',
      'Deposited',
    ]);
    expect((await ledger.accounts.load(id)).state.balance).to.equal(30);
  });

  /**
   * The raw snapshot items stored for `streamId`, read directly, bypassing the
   * proxy and the store; whatever partition layout the store uses, its key names the stream.
   */
  async function snapshotItems(streamId: string) {
    return (await storedItems(direct)).filter(
      (item) => isSnapshotItem(item) && String(item.pk).endsWith(`#${streamId}`),
    );
  }

  /** Records the PutItem inputs (one per save: the SDK's retries re-send the same input) and counts attempts. */
  function watchPuts() {
    const inputs = recordInputs(table.client, 'PutItemCommand');
    const requests = countRequests(table.client);
    return {
      /** The writeId of each save, in order. */
      writeIds: () => inputs.inputs.map((input) => (input.Item as Record<string, unknown>).writeId),
      attempts: () => requests.counts.PutItemCommand ?? 0,
      detach: () => {
        inputs.detach();
        requests.detach();
      },
    };
  }

  it('snapshot save (version-conditional): lost response → true, stored once', async () => {
    const snapshots = new SnapshotStore<{ balance: number }>({ table });
    const id = nextStream();
    proxy.script('PutItem', ['dropResponse']);
    const puts = watchPuts();
    let saved: boolean;
    try {
      saved = await snapshots.save(id, { balance: 10 }, { version: 3 });
    } finally {
      puts.detach();
    }
    expect(saved, 'the applied save reports success').to.equal(true);
    // one save (one input, one writeId), sent twice: the dropped attempt and the SDK's retry
    expect(puts.writeIds()).to.have.length(1);
    expect(puts.attempts(), 'the response was lost and the write re-sent').to.equal(2);
    const items = await snapshotItems(id);
    expect(items, 'exactly one snapshot item').to.have.length(1);
    const [item] = items as [Record<string, unknown>];
    expect(item.version).to.equal(3);
    expect(item.state).to.deep.equal({ balance: 10 });
    expect(item.writeId, "the stored item is this save's write, not another's").to.equal(puts.writeIds()[0]);
    const loaded = await snapshots.load(id);
    expect(loaded).to.include({ version: 3, timestamp: item.timestamp });
    expect(loaded?.state).to.deep.equal({ balance: 10 });
  });

  it('snapshot save with expectedVersion: lost response → recognised as its own write, not an OptimisticLockError', async () => {
    // The AddBalance pattern: a caller told "someone else wrote first" reloads and applies its change
    // again, so a write reported as refused that in fact happened is applied twice.
    const snapshots = new SnapshotStore<{ balance: number }>({ table });
    const id = nextStream();
    await snapshots.save(id, { balance: 10 }, { version: 1, expectedVersion: 0 });
    const [first] = (await snapshotItems(id)) as [Record<string, unknown>];
    proxy.script('PutItem', ['dropResponse']);
    const puts = watchPuts();
    let outcome: unknown;
    try {
      outcome = await snapshots.save(id, { balance: 20 }, { version: 2, expectedVersion: 1 });
    } catch (error) {
      outcome = error;
    } finally {
      puts.detach();
    }
    expect(
      outcome instanceof OptimisticLockError ? `OptimisticLockError: ${outcome.message}` : outcome,
      'the save that was applied must report success',
    ).to.equal(true);
    // one save, sent twice: the dropped attempt was applied, so the SDK's retry failed its condition
    expect(puts.writeIds()).to.have.length(1);
    expect(puts.attempts(), 'the response was lost and the write re-sent').to.equal(2);
    const items = await snapshotItems(id);
    expect(items, 'exactly one snapshot item').to.have.length(1);
    const [item] = items as [Record<string, unknown>];
    expect(item.version).to.equal(2);
    expect(item.state).to.deep.equal({ balance: 20 });
    expect(item.writeId, "the stored item is this save's write").to.equal(puts.writeIds()[0]);
    expect(item.writeId, 'and not the earlier save').to.not.equal(first.writeId);
    const stored = await snapshots.load(id);
    expect(stored?.version, 'the write happened').to.equal(2);
    expect(stored?.state).to.deep.equal({ balance: 20 });
  });

  it('nothing of the above left a stray item: every event id is unique', async () => {
    const ids = (await storedEvents(direct)).map((event) => event.id);
    expect(ids.every((id) => typeof id === 'string')).to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
