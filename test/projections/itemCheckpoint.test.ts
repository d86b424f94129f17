import { expect } from 'chai';
import { EventStore, type Projection, Projector, type StoredEvent, type Table } from '../../src/index.js';
import { countRequests } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';
import { balanceOf, balancesProjection, createStreamedEventTable, streamRecords } from './helpers.js';

/** checkpoint: 'item': the version inside the read-model item, one conditional write per event. */
describe("Projector: checkpoint: 'item' (one conditional write per run of events, no transaction)", () => {
  let table: Table;
  let readModel: Table;
  let store: EventStore;

  before(async () => {
    table = await createStreamedEventTable('item-checkpoint');
    readModel = await createTestTable({ sortKey: false, prefix: 'item-model' });
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  const inItem = (name: string, options: { poisonThrows?: () => boolean } = {}): Projection => ({
    ...balancesProjection(readModel, name, options),
    checkpoint: 'item',
  });
  const deposits = (...amounts: number[]) =>
    amounts.map((amount) => ({ type: 'Deposited', data: { amount } }));
  const recordsOf = async (streamId: string) =>
    (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes(`"${`event#${streamId}`}"`),
    );

  it("a stream's events in one delivery are ONE UpdateItem (merged); a duplicate delivery writes nothing; the version sits in the item", async () => {
    const projector = new Projector({ events: store, projections: [inItem('in-item')] });
    await store.append('account-i1', deposits(5, 6, 7));
    const records = await recordsOf('account-i1');
    const requests = countRequests(table.client);
    try {
      await projector.lambdaHandler()({ Records: records });
      const { PutItemCommand: lagRecord = 0, ...writes } = requests.counts;
      expect(writes, '3 events merged into one conditional write').to.deep.equal({ UpdateItemCommand: 1 });
      expect(lagRecord, 'the lag recorded for other processes, at most once a second').to.be.at.most(1);
    } finally {
      requests.detach();
    }
    await projector.lambdaHandler()({ Records: records });
    expect(await balanceOf(readModel, 'account-i1')).to.deep.equal({ balance: 18, events: 3 });
    const item = await readModel.getItem<Record<string, unknown>>('balance#account-i1', undefined, {
      consistentRead: true,
    });
    expect(item?.['dynago:in-item']).to.equal(3);
  });

  it('writes that cannot be merged exactly (fractions) are one UpdateItem per event', async () => {
    const projector = new Projector({ events: store, projections: [inItem('in-item-fractions')] });
    await store.append('account-i4', deposits(0.1, 0.2, 0.4));
    const records = await recordsOf('account-i4');
    const requests = countRequests(table.client);
    try {
      await projector.lambdaHandler()({ Records: records });
      const { PutItemCommand: lagRecord = 0, ...writes } = requests.counts;
      expect(writes).to.deep.equal({ UpdateItemCommand: 3 });
      expect(lagRecord, 'the lag recorded for other processes, at most once a second').to.be.at.most(1);
    } finally {
      requests.detach();
    }
    expect(await balanceOf(readModel, 'account-i4')).to.deep.equal({ balance: 0.7, events: 3 });
  });

  it('a later version alone first: the gap is read from the store and applied in order', async () => {
    const projector = new Projector({ events: store, projections: [inItem('in-item-gap')] });
    await store.append('account-i2', deposits(1, 2, 4));
    const records = await recordsOf('account-i2');
    await projector.lambdaHandler()({ Records: [records[2] as (typeof records)[number]] });
    expect(await balanceOf(readModel, 'account-i2')).to.deep.equal({ balance: 7, events: 3 });
    await projector.lambdaHandler()({ Records: records });
    expect(await balanceOf(readModel, 'account-i2')).to.deep.equal({ balance: 7, events: 3 });
  });

  it('a poison event is parked; later deliveries wait; retryParked goes on from it', async () => {
    let poisonous = true;
    const projector = new Projector({
      events: store,
      projections: [inItem('in-item-poison', { poisonThrows: () => poisonous })],
      retry: { maxAttempts: 1 },
    });
    await store.append<string, unknown>('account-i3', [
      ...deposits(1),
      { type: 'Poison', data: {} },
      ...deposits(2),
    ]);
    await projector.lambdaHandler()({ Records: await recordsOf('account-i3') });
    expect(await balanceOf(readModel, 'account-i3')).to.deep.equal({ balance: 1, events: 1 });
    await projector.lambdaHandler()({ Records: await recordsOf('account-i3') });
    expect(await balanceOf(readModel, 'account-i3')).to.deep.equal({ balance: 1, events: 1 });
    expect((await projector.status('in-item-poison')).parked.map((parked) => parked.version)).to.deep.equal([
      2,
    ]);
    poisonous = false;
    await projector.retryParked('in-item-poison');
    expect(await balanceOf(readModel, 'account-i3')).to.deep.equal({ balance: 3, events: 3 });
  });

  it('rebuild in item mode equals live', async () => {
    const fresh = await createTestTable({ sortKey: false, prefix: 'item-fresh' });
    try {
      const projection: Projection = { ...balancesProjection(fresh, 'in-item-rebuild'), checkpoint: 'item' };
      const projector = new Projector({ events: store, projections: [projection] });
      await projector.rebuild('in-item-rebuild');
      expect(await balanceOf(fresh, 'account-i1')).to.deep.equal({ balance: 18, events: 3 });
      expect((await projector.rebuild('in-item-rebuild')).applied).to.equal(0);
      void ((event: StoredEvent) => event);
    } finally {
      await fresh.deleteTable();
    }
  });
});
