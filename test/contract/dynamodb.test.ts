import { EventStore, SnapshotStore, type Table } from '../../src/index.js';
import { createEventTable } from '../events/helpers.js';
import { describeEventStoreContract } from './eventStoreContract.js';
import type { SnapshotShape } from './stores.js';

/** The contract on DynamoDB Local: every `makeStores` is a table of its own, deleted at the end. */
const tables: Table[] = [];

describeEventStoreContract(
  'EventStore and SnapshotStore on DynamoDB',
  async () => {
    const table = await createEventTable('contract');
    tables.push(table);
    return {
      events: new EventStore({ table }),
      snapshots: <State>(shape: SnapshotShape<State> = {}) => new SnapshotStore<State>({ table, ...shape }),
      eventsWith: (definitions) => new EventStore({ table, events: definitions }),
    };
  },
  async () => {
    await Promise.all(tables.splice(0).map((table) => table.deleteTable()));
  },
);
