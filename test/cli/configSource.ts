import type { Table } from '../../src/index.js';
import { testEndpoint } from '../support/tables.js';
import { DYNAGO_URL } from './helpers.js';

/**
 * A config module for `table`: a projector with `balances` (Poison events throw unless
 * DYNAGO_TEST_FIXED=1) and `slow` (waits DYNAGO_TEST_SLOW_MS per event, writes nothing), and the
 * repository of `account`. Read models live in the event table (`balance#<streamId>`, sort key 0).
 */
export function configSource(table: Table, typescript = false): string {
  const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
  const types = typescript ? ': { type: string; data: { amount?: number } }' : '';
  const stateType = typescript ? ': { balance: number }' : '';
  return `
import { AggregateRepository, EventStore, Projector, SnapshotStore, Table } from '${DYNAGO_URL}';

const table = new Table({
  tableName: '${table.tableName}',
  partitionKeyName: 'pk',
  sortKeyName: 'sk',
  region: '${region}',
  endpoint: { url: '${url}', accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' },
});
const events = new EventStore({ table });
const amount = (event${types}) =>
  event.type === 'Deposited' ? (event.data.amount ?? 0) : event.type === 'Withdrawn' ? -(event.data.amount ?? 0) : 0;

const balances = {
  name: 'balances',
  categories: ['account'],
  project: (event${types}) => {
    if (event.type === 'Poison' && process.env.DYNAGO_TEST_FIXED !== '1') throw new Error('cannot project Poison');
    return [table.updateOp('balance#' + (event as any).streamId, 0, { add: { balance: amount(event) } })];
  },
};
const slow = {
  name: 'slow',
  categories: ['account'],
  project: async () => {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.DYNAGO_TEST_SLOW_MS ?? 0)));
    return [];
  },
};

export default {
  projector: new Projector({
    events,
    projections: [balances, slow],
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  }),
  repositories: {
    account: new AggregateRepository({
      category: 'account',
      events,
      snapshots: new SnapshotStore({ table }),
      initialState: () => ({ balance: 0 }),
      reduce: (state${stateType}, event${types}) => ({ balance: state.balance + amount(event) }),
    }),
  },
};
`.replace(/ as any/g, typescript ? ' as any' : '');
}
