import { v7 as uuidv7 } from 'uuid';
import { ConditionFailedError, OptimisticLockError, ValidationError } from '../errors.js';
import { SNAPSHOT_SORT_KEY, streamPartition } from '../internal/layout.js';
import { checkExpectedVersion, checkId, checkKeyNames, STORE_FIELDS } from '../internal/validate.js';
import type { Condition } from '../table/index.js';
import type { Table } from '../table/Table.js';
import type { SaveSnapshotOptions, Snapshot, SnapshotStoreLike } from './types.js';

/**
 * A snapshot lives in its stream's own partition (`event#<streamId>`), at the sort key 2^53 − 1, above
 * every event: a load reads it and the events after it with one Query (see `AggregateRepository.load`).
 */
export { SNAPSHOT_SORT_KEY };

/**
 * The latest state of each stream, so a load reads the snapshot plus the few events after it. Keyed by
 * stream id (an aggregate's stream is `<category>-<id>`), stored in the stream's own partition above its
 * events. Puts are version-conditional, so concurrent savers cannot move a snapshot backwards.
 *
 * @example
 * ```ts
 * const snapshots = new SnapshotStore<{ balance: number }>({ table });
 * await snapshots.save('account-1', { balance: 42 }, { version: 100 });
 * const latest = await snapshots.load('account-1'); // { state: { balance: 42 }, version: 100, timestamp }
 * ```
 */
export class SnapshotStore<State> implements SnapshotStoreLike<State> {
  readonly table: Table;

  constructor(options: { table: Table }) {
    if (!options?.table) throw new ValidationError('new SnapshotStore: give it a table ({ table }).');
    if (options.table.sortKeyName === undefined) {
      throw new ValidationError('new SnapshotStore: the table needs a numeric sort key.');
    }
    checkKeyNames(options.table, STORE_FIELDS, 'SnapshotStore');
    this.table = options.table;
  }

  /**
   * Saves `state` as of `version`. Returns true when written; false when a snapshot at a higher version
   * is already stored. With `expectedVersion`, throws OptimisticLockError unless the stored version is
   * exactly that.
   */
  async save(streamId: string, state: State, options: SaveSnapshotOptions): Promise<boolean> {
    checkId(streamId, 'streamId');
    if (!options || !Number.isSafeInteger(options.version) || options.version < 1) {
      throw new ValidationError(
        `snapshot save: version must be a positive integer, got ${String(options?.version)}.`,
      );
    }
    const checked =
      options.expectedVersion === undefined
        ? 'any'
        : checkExpectedVersion(options.expectedVersion, 'expectedVersion');
    const expected = checked === 'any' ? undefined : checked;
    const condition = options.force ? undefined : this.saveCondition(options.version, expected);
    // Identifies this save: an SDK retry whose first attempt was applied (its response lost) finds its own
    // write behind the refused condition, and reports success rather than a conflict.
    const writeId = uuidv7();
    try {
      await this.table.putItem(
        streamPartition(streamId),
        SNAPSHOT_SORT_KEY,
        { state: state as unknown, version: options.version, timestamp: Date.now(), writeId },
        { ...(condition ? { condition } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      if (err.item?.writeId === writeId) return true;
      if (expected === undefined) return false;
      throw new OptimisticLockError('version', expected, err.item, { cause: err.cause });
    }
  }

  /** Never backwards without an expectation; exactly `expected` (0: none stored) with one. */
  private saveCondition(version: number, expected: number | undefined): Condition {
    const pk = { '#pk': this.table.partitionKeyName };
    if (expected === undefined) {
      return {
        expression: 'attribute_not_exists(#pk) OR #version <= :version',
        names: { ...pk, '#version': 'version' },
        values: { ':version': version },
      };
    }
    if (expected === 0) return { expression: 'attribute_not_exists(#pk)', names: pk };
    return {
      expression: '#version = :expected',
      names: { '#version': 'version' },
      values: { ':expected': expected },
    };
  }

  /** The stored snapshot, or undefined. A strongly consistent GetItem. */
  async load(streamId: string, options: { signal?: AbortSignal } = {}): Promise<Snapshot<State> | undefined> {
    checkId(streamId, 'streamId');
    const item = await this.table.getItem<Record<string, unknown>>(
      streamPartition(streamId),
      SNAPSHOT_SORT_KEY,
      {
        consistentRead: true,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    return item === undefined ? undefined : this.fromItem(item);
  }

  /**
   * A snapshot from its stored item, as a Query of the stream's partition returns it (the item at
   * {@link SNAPSHOT_SORT_KEY}): how a load reads snapshot and events in one request.
   */
  fromItem(item: Record<string, unknown>): Snapshot<State> {
    return {
      state: item.state as State,
      version: item.version as number,
      timestamp: item.timestamp as number,
    };
  }
}
