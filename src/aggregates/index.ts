export { AggregateRepository } from './AggregateRepository.js';
export {
  type AggregateRepositoryOptions,
  COMMAND_HISTORY,
  type Decide,
  type DecideMany,
  type Executed,
  type ExecuteOptions,
  type Loaded,
  type RebuildAllResult,
  type RebuildProgress,
  type StoredOf,
} from './types.js';
