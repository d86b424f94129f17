import { InMemoryEventStore, InMemorySnapshotStore } from '../../src/testing/index.js';
import { describeEventStoreContract } from '../contract/eventStoreContract.js';

/** The contract in memory: the same suite as on DynamoDB Local (test/contract/dynamodb.test.ts). */
describeEventStoreContract('InMemoryEventStore and InMemorySnapshotStore', async () => {
  const events = new InMemoryEventStore();
  return { events, snapshots: <State>() => new InMemorySnapshotStore<State>({ events }) };
});
