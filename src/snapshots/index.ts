export { SNAPSHOT_SORT_KEY, SnapshotStore, type SnapshotStoreOptions } from './SnapshotStore.js';
export type { SaveSnapshotOptions, Snapshot, SnapshotStoreLike } from './types.js';
