import { expect } from 'chai';
import { EventStore, Projector, type Table, ValidationError } from '../../src/index.js';
import { countRequests } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';
import { balanceOf, balancesProjection, createStreamedEventTable, streamRecords } from './helpers.js';

/** Exactly-once effect through checkpoints: duplicates, out-of-order deliveries, gaps, poison, rebuilds. */
describe('Projector: each event applied exactly once', () => {
  let table: Table;
  let readModel: Table;
  let store: EventStore;

  before(async () => {
    table = await createStreamedEventTable('projector');
    readModel = await createTestTable({ sortKey: false, prefix: 'read-model' });
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  const deposits = (...amounts: number[]) =>
    amounts.map((amount) => ({ type: 'Deposited', data: { amount } }));

  it('the same records handed to the Lambda handler twice: applied once, no error', async () => {
    const projector = new Projector({ events: store, projections: [balancesProjection(readModel, 'twice')] });
    const handler = projector.lambdaHandler();
    await store.append('account-twice', deposits(10, 20, 30));
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes('account-twice'),
    );
    expect(records).to.have.length(3);
    expect(await handler({ Records: records })).to.deep.equal({ batchItemFailures: [] });
    expect(await handler({ Records: records })).to.deep.equal({ batchItemFailures: [] });
    expect(await balanceOf(readModel, 'account-twice')).to.deep.equal({ balance: 60, events: 3 });
  });

  it("one stream's events in one delivery: ONE transaction, their writes of one item merged; fractions are not merged", async () => {
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'merged')],
    });
    await store.append('account-merged', deposits(5, 6, 7));
    await store.append('account-fractions', deposits(0.1, 0.2, 0.4));
    const records = await streamRecords(table);
    const of = (streamId: string) =>
      records.filter((record) => JSON.stringify(record.dynamodb?.Keys).includes(`"event#${streamId}"`));
    const requests = countRequests(table.client);
    try {
      // (a PutItem may record the lag for other processes: at most one a second, not counted here)
      await projector.lambdaHandler()({ Records: of('account-merged') });
      expect(requests.counts.TransactWriteItemsCommand, '3 events, 2 items: one transaction').to.equal(1);
      expect(Object.keys(requests.counts).filter((name) => name !== 'PutItemCommand')).to.deep.equal([
        'TransactWriteItemsCommand',
      ]);
      requests.reset();
      await projector.lambdaHandler()({ Records: of('account-fractions') });
      expect(
        requests.counts.TransactWriteItemsCommand,
        'sums that are not whole numbers: one transaction per event',
      ).to.equal(3);
      expect(requests.counts.PutItemCommand ?? 0, 'the lag: at most once a second').to.be.at.most(1);
    } finally {
      requests.detach();
    }
    expect(await balanceOf(readModel, 'account-merged')).to.deep.equal({ balance: 18, events: 3 });
    const fractions = await balanceOf(readModel, 'account-fractions');
    expect(fractions?.events).to.equal(3);
    expect(fractions?.balance, 'DynamoDB adds decimals exactly').to.equal(0.7);
  });

  it('onApplied is told each applied event once, after its write, even when delivered twice; a throwing hook stops nothing', async () => {
    const told: string[] = [];
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'told')],
      onApplied: ({ projection, streamId, events }) => {
        for (const event of events) told.push(`${projection}/${streamId}/${event.version}`);
        throw new Error('a broken metrics hook');
      },
    });
    await store.append('account-told', deposits(1, 2));
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes('"event#account-told"'),
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(String(warning.code));
    process.on('warning', onWarning);
    try {
      expect(await projector.lambdaHandler()({ Records: records })).to.deep.equal({ batchItemFailures: [] });
      expect(await projector.lambdaHandler()({ Records: records })).to.deep.equal({ batchItemFailures: [] });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(told).to.deep.equal(['told/account-told/1', 'told/account-told/2']);
    expect(warnings).to.deep.equal(['DYNAGO_ON_APPLIED_FAILED']);
    expect(await balanceOf(readModel, 'account-told')).to.deep.equal({ balance: 3, events: 2 });
  });

  it('status in another process: the lag the live process recorded, and when', async () => {
    const live = new Projector({ events: store, projections: [balancesProjection(readModel, 'lagged')] });
    await store.append('account-lagged', deposits(1));
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes('"event#account-lagged"'),
    );
    const other = new Projector({ events: store, projections: [balancesProjection(readModel, 'lagged')] });
    expect((await other.status('lagged')).lagMs, 'nothing applied yet').to.equal(undefined);
    await live.lambdaHandler()({ Records: records });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the lag is recorded without waiting
    const status = await other.status('lagged');
    expect(status.lagMs).to.be.a('number').and.at.least(0);
    expect(status.lagAt).to.be.within(Date.now() - 60_000, Date.now());
    expect(status.applied, 'this process applied nothing').to.equal(0);
  });

  it("a transaction's records shuffled, and a later version delivered alone first: the gap is read from the store", async () => {
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'shuffled')],
    });
    const handler = projector.lambdaHandler();
    await store.append('account-shuffled', deposits(1, 2, 4, 8, 16));
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes('account-shuffled'),
    );
    // version 4 alone first: versions 1 to 3 come from a consistent read of the store
    const fourth = records.find((record) => record.dynamodb?.Keys?.sk?.N === '4');
    expect(await handler({ Records: [fourth as (typeof records)[number]] })).to.deep.equal({
      batchItemFailures: [],
    });
    expect(await balanceOf(readModel, 'account-shuffled')).to.deep.equal({ balance: 15, events: 4 });
    expect(await handler({ Records: [...records].reverse() })).to.deep.equal({ batchItemFailures: [] });
    expect(await balanceOf(readModel, 'account-shuffled')).to.deep.equal({ balance: 31, events: 5 });
  });

  it('snapshots, checkpoints and other items in the stream are ignored; so are other categories', async () => {
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'only-events')],
    });
    await store.append('other-1', deposits(1000));
    await table.putItem('event#account-snap', Number.MAX_SAFE_INTEGER, { state: { fake: true }, version: 1 });
    await table.putItem('unrelated#x', 1, { type: 'Deposited', data: { amount: 5 } });
    const records = await streamRecords(table);
    await projector.lambdaHandler()({ Records: records });
    expect(await balanceOf(readModel, 'other-1')).to.equal(undefined);
    expect(await balanceOf(readModel, 'account-snap')).to.equal(undefined);
  });

  it('a poison event is parked after its retries, its stream waits, other streams go on; retryParked applies it', async () => {
    let poisonous = true;
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'poison', { poisonThrows: () => poisonous })],
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    await store.append<string, unknown>('account-sick', [
      ...deposits(5),
      { type: 'Poison', data: {} },
      ...deposits(7),
    ]);
    await store.append('account-healthy', deposits(3));
    const records = (await streamRecords(table)).filter((record) =>
      /account-(sick|healthy)/.test(JSON.stringify(record.dynamodb?.Keys)),
    );
    expect(await projector.lambdaHandler()({ Records: records })).to.deep.equal({ batchItemFailures: [] });
    expect(await balanceOf(readModel, 'account-sick')).to.deep.equal({ balance: 5, events: 1 }); // waits at 2
    expect(await balanceOf(readModel, 'account-healthy')).to.deep.equal({ balance: 3, events: 1 });
    const status = await projector.status('poison');
    expect(status.parked.map(({ streamId, version }) => ({ streamId, version }))).to.deep.equal([
      { streamId: 'account-sick', version: 2 },
    ]);
    expect(status.parked[0]?.error).to.match(/cannot project Poison/);

    poisonous = false; // the projection is fixed
    expect(await projector.retryParked('poison')).to.deep.equal({ retried: 1, parked: 0 });
    expect(await balanceOf(readModel, 'account-sick')).to.deep.equal({ balance: 12, events: 3 });
    expect((await projector.status('poison')).parked).to.deep.equal([]);
  });

  it('rebuild from the events alone equals live, and running it again (or beside live) changes nothing', async () => {
    const accounts = ['account-r1', 'account-r2', 'account-r3'];
    for (const [index, streamId] of accounts.entries()) await store.append(streamId, deposits(index + 1, 10));
    // live: the Lambda handler into `readModel`; rebuilt: the events alone into a read model of its own
    const live = new Projector({ events: store, projections: [balancesProjection(readModel, 'live')] });
    await live.lambdaHandler()({ Records: await streamRecords(table) });
    const rebuiltModel = await createTestTable({ sortKey: false, prefix: 'read-model-rebuilt' });
    try {
      const rebuilt = new Projector({
        events: store,
        projections: [balancesProjection(rebuiltModel, 'rebuilt')],
      });
      expect((await rebuilt.rebuild('rebuilt', { segments: 2 })).applied).to.be.greaterThan(0);
      for (const [index, streamId] of accounts.entries()) {
        const liveBalance = await balanceOf(readModel, streamId);
        expect(liveBalance, streamId).to.deep.equal({ balance: index + 1 + 10, events: 2 });
        expect(await balanceOf(rebuiltModel, streamId), streamId).to.deep.equal(liveBalance);
      }
      expect((await rebuilt.rebuild('rebuilt', { segments: 3 })).applied, 'again').to.equal(0);
      // beside live: a rebuild of the live projection while the same records are delivered again
      const [beside, delivered] = await Promise.all([
        live.rebuild('live', { segments: 2 }),
        live.lambdaHandler()({ Records: await streamRecords(table) }),
      ]);
      expect(delivered).to.deep.equal({ batchItemFailures: [] });
      for (const [index, streamId] of accounts.entries()) {
        expect(await balanceOf(readModel, streamId), streamId).to.deep.equal({
          balance: index + 1 + 10,
          events: 2,
        });
      }
      expect(beside.applied, 'a rebuild beside live applies nothing new').to.equal(0);
    } finally {
      await rebuiltModel.deleteTable();
    }
  });

  it('bad input: invalid or duplicate names, unknown projections, operations that are not operations', async () => {
    const project = () => [];
    expect(() => new Projector({ events: store, projections: [{ name: 'bad name', project }] })).to.throw(
      ValidationError,
      /letters, digits, - and _/,
    );
    expect(
      () =>
        new Projector({
          events: store,
          projections: [
            { name: 'dup', project },
            { name: 'dup', project },
          ],
        }),
    ).to.throw(ValidationError, /"dup" is taken/);
    const projector = new Projector({
      events: store,
      projections: [{ name: 'not-ops', project: () => 'nope' as never }],
    });
    for (const call of [
      () => projector.status('nope'),
      () => projector.rebuild('nope'),
      () => projector.retryParked('nope'),
    ]) {
      let error: unknown;
      try {
        await call();
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as Error).message).to.match(/no projection named "nope"/);
    }
    await store.append('account-notops', deposits(1));
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes('account-notops'),
    );
    const result = await projector.lambdaHandler()({ Records: records });
    expect(result.batchItemFailures).to.have.length(1);
  });

  it('run on a table without a stream → ValidationError naming the fix', async () => {
    const plain = await createTestTable({ sortKeyType: 'N', prefix: 'no-stream' });
    try {
      const projector = new Projector({
        events: new EventStore({ table: plain }),
        projections: [{ name: 'x', project: () => [] }],
      });
      let error: unknown;
      try {
        await projector.run({ signal: AbortSignal.timeout(5_000) });
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as Error).message).to.match(/stream: 'NEW_IMAGE'/);
    } finally {
      await plain.deleteTable();
    }
  });

  it('too many operations for one transaction, or not operations: the handler names the first record of that stream', async () => {
    const projector = new Projector({
      events: store,
      projections: [
        {
          name: 'too-many',
          categories: ['wide'],
          project: (event) =>
            Array.from({ length: 100 }, (_, n) =>
              readModel.putOp(`wide#${event.streamId}#${n}`, undefined, { n }),
            ),
        },
      ],
    });
    await store.append('wide-1', deposits(1));
    await store.append('account-fine', deposits(1)); // another category: not this projection's
    const records = (await streamRecords(table)).filter((record) =>
      /wide-1|account-fine/.test(JSON.stringify(record.dynamodb?.Keys)),
    );
    const wide = records.find((record) => JSON.stringify(record.dynamodb?.Keys).includes('wide-1'));
    const result = await projector.lambdaHandler()({ Records: records });
    expect(result).to.deep.equal({ batchItemFailures: [{ itemIdentifier: wide?.dynamodb?.SequenceNumber }] });
    expect(await readModel.getItem('wide#wide-1#0', undefined)).to.equal(undefined); // nothing written
  });
});
