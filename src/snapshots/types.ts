/** A stream's saved state. */
export interface Snapshot<State> {
  state: State;
  /** The version of the last event folded into `state`. */
  version: number;
  /** When it was saved (epoch ms). */
  timestamp: number;
  /** The shape of `state`: the store's `schemaVersion` when it was saved (see `SnapshotStoreOptions`). */
  schemaVersion: number;
}

/** Options of a snapshot `save`. */
export interface SaveSnapshotOptions {
  /** The version of the last event folded into the state; a positive integer. */
  version: number;
  /**
   * Save only if the stored snapshot is at exactly this version (0: there is none), else
   * OptimisticLockError. Without it, a save never rolls a newer snapshot back: it returns false.
   */
  expectedVersion?: number;
  /**
   * Write whatever is stored. Rebuilds use it: a snapshot from the events alone replaces one that was
   * wrong, even one ahead of the stream. (An older snapshot is always safe: loads read the events after it.)
   */
  force?: boolean;
  signal?: AbortSignal;
}

/**
 * What an `AggregateRepository` needs of a snapshot store: saving a state, and decoding the snapshot
 * record that the event store's `tail` returns with a stream's newest events (see `EventStoreLike.tail`).
 * That is how a load reads snapshot and events together, so the two stores must keep their data
 * together: a `SnapshotStore` on the `EventStore`'s table, or an `InMemorySnapshotStore` made with
 * the `InMemoryEventStore` it belongs to (`new InMemorySnapshotStore({ events })`, from `dynago/testing`).
 * A snapshot store that keeps its snapshots elsewhere is never read by loads: they replay every event.
 */
export interface SnapshotStoreLike<State> {
  /**
   * Saves `state` as of `options.version`. True when written; false when a newer snapshot is stored.
   * With `expectedVersion`, OptimisticLockError unless the stored version is exactly that.
   */
  save(streamId: string, state: State, options: SaveSnapshotOptions): Promise<boolean>;
  /**
   * The snapshot in a record that the paired event store's `tail` returned; undefined for a snapshot of
   * another schema version than the store's, which is never folded into.
   */
  fromItem(item: Record<string, unknown>): Snapshot<State> | undefined;
}
