import { v7 as uuidv7 } from 'uuid';
import { ConditionFailedError, OptimisticLockError, StreamDeletedError, ValidationError } from '../errors.js';
import { deletionOf, SNAPSHOT_SORT_KEY, streamPartition } from '../internal/layout.js';
import { inSpan } from '../internal/telemetry.js';
import { checkExpectedVersion, checkId, checkKeyNames, STORE_FIELDS } from '../internal/validate.js';
import type { Condition } from '../table/index.js';
import type { Table } from '../table/Table.js';
import type { SaveSnapshotOptions, Snapshot, SnapshotStoreLike } from './types.js';

/**
 * A snapshot lives in its stream's own partition (`event#<streamId>`), at the sort key 2^53 − 1, above
 * every event: a load reads it and the events after it with one Query (see `AggregateRepository.load`).
 */
export { SNAPSHOT_SORT_KEY };

export interface SnapshotStoreOptions<State> {
  table: Table;
  /**
   * The version of the state's shape (default 1). Raise it when the state changes shape: a snapshot
   * saved at another version is then ignored by loads (the aggregate is folded from its events, never
   * from an old state), and the next save replaces it, even one at a higher event version.
   */
  schemaVersion?: number;
  /**
   * Turns the state into what is stored (plain data: objects, arrays, strings, numbers, booleans, null,
   * Sets of strings or numbers, Uint8Array), for states that hold a `Date`, a `Map` or a class.
   * Default: the state as it is.
   */
  serialize?: (state: State) => unknown;
  /** Turns what `serialize` stored back into the state. Default: the stored value as it is. */
  deserialize?: (stored: unknown) => State;
}

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
  /** See {@link SnapshotStoreOptions.schemaVersion}. */
  readonly schemaVersion: number;
  private readonly serialize: ((state: State) => unknown) | undefined;
  private readonly deserialize: ((stored: unknown) => State) | undefined;

  constructor(options: SnapshotStoreOptions<State>) {
    if (!options?.table) throw new ValidationError('new SnapshotStore: give it a table ({ table }).');
    if (options.table.sortKeyName === undefined) {
      throw new ValidationError('new SnapshotStore: the table needs a numeric sort key.');
    }
    checkKeyNames(options.table, STORE_FIELDS, 'SnapshotStore');
    this.table = options.table;
    const hooks = checkSnapshotOptions(options, 'new SnapshotStore');
    this.schemaVersion = hooks.schemaVersion;
    this.serialize = hooks.serialize;
    this.deserialize = hooks.deserialize;
  }

  /**
   * Saves `state` as of `version`. Returns true when written; false when a snapshot at a higher version
   * is already stored. With `expectedVersion`, throws OptimisticLockError unless the stored version is
   * exactly that.
   */
  save(streamId: string, state: State, options: SaveSnapshotOptions): Promise<boolean> {
    return inSpan(
      'dynago.snapshot',
      this.table.tableName,
      {
        'dynago.stream_id': typeof streamId === 'string' ? streamId : undefined,
        'dynago.version': options?.version,
        'dynago.schema_version': this.schemaVersion,
      },
      async (span) => {
        const saved = await this.saveUntraced(streamId, state, options);
        span.set({ 'dynago.saved': saved });
        return saved;
      },
    );
  }

  private async saveUntraced(streamId: string, state: State, options: SaveSnapshotOptions): Promise<boolean> {
    const expected = checkSave(streamId, options);
    // never over a deleted stream's stub (see EventStore.deleteStream), even with force
    const notDeleted = 'attribute_not_exists(#deleted)';
    const base = options.force ? undefined : this.saveCondition(options.version, expected);
    const condition: Condition = base
      ? {
          ...base,
          expression: `(${base.expression}) AND ${notDeleted}`,
          names: { ...base.names, '#deleted': 'deleted' },
        }
      : { expression: notDeleted, names: { '#deleted': 'deleted' } };
    // Identifies this save: an SDK retry whose first attempt was applied (its response lost) finds its own
    // write behind the refused condition, and reports success rather than a conflict.
    const writeId = uuidv7();
    try {
      await this.table.putItem(
        streamPartition(streamId),
        SNAPSHOT_SORT_KEY,
        {
          state: this.serialize ? this.serialize(state) : (state as unknown),
          version: options.version,
          timestamp: Date.now(),
          writeId,
          ...(this.schemaVersion !== 1 ? { schemaVersion: this.schemaVersion } : {}),
        },
        { ...(condition ? { condition } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      if (err.item?.writeId === writeId) return true;
      if (err.item?.deleted !== undefined) throw new StreamDeletedError(streamId, deletionOf(err.item));
      if (expected === undefined) return false;
      throw new OptimisticLockError('version', expected, err.item, { cause: err.cause });
    }
  }

  /** Never backwards without an expectation; exactly `expected` (0: none stored) with one. */
  private saveCondition(version: number, expected: number | undefined): Condition {
    const pk = { '#pk': this.table.partitionKeyName };
    if (expected === undefined) {
      // A snapshot of another schema version is replaced whatever its event version: loads ignore it.
      // Stored without the attribute, a snapshot is at version 1.
      const otherShape =
        this.schemaVersion === 1
          ? 'attribute_exists(#schema) AND #schema <> :schema'
          : 'attribute_not_exists(#schema) OR #schema <> :schema';
      return {
        expression: `attribute_not_exists(#pk) OR #version <= :version OR ${otherShape}`,
        names: { ...pk, '#version': 'version', '#schema': 'schemaVersion' },
        values: { ':version': version, ':schema': this.schemaVersion },
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
    if (item?.deleted !== undefined) throw new StreamDeletedError(streamId, deletionOf(item));
    return item === undefined ? undefined : this.fromItem(item);
  }

  /**
   * A snapshot from its stored item, as a Query of the stream's partition returns it (the item at
   * {@link SNAPSHOT_SORT_KEY}): how a load reads snapshot and events in one request. Undefined for a
   * snapshot of another schema version than the store's: it is never folded into.
   */
  fromItem(item: Record<string, unknown>): Snapshot<State> | undefined {
    if (item.deleted !== undefined) return undefined; // a deleted stream's stub
    const schemaVersion = (item.schemaVersion as number | undefined) ?? 1;
    if (schemaVersion !== this.schemaVersion) return undefined;
    return {
      state: this.deserialize ? this.deserialize(item.state) : (item.state as State),
      version: item.version as number,
      timestamp: item.timestamp as number,
      schemaVersion,
    };
  }
}

/** The schema version and hooks of a snapshot store's options, checked (shared with the in-memory store). */
export function checkSnapshotOptions<State>(
  options: Pick<SnapshotStoreOptions<State>, 'schemaVersion' | 'serialize' | 'deserialize'>,
  where: string,
): {
  schemaVersion: number;
  serialize: ((state: State) => unknown) | undefined;
  deserialize: ((stored: unknown) => State) | undefined;
} {
  const schemaVersion = options.schemaVersion ?? 1;
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new ValidationError(
      `${where}: schemaVersion must be a whole number from 1, got ${String(options.schemaVersion)}.`,
    );
  }
  for (const hook of ['serialize', 'deserialize'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new ValidationError(`${where}: ${hook} must be a function when given.`);
    }
  }
  if ((options.serialize === undefined) !== (options.deserialize === undefined)) {
    throw new ValidationError(
      `${where}: give serialize and deserialize together (one turns the state into plain data, the other back).`,
    );
  }
  return { schemaVersion, serialize: options.serialize, deserialize: options.deserialize };
}

/**
 * A save's stream id and options, checked (shared with the in-memory store): the expected version, or
 * undefined for none.
 */
export function checkSave(streamId: string, options: SaveSnapshotOptions): number | undefined {
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
  return checked === 'any' ? undefined : checked;
}
