import {
  ConditionFailedError,
  StreamCorruptedError,
  StreamDeletedError,
  TransactionCanceledError,
  ValidationError,
} from '../errors.js';
import { Checkpoints } from '../events/checkpoints.js';
import type { EventStore } from '../events/EventStore.js';
import type { StoredEvent } from '../events/types.js';
import { backoffDelay, type RetryPolicy, sleep } from '../internal/backoff.js';
import { KeyedLock } from '../internal/keyedLock.js';
import { inSpan } from '../internal/telemetry.js';
import { mergeOperations, type TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';
import type { Projection } from './types.js';

/** DynamoDB's limit of operations in one transaction; one of them is the checkpoint. */
const TRANSACTION_LIMIT = 100;

/** How applying a stream's events ended for one projection. */
export type Applied = { applied: number; outcome: 'done' | 'parked' };

/**
 * Applies a stream's events to one projection, each exactly once, in version order:
 *
 * - Consecutive events of the stream go into one transaction with ONE checkpoint advance (v − 1 → w),
 *   up to `batchSize` events and 99 operations. DynamoDB refuses two operations on one item in one
 *   transaction, so a second write of an item is MERGED into the first when that is exact
 *   (`mergeOperations`: unconditional puts, deletes and updates whose sums are whole numbers), and
 *   otherwise the batch is cut before that event. Cost: one write per item the batch touches (not per
 *   event) plus one checkpoint update, doubled because it is a transaction (2 WCU per KB per item); a
 *   ledger account's 25 events are 2 items, 4 WCU, instead of 25 transactions, 100 WCU. A batch that
 *   writes nothing advances the checkpoint with one UpdateItem (1 WCU).
 * - The checkpoint's condition decides what was already done: at or past the batch's last version, the
 *   delivery was a duplicate and nothing is written (not an error); inside the batch, only the rest is
 *   applied; before the batch (a gap: events of a transaction or of two shards arriving out of order, or
 *   a projection that first sees version k > 1), the missing versions are read from the event store
 *   (one consistent Query) and applied first. One stream's gap never holds up another stream.
 * - `project` throwing is retried with backoff (`retry`); after the last attempt the event is parked:
 *   the stream waits (its later events are not applied, so its order holds) until `retryParked`.
 *   Other streams go on. Errors of DynamoDB itself (unavailable, throttled) are not the event's fault:
 *   they go to the caller, which retries the delivery.
 */
export class Applier {
  readonly checkpoints: Checkpoints;
  /** Applications of one (projection, stream) in this process, one at a time: no self-inflicted conflicts. */
  private readonly locks = new KeyedLock();

  constructor(
    private readonly events: EventStore,
    /** Where checkpoints live; its client also sends the projections' writes (they may name any table). */
    private readonly writer: Table,
    private readonly retry: RetryPolicy,
    private readonly batchSize: number,
    /** Told of every commit: the events one write applied (after it succeeded). */
    private readonly onCommitted?: (projection: string, streamId: string, events: StoredEvent[]) => void,
  ) {
    this.checkpoints = new Checkpoints(writer);
  }

  /** Applies `events` (of one stream, any order, duplicates allowed) to `projection`. */
  apply(
    projection: Projection,
    streamId: string,
    events: StoredEvent[],
    signal: AbortSignal,
  ): Promise<Applied> {
    return inSpan(
      'dynago.project',
      this.writer.tableName,
      {
        'dynago.projection': projection.name,
        'dynago.stream_id': streamId,
        'dynago.category': events[0]?.category,
      },
      async (span) => {
        const result = await this.locks.run([`${projection.name}\u0000${streamId}`], () =>
          this.applyLocked(projection, streamId, events, signal),
        );
        span.set({ 'dynago.event_count': result.applied, 'dynago.parked': result.outcome === 'parked' });
        return result;
      },
    );
  }

  /** Told when this process parks an event (for the `dynago.projection.parked` gauge). */
  onParked: ((projection: string) => void) | undefined;

  private async applyLocked(
    projection: Projection,
    streamId: string,
    events: StoredEvent[],
    signal: AbortSignal,
  ): Promise<Applied> {
    if (projection.checkpoint === 'item') return this.applyInItem(projection, streamId, events, signal);
    const queue = [...new Map(events.map((event) => [event.version, event])).values()].sort(
      (a, b) => a.version - b.version,
    );
    let applied = 0;
    // What the checkpoint is believed to be: the version before the first event, until a write says otherwise.
    let at = (queue[0]?.version ?? 1) - 1;
    const projected = new Map<number, TransactOperation[]>(); // so that an event left out of a batch is not projected again
    while (queue.length > 0) {
      signal.throwIfAborted();
      const first = queue[0] as StoredEvent;
      if (first.version <= at) {
        projected.delete(first.version);
        queue.shift(); // applied already
        continue;
      }
      if (first.version > at + 1) {
        // A gap before the queue: read the missing versions from the store and apply them first.
        const missing: StoredEvent[] = [];
        try {
          for await (const event of this.events.read(streamId, {
            from: at + 1,
            to: first.version - 1,
            signal,
            raw: true, // upcast in project(), where an event that cannot be read is parked
          })) {
            missing.push(event);
          }
        } catch (error) {
          // deleted since: its events are gone, and the projection is told by the tombstone's record
          if (error instanceof StreamDeletedError) return { applied, outcome: 'done' };
          throw error;
        }
        if (missing.length === 0 || (missing[0] as StoredEvent).version !== at + 1) {
          throw new StreamCorruptedError(streamId, at + 1, missing[0]?.version ?? first.version);
        }
        queue.unshift(...missing);
        continue;
      }
      // A batch of consecutive versions starting right after the checkpoint.
      const batch: StoredEvent[] = [];
      let operations: TransactOperation[] = [];
      let slots = new Map<string, number>(); // item → its operation's index in `operations`
      let failed: { event: StoredEvent; error: unknown } | undefined;
      for (const event of queue) {
        if (batch.length >= this.batchSize) break;
        if (event.version !== at + batch.length + 1) break;
        let writes: TransactOperation[];
        try {
          writes = await this.projectOnce(projection, event, projected, signal);
        } catch (error) {
          if (error instanceof ValidationError) throw error; // a projection that returns no operations
          failed = { event, error };
          break;
        }
        // One operation per item per transaction: a second write of an item is merged into the first
        // (exactly, or not at all), else the batch ends before this event.
        const next = [...operations];
        const nextSlots = new Map(slots);
        let merged = true;
        for (const write of writes) {
          const index = nextSlots.get(write.itemId);
          if (index === undefined) {
            nextSlots.set(write.itemId, next.length);
            next.push(write);
            continue;
          }
          const both = mergeOperations(next[index] as TransactOperation, write);
          if (both === undefined) {
            merged = false;
            break;
          }
          next[index] = both;
        }
        if (!merged) {
          if (batch.length === 0) {
            throw new ValidationError(
              `Projection "${projection.name}" wrote one item twice for event ${event.version} of "${streamId}" in a way that cannot be merged into one write (a condition, or a sum that is not a whole number); DynamoDB allows one operation per item in a transaction.`,
            );
          }
          break;
        }
        if (next.length + 1 > TRANSACTION_LIMIT) {
          if (batch.length === 0) {
            throw new ValidationError(
              `Projection "${projection.name}" returned ${writes.length} operations for event ${event.version} of "${streamId}"; at most ${TRANSACTION_LIMIT - 1} fit in one transaction with the checkpoint.`,
            );
          }
          break;
        }
        operations = next;
        slots = nextSlots;
        batch.push(event);
      }
      if (batch.length > 0) {
        const last = (batch.at(-1) as StoredEvent).version;
        const outcome = await this.commit(projection, streamId, at, last, operations, signal);
        if (outcome.kind === 'committed') {
          applied += batch.length;
          this.onCommitted?.(projection.name, streamId, batch);
          at = last;
          for (const done of queue.splice(0, batch.length)) projected.delete(done.version);
          if (failed === undefined || failed.event.version !== at + 1) continue;
          // the event after the batch already failed every attempt: park it without trying again
        } else {
          if (outcome.kind === 'parked') return { applied, outcome: 'parked' };
          // the stream was deleted and the projection told: its late events are dropped
          if (outcome.kind === 'deleted') return { applied, outcome: 'done' };
          at = outcome.version; // someone else moved the checkpoint: go on from where it is
          continue;
        }
      }
      if (failed === undefined) throw new Error('dynago: a projection batch made no progress (a bug)'); // never loop forever
      const parked = await this.park(projection, failed.event, failed.error, signal);
      if (parked.kind === 'parked') return { applied, outcome: 'parked' };
      at = parked.version;
    }
    return { applied, outcome: 'done' };
  }

  /**
   * The `checkpoint: 'item'` way: consecutive events are one conditional write of the stream's read-model
   * item, which carries the projection's version as `dynago:<name>` (from v − 1 to w): the events' writes
   * are merged into one (`mergeOperations`, up to `batchSize` events) where that is exact, else each
   * event is its own write. Cost: 1 WCU under 1 KB per write, no transaction: during a rebuild, or a
   * live delivery holding several events of a stream, one write per run of events rather than per event. The refused condition returns the stored item, so a duplicate or a gap costs no read;
   * before a gap is filled, the checkpoint item is read once to see whether the stream is parked.
   */
  private async applyInItem(
    projection: Projection,
    streamId: string,
    events: StoredEvent[],
    signal: AbortSignal,
  ): Promise<Applied> {
    const queue = [...new Map(events.map((event) => [event.version, event])).values()].sort(
      (a, b) => a.version - b.version,
    );
    const attribute = `dynago:${projection.name}`;
    const projected = new Map<number, TransactOperation[]>();
    let applied = 0;
    let at = (queue[0]?.version ?? 1) - 1;
    while (queue.length > 0) {
      signal.throwIfAborted();
      const event = queue[0] as StoredEvent;
      if (event.version <= at) {
        projected.delete(event.version);
        queue.shift();
        continue;
      }
      if (event.version > at + 1) {
        if ((await this.checkpoints.read(projection.name, streamId, signal)).parked)
          return { applied, outcome: 'parked' };
        const missing: StoredEvent[] = [];
        try {
          for await (const earlier of this.events.read(streamId, {
            from: at + 1,
            to: event.version - 1,
            signal,
            raw: true,
          })) {
            missing.push(earlier);
          }
        } catch (error) {
          if (error instanceof StreamDeletedError) return { applied, outcome: 'done' };
          throw error;
        }
        if ((missing[0]?.version ?? 0) !== at + 1)
          throw new StreamCorruptedError(streamId, at + 1, missing[0]?.version);
        queue.unshift(...missing);
        continue;
      }
      // A run of consecutive events whose writes merge into ONE conditional write of the item.
      let write: TransactOperation | undefined;
      let count = 0;
      let failed: { event: StoredEvent; error: unknown } | undefined;
      for (const next of queue) {
        if (count >= this.batchSize || next.version !== at + count + 1) break;
        let writes: TransactOperation[];
        try {
          writes = await this.projectOnce(projection, next, projected, signal);
        } catch (error) {
          if (error instanceof ValidationError) throw error;
          failed = { event: next, error };
          break;
        }
        const [one] = writes;
        if (writes.length !== 1 || (one?.kind !== 'put' && one?.kind !== 'update')) {
          throw new ValidationError(
            `Projection "${projection.name}" keeps its checkpoint in the read-model item: project must return exactly one putOp or updateOp per event, got ${writes.length} operations for version ${next.version} of "${streamId}".`,
          );
        }
        const merged = write === undefined ? one : mergeOperations(write, one);
        if (merged === undefined) break;
        write = merged;
        count++;
      }
      if (write !== undefined) {
        const last = at + count;
        try {
          await this.writer.writeOperation(withVersion(write, attribute, at, last), { signal });
          applied += count;
          const done = queue.splice(0, count);
          for (const event of done) projected.delete(event.version);
          this.onCommitted?.(projection.name, streamId, done);
          at = last;
          if (failed === undefined || failed.event.version !== at + 1) continue;
          // the event after the run already failed every attempt: park it without trying again
        } catch (error) {
          if (!(error instanceof ConditionFailedError)) throw error;
          const stored = error.item?.[attribute];
          const version = typeof stored === 'number' ? stored : 0;
          if (version === at) throw error; // the projection's own condition failed
          at = version;
          continue;
        }
      }
      if (failed === undefined) throw new Error('dynago: a projection run made no progress (a bug)');
      const parked = await this.park(projection, failed.event, failed.error, signal, true);
      if (parked.kind === 'parked') return { applied, outcome: 'parked' };
      at = parked.version;
    }
    return { applied, outcome: 'done' };
  }

  /**
   * Tells `projection` that `streamId` was deleted (its `onStreamDeleted` writes, and the checkpoint's
   * deletion mark, in one transaction), once: false when it was told before. Called once per stream; two
   * processes racing on one notice may both call it, and the mark lets only one commit.
   */
  async applyDeletion(
    projection: Projection,
    deleted: { streamId: string; category: string; version: number },
    signal: AbortSignal,
  ): Promise<boolean> {
    return this.locks.run([`${projection.name}\u0000${deleted.streamId}`], async () => {
      // told before (a duplicate delivery): one consistent GetItem, and onStreamDeleted is not called
      if ((await this.checkpoints.read(projection.name, deleted.streamId, signal)).deleted) return false;
      const writes = projection.onStreamDeleted
        ? await projection.onStreamDeleted(deleted, { projection: projection.name, signal })
        : [];
      if (!Array.isArray(writes) || writes.some((write) => typeof write?.itemId !== 'string')) {
        throw new ValidationError(
          `Projection "${projection.name}": onStreamDeleted must return an array of table operations (empty for none).`,
        );
      }
      return this.checkpoints.markDeleted(projection.name, deleted.streamId, writes, signal);
    });
  }

  /** `project` once per event per application: an event left out of one batch is not projected again for the next. */
  private async projectOnce(
    projection: Projection,
    event: StoredEvent,
    projected: Map<number, TransactOperation[]>,
    signal: AbortSignal,
  ): Promise<TransactOperation[]> {
    const known = projected.get(event.version);
    if (known !== undefined) return known;
    const writes = await this.project(projection, event, signal);
    projected.set(event.version, writes);
    return writes;
  }

  /** `project`, retried with backoff; the last attempt's error goes to the caller. */
  private async project(
    projection: Projection,
    event: StoredEvent,
    signal: AbortSignal,
  ): Promise<TransactOperation[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Events from stream records are as stored: brought up to date here, so that an event this code
        // cannot read (an UpcastError) is retried and parked like any event `project` fails on.
        const current = this.events.upcast === undefined ? event : this.events.upcast(event);
        const writes = await projection.project(current, { projection: projection.name, signal });
        if (!Array.isArray(writes) || writes.some((write) => typeof write?.itemId !== 'string')) {
          throw new ValidationError(
            `Projection "${projection.name}": project must return an array of table.putOp/updateOp/deleteOp/conditionCheckOp results (empty for none), got ${Array.isArray(writes) ? 'an array with something else in it' : typeof writes}.`,
          );
        }
        return writes;
      } catch (error) {
        if (error instanceof ValidationError || attempt >= this.retry.maxAttempts) throw error;
        await sleep(backoffDelay(attempt, this.retry), signal);
      }
    }
  }

  /**
   * The batch's writes and the checkpoint advance `from` → `to`, together. When the checkpoint was not at
   * `from`: its stored version (or that it is parked), read from the refused condition at no extra cost.
   */
  private async commit(
    projection: Projection,
    streamId: string,
    from: number,
    to: number,
    operations: TransactOperation[],
    signal: AbortSignal,
  ): Promise<
    { kind: 'committed' } | { kind: 'parked' } | { kind: 'deleted' } | { kind: 'moved'; version: number }
  > {
    try {
      if (operations.length === 0)
        await this.checkpoints.advance(projection.name, streamId, from, to, signal);
      else {
        await this.writer.transactWrite(
          [...operations, this.checkpoints.advanceOp(projection.name, streamId, from, to)],
          { signal },
        );
      }
      return { kind: 'committed' };
    } catch (error) {
      let stored: Record<string, unknown> | undefined;
      let checkpointFailed = false;
      if (error instanceof ConditionFailedError) {
        checkpointFailed = true;
        stored = error.item;
      } else if (error instanceof TransactionCanceledError) {
        const reason = error.reasons[operations.length];
        if (reason?.code === 'ConditionalCheckFailed') {
          checkpointFailed = true;
          stored = reason.item;
        }
      }
      if (!checkpointFailed) throw error; // a condition of the projection's own, or DynamoDB: the caller's
      const checkpoint = Checkpoints.fromItem(stored);
      if (checkpoint.deleted) return { kind: 'deleted' };
      if (checkpoint.parked) return { kind: 'parked' };
      if (checkpoint.version === from) {
        // The condition failed although the version matches: read the checkpoint to be sure.
        const again = await this.checkpoints.read(projection.name, streamId, signal);
        if (again.deleted) return { kind: 'deleted' };
        if (again.parked) return { kind: 'parked' };
        return { kind: 'moved', version: again.version };
      }
      return { kind: 'moved', version: checkpoint.version };
    }
  }

  private async park(
    projection: Projection,
    event: StoredEvent,
    error: unknown,
    signal: AbortSignal,
    inItem = false,
  ): Promise<{ kind: 'parked' } | { kind: 'moved'; version: number }> {
    try {
      await this.checkpoints.park(
        projection.name,
        {
          streamId: event.streamId,
          version: event.version,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          parkedAt: Date.now(),
        },
        signal,
        inItem,
      );
      this.onParked?.(projection.name);
      return { kind: 'parked' };
    } catch (failure) {
      if (!(failure instanceof TransactionCanceledError)) throw failure;
      const checkpoint = await this.checkpoints.read(projection.name, event.streamId, signal);
      if (checkpoint.parked) return { kind: 'parked' };
      return { kind: 'moved', version: checkpoint.version };
    }
  }
}

