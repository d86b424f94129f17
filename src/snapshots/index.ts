export {
  type SaveSnapshotOptions,
  SNAPSHOT_SORT_KEY,
  type Snapshot,
  SnapshotStore,
} from './SnapshotStore.js';
