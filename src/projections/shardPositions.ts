import { ValidationError } from '../errors.js';
import type { Table } from '../table/Table.js';
import type { StreamRecord } from './types.js';

/**
 * How far one consumer has read one shard of a DynamoDB Stream.
 *
 * - `sequenceNumber`: the last record whose batch was handled; reading resumes right after it
 *   (`AFTER_SEQUENCE_NUMBER`). Absent: nothing handled yet, reading starts at `TRIM_HORIZON`.
 * - `finished`: the shard is closed and was read to its end; it is never read again, and its children
 *   may start.
 */
export interface ShardPosition {
  sequenceNumber?: string;
  finished?: boolean;
}

/**
 * Where a {@link StreamPoller} keeps its shard positions. One consumer (one `name`) must be polled by one
 * process at a time: two pollers saving the same positions would each resume from the other's.
 */
export interface ShardPositions {
  /** The stored position of `shardId`, or undefined when none was saved. */
  load(shardId: string): Promise<ShardPosition | undefined>;
  /** Stores `position` for `shardId`, replacing the previous one. */
  save(shardId: string, position: ShardPosition): Promise<void>;
  /**
   * True for the stream records of this store's own writes, when it keeps its positions in the very
   * table whose stream is polled. The poller neither hands them to `handle` nor saves a position for a
   * batch of nothing else: otherwise every saved position would come back as a record, be "handled" and
   * saved again, one write per poll interval per shard, forever (and two consumers would bounce each
   * other's positions the same way).
   */
  ownsRecord?(record: StreamRecord): boolean;
}

/** The partition key prefix of every position item, whatever the consumer. */
export const POSITION_PREFIX = 'position#';

/**
 * Shard positions on a dynago {@link Table} whose partition key is a string and whose sort key is a
 * number (the event store's table fits), one item per (consumer, shard):
 *
 * | item     | partition key                     | sort key |
 * | -------- | --------------------------------- | -------- |
 * | position | `position#<name>#<shardId>`       | 0        |
 *
 * Cost: `load` is one strongly consistent GetItem (1 RCU: the item is far below 4 KB), once per shard
 * and run; `save` is one PutItem (1 WCU: below 1 KB), once per handled batch, so at most one write per
 * shard per GetRecords (up to 1 000 records or 1 MB). Kept in the streamed table, each save is itself a
 * stream record: {@link ownsRecord} recognises those of every consumer (`position#…`) so that they are
 * skipped instead of feeding back.
 *
 * @example
 * ```ts
 * const positions = new TableShardPositions(eventTable, 'balances');
 * await positions.save('shardId-0001', { sequenceNumber: '4200000000001' });
 * ```
 */
export class TableShardPositions implements ShardPositions {
  constructor(
    private readonly table: Table,
    /** Identifies the consumer (the projector, say): letters, digits, `-`, `_`, `.`, no `#`. */
    readonly name: string,
  ) {
    if (table?.sortKeyName === undefined) {
      throw new ValidationError(
        'new TableShardPositions: the table needs a numeric sort key (positions are stored at sort key 0).',
      );
    }
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new ValidationError(
        `new TableShardPositions: name must be a non-empty string of letters, digits, ".", "-" and "_" ` +
          `(it is part of the partition key \`position#<name>#<shardId>\`), got ${JSON.stringify(name)}.`,
      );
    }
  }

  /** The item's key: `position#<name>#<shardId>`, 0. */
  key(shardId: string): [string, number] {
    return [`${POSITION_PREFIX}${this.name}#${shardId}`, 0];
  }

  /** One strongly consistent GetItem (1 RCU). */
  async load(shardId: string): Promise<ShardPosition | undefined> {
    const item = await this.table.getItem<Record<string, unknown>>(...this.key(shardId), {
      consistentRead: true,
    });
    if (item === undefined) return undefined;
    const position: ShardPosition = {};
    if (typeof item.sequenceNumber === 'string') position.sequenceNumber = item.sequenceNumber;
    if (item.finished === true) position.finished = true;
    return position;
  }

  /** One PutItem (1 WCU), unconditional: the poller of this consumer is the only writer. */
  async save(shardId: string, position: ShardPosition): Promise<void> {
    await this.table.putItem(...this.key(shardId), {
      consumer: this.name,
      shardId,
      ...(position.sequenceNumber !== undefined ? { sequenceNumber: position.sequenceNumber } : {}),
      ...(position.finished ? { finished: true } : {}),
      savedAt: Date.now(),
    });
  }

  /** The record of a position write of any consumer (partition key `position#…`) on this table. */
  ownsRecord(record: StreamRecord): boolean {
    const key = record.dynamodb?.Keys?.[this.table.partitionKeyName]?.S;
    return typeof key === 'string' && key.startsWith(POSITION_PREFIX);
  }
}

/** Shard positions in memory, for tests and for consumers that may start over from `TRIM_HORIZON`. */
export class InMemoryShardPositions implements ShardPositions {
  private readonly positions = new Map<string, ShardPosition>();

  /** Optionally seeded, e.g. `new InMemoryShardPositions({ 'shardId-1': { finished: true } })`. */
  constructor(initial: Record<string, ShardPosition> = {}) {
    for (const [shardId, position] of Object.entries(initial)) this.positions.set(shardId, { ...position });
  }

  async load(shardId: string): Promise<ShardPosition | undefined> {
    const position = this.positions.get(shardId);
    return position === undefined ? undefined : { ...position };
  }

  async save(shardId: string, position: ShardPosition): Promise<void> {
    this.positions.set(shardId, { ...position });
  }

  /** Every stored position, by shard id (copies). */
  all(): Record<string, ShardPosition> {
    return Object.fromEntries([...this.positions].map(([shardId, position]) => [shardId, { ...position }]));
  }
}
