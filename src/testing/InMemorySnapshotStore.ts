import { OptimisticLockError } from '../errors.js';
import { checkItem } from '../internal/item.js';
import { SNAPSHOT_SORT_KEY, streamPartition } from '../internal/layout.js';
import { checkId } from '../internal/validate.js';
import { checkSave, checkSnapshotOptions, type SnapshotStoreOptions } from '../snapshots/SnapshotStore.js';
import type { SaveSnapshotOptions, Snapshot, SnapshotStoreLike } from '../snapshots/types.js';
import type { InMemoryEventStore } from './InMemoryEventStore.js';
import { type MemorySpace, spaceOf } from './memorySpace.js';
import { storedCopy } from './storedCopy.js';

/**
 * Snapshots in memory, kept with the streams of one {@link InMemoryEventStore}, as a `SnapshotStore`
 * keeps them in the partitions of its `EventStore`'s table: an `AggregateRepository` given both loads a
 * snapshot and the events after it together, exactly as on DynamoDB. The rules of `SnapshotStore`:
 * saves never move a snapshot backwards (false) unless `force`, `expectedVersion` throws
 * OptimisticLockError on a mismatch, and a state DynamoDB could not store (a class instance, a function,
 * NaN, over 400 KB) is refused with the same typed error. States are copied in and out.
 *
 * @example
 * ```ts
 * const events = new InMemoryEventStore();
 * const snapshots = new InMemorySnapshotStore<{ balance: number }>({ events });
 * await snapshots.save('account-1', { balance: 42 }, { version: 100 });
 * const latest = await snapshots.load('account-1'); // { state: { balance: 42 }, version: 100, timestamp }
 * ```
 */
export class InMemorySnapshotStore<State> implements SnapshotStoreLike<State> {
  /** The event store whose streams these snapshots belong to. */
  readonly events: InMemoryEventStore;
  private readonly space: MemorySpace;

  /** See `SnapshotStoreOptions.schemaVersion`. */
  readonly schemaVersion: number;
  private readonly serialize: ((state: State) => unknown) | undefined;
  private readonly deserialize: ((stored: unknown) => State) | undefined;

  /**
   * `schemaVersion`, `serialize` and `deserialize` as `SnapshotStoreOptions` has them: a snapshot of
   * another schema version is never folded into, and hooks turn a state that is not plain data into
   * data and back.
   */
  constructor(options: { events: InMemoryEventStore } & Omit<SnapshotStoreOptions<State>, 'table'>) {
    this.space = spaceOf(options?.events, 'new InMemorySnapshotStore');
    this.events = options.events;
    const hooks = checkSnapshotOptions(options, 'new InMemorySnapshotStore');
    this.schemaVersion = hooks.schemaVersion;
    this.serialize = hooks.serialize;
    this.deserialize = hooks.deserialize;
  }

  /** See `SnapshotStore.save`. */
  async save(streamId: string, state: State, options: SaveSnapshotOptions): Promise<boolean> {
    const expected = checkSave(streamId, options);
    const record = {
      state: this.serialize ? this.serialize(state) : (state as unknown),
      version: options.version,
      timestamp: Date.now(),
      ...(this.schemaVersion !== 1 ? { schemaVersion: this.schemaVersion } : {}),
    };
    // The item a SnapshotStore would put, checked by the same rules (and measured with a key like its own).
    const item = { pk: streamPartition(streamId), sk: SNAPSHOT_SORT_KEY, ...record };
    checkItem(item, 'item', `The item ${JSON.stringify(item.pk)}/${JSON.stringify(item.sk)}`);
    options.signal?.throwIfAborted();
    const stored = this.space.get(streamId)?.snapshot;
    if (!options.force) {
      if (expected === undefined) {
        // as SnapshotStore: never backwards within one shape; a snapshot of another shape is replaced
        const sameShape = ((stored?.schemaVersion as number | undefined) ?? 1) === this.schemaVersion;
        if (stored !== undefined && sameShape && (stored.version as number) > options.version) return false;
      } else if (expected === 0 ? stored !== undefined : stored?.version !== expected) {
        throw new OptimisticLockError(
          'version',
          expected,
          stored === undefined ? undefined : storedCopy(stored),
        );
      }
    }
    this.space.open(streamId).snapshot = storedCopy(record);
    return true;
  }

  /** See `SnapshotStore.load`: the stored snapshot, or undefined. */
  async load(streamId: string, options: { signal?: AbortSignal } = {}): Promise<Snapshot<State> | undefined> {
    checkId(streamId, 'streamId');
    options?.signal?.throwIfAborted();
    const stored = this.space.get(streamId)?.snapshot;
    return stored === undefined ? undefined : this.fromItem(stored);
  }

  /**
   * The snapshot in a record that `events.tail` returned (a copy: the caller may mutate its state);
   * undefined for a snapshot of another schema version.
   */
  fromItem(item: Record<string, unknown>): Snapshot<State> | undefined {
    const schemaVersion = (item.schemaVersion as number | undefined) ?? 1;
    if (schemaVersion !== this.schemaVersion) return undefined;
    const state = storedCopy(item.state);
    return {
      state: this.deserialize ? this.deserialize(state) : (state as State),
      version: item.version as number,
      timestamp: item.timestamp as number,
      schemaVersion,
    };
  }
}
