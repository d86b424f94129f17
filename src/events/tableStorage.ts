import { v7 as uuidv7 } from 'uuid';
import {
  ConditionFailedError,
  DynagoError,
  DynamoDBTimeoutError,
  StreamDeletedError,
  TransactionCanceledError,
} from '../errors.js';
import { backoffDelay, type RetryPolicy, sleep } from '../internal/backoff.js';
import { markChecked } from '../internal/item.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';
import type { AppendStorage, HeadReader, StoredWithDigest, StreamPlan, WriteOutcome } from './append.js';
import { deletionOf, eventAttributes, eventPartition, toStoredEvent } from './codec.js';
import type { StoredEvent } from './types.js';

/** Re-sends of a write that DynamoDB left unanswered through the SDK's own retries. */
const RESENDS: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

/**
 * The event store's writes on a DynamoDB table, argued in capacity units and round trips:
 * - one event: one conditional PutItem (1 WCU under 1 KB). A transaction would cost twice as much.
 * - 2 to 100 events, in one stream or many: one TransactWriteItems, all or nothing.
 * - every event item is written only if its version is free (attribute_not_exists).
 * - a plain-number expected version N is proven by one consistent GetItem of item N (a single PutItem
 *   cannot check another item).
 * - a conflict is confirmed as our own earlier write, or not, by one consistent Query of exactly the
 *   versions our events would hold.
 */
export class TableAppendStorage implements AppendStorage {
  readonly keyNames: { partitionKeyName: string; sortKeyName: string };

  constructor(
    private readonly table: Table,
    readonly head: HeadReader,
  ) {
    this.keyNames = { partitionKeyName: table.partitionKeyName, sortKeyName: table.sortKeyName as string };
  }

  async holds(streamId: string, version: number, signal?: AbortSignal): Promise<boolean> {
    const item = await this.table.getItem(eventPartition(streamId), version, {
      consistentRead: true,
      ...(signal ? { signal } : {}),
    });
    if (item?.deleted !== undefined) throw new StreamDeletedError(streamId, deletionOf(item));
    return item !== undefined;
  }

  async slice(streamId: string, from: number, to: number, signal?: AbortSignal): Promise<StoredWithDigest[]> {
    const { items } = await this.table.query<Record<string, unknown>>(
      '#pk = :pk AND #sk BETWEEN :from AND :to',
      { ':pk': eventPartition(streamId), ':from': from, ':to': to },
      {
        names: { '#pk': this.table.partitionKeyName, '#sk': this.table.sortKeyName as string },
        consistentRead: true,
        limit: to - from + 1,
        ...(signal ? { signal } : {}),
      },
    );
    return items.map((item) => ({
      event: toStoredEvent(this.table, item),
      digest: item.digest as string | undefined,
    }));
  }

  /**
   * {@link send}, sent again (the same items at the same versions) when DynamoDB stayed unavailable
   * through the SDK's retries. Without this, a write whose response was lost leaves the caller not
   * knowing whether it landed; a re-send either lands it or finds it already there (our ids), so most
   * such outcomes become known. Bounded: after the last re-send the retryable error goes to the caller.
   * A write that ran out of `timeouts.totalMs` is not re-sent: the caller set that as the longest wait.
   * Every send of one transaction carries the same ClientRequestToken, so within DynamoDB's 10-minute
   * idempotency window a re-send of a transaction that did land is answered as a success, not a conflict.
   */
  async write(
    plans: readonly StreamPlan[],
    timestamp: number,
    operations: TransactOperation[],
    signal?: AbortSignal,
  ): Promise<WriteOutcome> {
    const token = uuidv7();
    for (let resend = 1; ; resend++) {
      try {
        return await this.send(plans, timestamp, token, operations, signal);
      } catch (error) {
        if (!(error instanceof DynagoError) || !error.retryable || resend >= RESENDS.maxAttempts) throw error;
        // The request already had its whole deadline (timeouts.totalMs): re-sending would make the
        // caller wait several deadlines for an endpoint that does not answer.
        if (error instanceof DynamoDBTimeoutError && error.option === 'timeouts.totalMs') throw error;
        await sleep(backoffDelay(resend, RESENDS), signal);
      }
    }
  }

  private async send(
    plans: readonly StreamPlan[],
    timestamp: number,
    token: string,
    operations: TransactOperation[],
    signal?: AbortSignal,
  ): Promise<WriteOutcome> {
    const table = this.table;
    const condition = { expression: 'attribute_not_exists(#pk)', names: { '#pk': table.partitionKeyName } };
    const items = plans.flatMap((plan, planIndex) =>
      plan.events.map((event, index) => ({
        planIndex,
        pk: eventPartition(plan.streamId),
        version: plan.base + index + 1,
        // checked in plan(), with the largest key and attributes it can have: not walked again
        attributes: markChecked(
          eventAttributes(
            event,
            plan.timestamp ?? timestamp,
            plan.commandId,
            plan.base + index === 0 ? plan.streamId : undefined,
          ),
        ),
      })),
    );
    const options = signal ? { signal } : {};
    const ids = new Set(plans.flatMap((plan) => plan.events.map((event) => event.id)));
    /** A stored item with one of our ids, or no item to tell: only then is it worth reading to confirm. */
    const maybeOwn = (stored: Record<string, unknown> | undefined) =>
      stored === undefined || ids.has(stored.id as string);
    try {
      if (items.length === 1 && operations.length === 0) {
        const item = items[0] as (typeof items)[number];
        await table.putItem(item.pk, item.version, item.attributes, { condition, ...options });
      } else {
        await table.transactWrite(
          [
            ...items.map((item) => table.putOp(item.pk, item.version, item.attributes, { condition })),
            ...operations,
          ],
          { ...options, clientRequestToken: token },
        );
      }
    } catch (err) {
      if (err instanceof ConditionFailedError) {
        // a deleted stream's stub or tombstone holds the version: the stream is gone, not taken
        if (err.item?.deleted !== undefined) {
          throw new StreamDeletedError((plans[0] as StreamPlan).streamId, deletionOf(err.item));
        }
        return { kind: 'conflict', conflicts: [0], maybeOwn: maybeOwn(err.item), cause: err };
      }
      if (err instanceof TransactionCanceledError) {
        err.reasons.forEach((reason, index) => {
          if (index < items.length && reason.item?.deleted !== undefined) {
            const plan = plans[(items[index] as (typeof items)[number]).planIndex] as StreamPlan;
            throw new StreamDeletedError(plan.streamId, deletionOf(reason.item));
          }
        });
        // Only a failed condition on an event item is a conflict; the table turns every other reason
        // (throttling, validation, item collection size) into its own error before it gets here.
        const conflicts = new Set<number>();
        let own = false;
        err.reasons.forEach((reason, index) => {
          // a condition of the caller's own operations (after the event items) is not a stream conflict
          if (reason.code !== 'ConditionalCheckFailed' || index >= items.length) return;
          conflicts.add((items[index] as (typeof items)[number]).planIndex);
          if (maybeOwn(reason.item)) own = true;
        });
        if (conflicts.size === 0) throw err;
        return { kind: 'conflict', conflicts: [...conflicts], maybeOwn: own, cause: err };
      }
      throw err;
    }
    const events: StoredEvent[][] = plans.map(() => []);
    for (const item of items) {
      events[item.planIndex]?.push(
        toStoredEvent(table, {
          ...item.attributes,
          [table.partitionKeyName]: item.pk,
          [table.sortKeyName as string]: item.version,
        }),
      );
    }
    return { kind: 'written', events };
  }
}
