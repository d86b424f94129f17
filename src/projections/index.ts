export { Projector } from './Projector.js';
export type { ShardPosition, ShardPositions } from './shardPositions.js';
export type { PollerRetry, StreamRecord } from './streamPoller.js';
export type {
  AppliedEvents,
  BatchResponse,
  DynamoDBStreamEventLike,
  ParkedEvent,
  Projection,
  ProjectionContext,
  ProjectionStatus,
  ProjectorOptions,
  ProjectorRebuildOptions,
  ProjectorRunOptions,
  StreamRecordLike,
} from './types.js';
