export { Projector } from './Projector.js';
export type {
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
