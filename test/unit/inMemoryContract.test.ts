import { InMemoryEventStore, InMemorySnapshotStore } from '../../src/testing/index.js';
import { describeEventStoreContract } from '../contract/eventStoreContract.js';
import type { SnapshotShape } from '../contract/stores.js';

/** The contract in memory: the same suite as on DynamoDB Local (test/contract/dynamodb.test.ts). */
describeEventStoreContract('InMemoryEventStore and InMemorySnapshotStore', async () => {
  const events = new InMemoryEventStore();
  return {
    events,
    snapshots: <State>(shape: SnapshotShape<State> = {}) =>
      new InMemorySnapshotStore<State>({ events, ...shape }),
    eventsWith: (definitions) => new InMemoryEventStore({ events: definitions, sameMemoryAs: events }),
  };
});
