import { createHash } from 'node:crypto';
import { TransactionCanceledError } from '../errors.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Condition } from '../table/expression.js';
import type { Table } from '../table/Table.js';
import type { ParkedEvent } from './projection.js';

/**
 * A projection's progress, one item per (projection, stream): the last version applied, and the event
 * it is parked on, if any. Items (on a table with a string partition key and a numeric sort key):
 *
 * | item               | partition key                         | sort key                  |
 * | ------------------ | ------------------------------------- | ------------------------- |
 * | checkpoint         | `checkpoint#<projection>#<streamId>`  | 0                         |
 * | parked (an index)  | `parked#<projection>`                 | 52 bits of the stream's hash |
 *
 * An event's writes and the checkpoint's advance from version v − 1 to v commit in one transaction,
 * conditioned on the checkpoint being at v − 1 and not parked: a duplicate delivery fails that condition
 * and writes nothing, a gap fails it too and is filled from the event store first. "No checkpoint"
 * means nothing applied, never "start here". The parked index lets `status` and `retryParked` find the
 * parked streams with one Query instead of a scan.
 */
export class Checkpoints {
  constructor(private readonly table: Table) {}

  key(projection: string, streamId: string): [string, number] {
    return [`checkpoint#${projection}#${streamId}`, 0];
  }

  /** The stored checkpoint: `version` 0 when nothing was applied. One consistent GetItem. */
  async read(
    projection: string,
    streamId: string,
    signal?: AbortSignal,
  ): Promise<{ version: number; parked?: ParkedEvent; deleted?: true }> {
    const item = await this.table.getItem<Record<string, unknown>>(...this.key(projection, streamId), {
      consistentRead: true,
      ...(signal ? { signal } : {}),
    });
    return Checkpoints.fromItem(item);
  }

  static fromItem(item: Record<string, unknown> | undefined): {
    version: number;
    parked?: ParkedEvent;
    deleted?: true;
  } {
    const version = typeof item?.version === 'number' ? item.version : 0;
    const parked = item?.parked as ParkedEvent | undefined;
    return {
      version,
      ...(parked ? { parked } : {}),
      ...(item?.deleted !== undefined ? { deleted: true as const } : {}),
    };
  }

  /** Only if the checkpoint is at exactly `version` (0: nothing applied), not parked, its stream not deleted. */
  private at(version: number): Condition {
    const names = { '#version': 'version', '#parked': 'parked', '#deleted': 'deleted' };
    return version === 0
      ? {
          expression:
            'attribute_not_exists(#version) AND attribute_not_exists(#parked) AND attribute_not_exists(#deleted)',
          names,
        }
      : {
          expression: '#version = :at AND attribute_not_exists(#parked) AND attribute_not_exists(#deleted)',
          names,
          values: { ':at': version },
        };
  }

  /**
   * Marks the stream deleted for the projection, with `writes` (the projection's `onStreamDeleted`), in
   * one transaction, once: a second notice finds the mark and writes nothing (false). From then on the
   * stream's late events are refused by the checkpoint's condition.
   */
  async markDeleted(
    projection: string,
    streamId: string,
    writes: TransactOperation[],
    signal?: AbortSignal,
  ): Promise<boolean> {
    const mark = this.table.updateOp(
      ...this.key(projection, streamId),
      { set: { deleted: Date.now() } },
      { condition: { expression: 'attribute_not_exists(#deleted)', names: { '#deleted': 'deleted' } } },
    );
    try {
      // a deleted stream is not parked any more: its index entry goes with the mark
      const unlisted = this.table.deleteOp(`parked#${projection}`, streamSortKey(streamId));
      await this.table.transactWrite([...writes, mark, unlisted], signal ? { signal } : {});
      return true;
    } catch (error) {
      const reason = error instanceof TransactionCanceledError ? error.reasons[writes.length] : undefined;
      if (reason?.code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /** The checkpoint moved from `from` to `to`, conditioned on it being at `from`: for the event's transaction. */
  advanceOp(projection: string, streamId: string, from: number, to: number): TransactOperation {
    return this.table.updateOp(
      ...this.key(projection, streamId),
      { set: { version: to } },
      { condition: this.at(from) },
    );
  }

  /** The same, as a single conditional UpdateItem (1 WCU instead of 2) for an event that writes nothing else. */
  async advance(
    projection: string,
    streamId: string,
    from: number,
    to: number,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.table.updateItem(
      ...this.key(projection, streamId),
      { set: { version: to } },
      { condition: this.at(from), ...(signal ? { signal } : {}) },
    );
  }

  /**
   * Parks `event` (the checkpoint must be right before it): the stream waits until `retryParked`. With
   * `inItem` the version lives in the read-model item (`checkpoint: 'item'`): only "not parked yet" is
   * checked here.
   */
  async park(projection: string, parked: ParkedEvent, signal?: AbortSignal, inItem = false): Promise<void> {
    await this.table.transactWrite(
      [
        this.table.updateOp(
          ...this.key(projection, parked.streamId),
          { set: { parked } },
          {
            condition: inItem
              ? { expression: 'attribute_not_exists(#parked)', names: { '#parked': 'parked' } }
              : this.at(parked.version - 1),
          },
        ),
        this.table.putOp(`parked#${projection}`, streamSortKey(parked.streamId), { ...parked }),
      ],
      signal ? { signal } : {},
    );
  }

  /** Lifts the stream's parking: its checkpoint and index entry. */
  async unpark(projection: string, streamId: string, signal?: AbortSignal): Promise<void> {
    await this.table.transactWrite(
      [
        this.table.updateOp(...this.key(projection, streamId), { remove: ['parked'] }),
        this.table.deleteOp(`parked#${projection}`, streamSortKey(streamId)),
      ],
      signal ? { signal } : {},
    );
  }

  /** Every parked event of a projection: one Query of its parked index. */
  async parked(projection: string, signal?: AbortSignal): Promise<ParkedEvent[]> {
    const parked: ParkedEvent[] = [];
    for await (const item of this.table.queryAll<Record<string, unknown>>(
      '#pk = :pk',
      { ':pk': `parked#${projection}` },
      { names: { '#pk': this.table.partitionKeyName }, consistentRead: true, ...(signal ? { signal } : {}) },
    )) {
      parked.push({
        streamId: item.streamId as string,
        version: item.version as number,
        error: item.error as string,
        parkedAt: item.parkedAt as number,
      });
    }
    return parked;
  }
}

/** A stream's place in a parked index: 52 bits of its SHA-256, a whole number below 2^53. */
function streamSortKey(streamId: string): number {
  const digest = createHash('sha256').update(streamId).digest();
  return digest.readUIntBE(0, 6) * 16 + ((digest[6] as number) >> 4);
}
