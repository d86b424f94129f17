export { SNAPSHOT_SORT_KEY, SnapshotStore } from './SnapshotStore.js';
export type { SaveSnapshotOptions, Snapshot, SnapshotStoreLike } from './types.js';