/**
 * The operation with the projection's version check added: `attribute` must be at `from` (absent for 0)
 * and becomes `to`, in the same single-item write. Placeholders of their own, so the projection's
 * expressions keep theirs.
 */
function withVersion(
  operation: TransactOperation,
  attribute: string,
  from: number,
  to: number,
): TransactOperation {
  const request = structuredClone(operation.request) as Record<string, Record<string, unknown>>;
  const kind = request.Put ? 'Put' : 'Update';
  const body = request[kind] as Record<string, unknown>;
  const names = {
    ...(body.ExpressionAttributeNames as Record<string, string> | undefined),
    '#dynagoVersion': attribute,
  };
  const values = {
    ...(body.ExpressionAttributeValues as Record<string, unknown> | undefined),
    ':dynagoVersionTo': to,
    ...(from > 0 ? { ':dynagoVersionFrom': from } : {}),
  };
  const check = from > 0 ? '#dynagoVersion = :dynagoVersionFrom' : 'attribute_not_exists(#dynagoVersion)';
  body.ConditionExpression = body.ConditionExpression ? `(${body.ConditionExpression}) AND ${check}` : check;
  body.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
  if (kind === 'Put') {
    body.Item = { ...(body.Item as Record<string, unknown>), [attribute]: to };
  } else {
    const expression = String(body.UpdateExpression ?? '');
    const set = /\bSET\b/i.exec(expression);
    body.UpdateExpression = set
      ? `${expression.slice(0, set.index + 3)} #dynagoVersion = :dynagoVersionTo,${expression.slice(set.index + 3)}`
      : `SET #dynagoVersion = :dynagoVersionTo ${expression}`;
  }
  body.ExpressionAttributeNames = names;
  body.ExpressionAttributeValues = values;
  return { ...operation, request };
}
