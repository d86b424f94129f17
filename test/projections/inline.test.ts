import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  Projector,
  type StoredOf,
  type Table,
  TransactionCanceledError,
} from '../../src/index.js';
import { countRequests } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';
import {
  balanceOf,
  balancesProjection,
  createStreamedEventTable,
  type MoneyEvent,
  streamRecords,
} from './helpers.js';

/** A projection applied in the append's own transaction: the read model is consistent with the write. */
describe('inline projections: in the append’s transaction', () => {
  let table: Table;
  let readModel: Table;
  let events: EventStore;

  before(async () => {
    table = await createStreamedEventTable('inline');
    readModel = await createTestTable({ sortKey: false, prefix: 'inline-model' });
    events = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  const accounts = (projection = balancesProjection(readModel, 'inline-balances')) =>
    new AggregateRepository<{ balance: number }, MoneyEvent>({
      category: 'account',
      events,
      initialState: () => ({ balance: 0 }),
      reduce: (state, event: StoredOf<MoneyEvent>) =>
        event.type === 'Deposited' ? { balance: state.balance + event.data.amount } : state,
      projections: [projection],
    });

  it('execute writes the event, the read model and the checkpoint in one TransactWriteItems', async () => {
    const repo = accounts();
    await repo.execute('in-1', () => [{ type: 'Deposited', data: { amount: 5 } }]);
    const requests = countRequests(table.client);
    try {
      await repo.execute('in-1', () => [{ type: 'Deposited', data: { amount: 7 } }]);
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
    expect(await balanceOf(readModel, 'account-in-1')).to.deep.equal({ balance: 12, events: 2 });
  });

  it('a Projector given the same projection applies nothing again (the checkpoint is already there)', async () => {
    const repo = accounts();
    await repo.execute('in-2', () => [{ type: 'Deposited', data: { amount: 3 } }]);
    const projector = new Projector({
      events,
      projections: [balancesProjection(readModel, 'inline-balances')],
    });
    await projector.lambdaHandler()({ Records: await streamRecords(table) });
    const rebuilt = await projector.rebuild('inline-balances');
    expect(rebuilt.applied).to.equal(0);
    expect(await balanceOf(readModel, 'account-in-2')).to.deep.equal({ balance: 3, events: 1 });
  });

  it('a projection behind the aggregate (added later, not rebuilt) fails the command; nothing is written', async () => {
    await events.append('account-late', [{ type: 'Deposited', data: { amount: 1 } }]);
    const repo = accounts(balancesProjection(readModel, 'added-later'));
    let error: unknown;
    try {
      await repo.execute('late', () => [{ type: 'Deposited', data: { amount: 2 } }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(TransactionCanceledError);
    expect(await events.version('account-late')).to.equal(1);
  });
});
