export { MAX_STREAM_ID_BYTES } from '../internal/validate.js';
export { MAX_EVENTS_PER_APPEND } from './append.js';
export { categoryOf } from './category.js';
export { CATEGORY_ATTRIBUTE, categoryIndex } from './categoryIndex.js';
export { EVENT_PREFIX } from './codec.js';
export {
  type DefineEventOptions,
  defineEvent,
  type EventDefinition,
  type EventOf,
  type InputOf,
  type StandardSchemaV1,
  type Upcaster,
} from './definition.js';
export type { DeletedStream, DeleteStreamOptions } from './deleter.js';
export { EventStore, type EventStoreOptions } from './EventStore.js';
export type { StreamToken } from './token.js';
export type * from './types.js';
