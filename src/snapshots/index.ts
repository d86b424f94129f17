export { type SaveSnapshotOptions, SNAPSHOT_PREFIX, type Snapshot, SnapshotStore } from './SnapshotStore.js';
