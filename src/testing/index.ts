/**
 * `dynago/testing`: a DynamoDB for your tests, wherever one is available — an endpoint you name, a
 * Docker container, or DynamoDB Local's jar run with Java — and random table names.
 *
 * @example
 * ```ts
 * import { createTestTableName, startDynamoDB } from 'dynago/testing';
 *
 * const db = await startDynamoDB();
 * const tableName = createTestTableName('orders');
 * // … create the table at db.endpoint and test …
 * await db.stop();
 * ```
 *
 * @module
 */

export { type DockerEngine, DYNAMODB_LOCAL_IMAGE, findDockerEngine } from './docker.js';
export { findFreePort } from './freePort.js';
export { DEFAULT_JAVA_OPTIONS, findJava } from './java.js';
export {
  type DynamoDBHandle,
  type DynamoDBSource,
  type StartDynamoDBOptions,
  startDynamoDB,
} from './launcher.js';
export { NoDynamoDBError } from './NoDynamoDBError.js';
export { createTestTableName } from './tableName.js';
