export { Projector } from './Projector.js';
export type { ShardPosition, ShardPositions } from './shardPositions.js';
export type {
  AppliedEvents,
  BatchResponse,
  DynamoDBStreamEventLike,
  DynamoDBStreamsClientLike,
  ParkedEvent,
  PollerOperation,
  PollerRetry,
  Projection,
  ProjectionContext,
  ProjectionStatus,
  ProjectorOptions,
  ProjectorRebuildOptions,
  ProjectorRunOptions,
  StreamRecord,
  StreamRecordLike,
} from './types.js';
