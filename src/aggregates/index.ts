export {
  AggregateRepository,
  type AggregateRepositoryOptions,
  COMMAND_HISTORY,
  type Decide,
  type Executed,
  type ExecuteOptions,
  type Loaded,
  type RebuildAllResult,
  type RebuildProgress,
  type StoredOf,
} from './AggregateRepository.js';
