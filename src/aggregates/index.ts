export {
  AggregateRepository,
  type AggregateRepositoryOptions,
  type Decide,
  type Executed,
  type Loaded,
  type RebuildAllResult,
  type RebuildProgress,
  type StoredOf,
} from './AggregateRepository.js';
