import { v7 as uuidv7 } from 'uuid';
import { ConditionFailedError, OptimisticLockError, ValidationError } from '../errors.js';
import { checkExpectedVersion, checkId, checkKeyNames, STORE_FIELDS } from '../internal/validate.js';
import type { Condition } from '../table/index.js';
import type { Table } from '../table/Table.js';

/** Snapshot items live in partitions `snapshot#<aggregateId>`, sort key 0, beside the events. */
export const SNAPSHOT_PREFIX = 'snapshot#';

export interface Snapshot<State> {
  state: State;
  /** The version of the last event folded into `state`. */
  version: number;
  /** When it was saved (epoch ms). */
  timestamp: number;
}

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
 * The latest state of each aggregate, so a load reads the snapshot plus the few events after it.
 * Puts are version-conditional, so concurrent savers cannot move a snapshot backwards.
 *
 * @example
 * ```ts
 * const snapshots = new SnapshotStore<{ balance: number }>({ table });
 * await snapshots.save('account-1', { balance: 42 }, { version: 100 });
 * const latest = await snapshots.load('account-1'); // { state: { balance: 42 }, version: 100, timestamp }
 * ```
 */
export class SnapshotStore<State> {
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
  async save(aggregateId: string, state: State, options: SaveSnapshotOptions): Promise<boolean> {
    checkId(aggregateId, 'aggregateId');
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
        `${SNAPSHOT_PREFIX}${aggregateId}`,
        0,
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

  /** The stored snapshot, or undefined. A strongly consistent read. */
  async load(
    aggregateId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Snapshot<State> | undefined> {
    checkId(aggregateId, 'aggregateId');
    const item = await this.table.getItem<Snapshot<State>>(`${SNAPSHOT_PREFIX}${aggregateId}`, 0, {
      consistentRead: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return item === undefined
      ? undefined
      : { state: item.state, version: item.version, timestamp: item.timestamp };
  }
}
