/**
 * `dynago/testing`: tests without DynamoDB — an event store and a snapshot store in memory with the
 * rules of the real ones, and a given/when/then helper for deciders — and, for the tests that need
 * one, a DynamoDB wherever one is available (an endpoint you name, a Docker container, or DynamoDB
 * Local's jar run with Java) and random table names. Importing it starts nothing: Docker and Java are
 * looked for only when `startDynamoDB` is called.
 *
 * @example
 * ```ts
 * import { createTestTableName, deciderSpec, InMemoryEventStore, startDynamoDB } from 'dynago/testing';
 *
 * const store = new InMemoryEventStore(); // no DynamoDB needed
 * await deciderSpec({ initialState: () => 0, reduce: (n) => n + 1 })
 *   .given([{ type: 'Ticked', data: {} }])
 *   .when((n) => [{ type: 'Ticked', data: { after: n } }])
 *   .then([{ type: 'Ticked', data: { after: 1 } }]);
 *
 * const db = await startDynamoDB();
 * const tableName = createTestTableName('orders');
 * // … create the table at db.endpoint and test …
 * await db.stop();
 * ```
 *
 * @module
 */

export {
  type CommandDeciderSpecOptions,
  type DeciderGiven,
  type DeciderSpec,
  type DeciderSpecOptions,
  type DeciderWhen,
  deciderSpec,
  type ExpectedError,
} from './deciderSpec.js';
export { type DockerEngine, DYNAMODB_LOCAL_IMAGE, findDockerEngine } from './docker.js';
export { findFreePort } from './freePort.js';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './InMemoryEventStore.js';
export { InMemorySnapshotStore } from './InMemorySnapshotStore.js';
export { DEFAULT_JAVA_OPTIONS, findJava } from './java.js';
export {
  type DynamoDBHandle,
  type DynamoDBSource,
  type StartDynamoDBOptions,
  startDynamoDB,
} from './launcher.js';
export { NoDynamoDBError } from './NoDynamoDBError.js';
export { createTestTableName } from './tableName.js';
