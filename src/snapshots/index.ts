export {
  type SaveSnapshotOptions,
  SNAPSHOT_SORT_KEY,
  type Snapshot,
  SnapshotStore,
  type SnapshotStoreOptions,
} from './SnapshotStore.js';
