import { v7 as uuidv7 } from 'uuid';
import {
  ConcurrencyError,
  ConditionFailedError,
  DynagoError,
  DynamoDBTimeoutError,
  IdempotencyError,
  TransactionCanceledError,
  TransactionLimitError,
  ValidationError,
} from '../errors.js';
import { backoffDelay, type RetryPolicy, sleep } from '../internal/backoff.js';
import { checkItem, markChecked } from '../internal/item.js';
import { checkCommandId, checkExpectedVersion, checkId } from '../internal/validate.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { Table } from '../table/Table.js';
import { eventAttributes, eventPartition, type PreparedEvent, toStoredEvent } from './codec.js';
import { eventDigest } from './digest.js';
import type { EventRegistry } from './registry.js';
import { isStreamToken, issueToken } from './token.js';
import type { AppendResult, ExpectedVersion, StoredEvent, StreamAppend } from './types.js';
import { checkEvents } from './validate.js';

/** At most this many events (items) in one append or appendMany: DynamoDB's transaction limit. */
export const MAX_EVENTS_PER_APPEND = 100;
/** Re-sends of a write that DynamoDB left unanswered through the SDK's own retries. */
const RESENDS: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
/** DynamoDB's limit on the total size of the items in one transaction. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** How often an append with expectedVersion 'any' re-reads the head and tries again under contention. */
const ANY_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 500 };

interface StreamPlan {
  streamId: string;
  expected: ExpectedVersion;
  /** The expected version came as a token: the store has seen it stored, no need to prove it. */
  proven: boolean;
  events: PreparedEvent[];
  commandId: string | undefined;
  timestamp: number | undefined;
  /** The caller gave the ids: only then can the same events be sent again by the caller. */
  givenIds: boolean;
  /** The version the events go after, once resolved. */
  base: number;
}

/** A stream's version and its last few events (version and id), newest first. */
export interface StreamHead {
  version: number;
  recent: StoredMark[];
}

/** What a re-send is compared with: a stored event's version, id and digest. */
export interface StoredMark {
  version: number;
  id: string;
  digest?: string;
}

/** How the write path reads a stream's head, looking back `depth` events (default 1). */
export type HeadReader = (streamId: string, signal?: AbortSignal, depth?: number) => Promise<StreamHead>;

/**
 * How far back an 'any' append with caller-given ids looks for its own earlier try: a re-sent append
 * is recognised as long as fewer than this many events were appended after it. One query either way;
 * the read units grow with the events read (about 1 per 4 KB), so only appends that give ids pay it.
 */
export const ANY_REPLAY_WINDOW = 100;

/**
 * The write path of the event store, argued in capacity units and round trips:
 * - one event: one conditional PutItem (1 WCU under 1 KB). A transaction would cost twice as much.
 * - 2 to 100 events, in one stream or many: one TransactWriteItems, all or nothing.
 * - every event item is written only if its version is free (attribute_not_exists), so nothing is
 *   ever overwritten and of two writers at the same version exactly one wins.
 * - the item at the expected version N must exist too, or a stale or made-up N would leave a gap.
 *   A single PutItem cannot check another item, so a plain number N is proven by a consistent GetItem
 *   (one request more); a StreamToken (from an append, a read to the head, a repository load) is the
 *   store's own word that N exists: no extra request. Nothing is remembered on the side: the caller
 *   carries the token.
 * - a conflict whose stored item carries one of our event ids may be our own earlier write (a retry
 *   after a lost response). One consistent Query of the versions our events would hold decides: the
 *   same events, whole, in order and with the same digests, return the stored result; anything else
 *   that re-uses one of our ids is an IdempotencyError, and nothing is written.
 */
export class Appender {
  constructor(
    private readonly table: Table,
    private readonly head: HeadReader,
    /** The store's event definitions: schemas checked and schema versions written (see EventRegistry). */
    private readonly registry?: EventRegistry,
  ) {}

  async append(
    requests: StreamAppend[],
    signal?: AbortSignal,
    operations: TransactOperation[] = [],
  ): Promise<(AppendResult & { streamId: string })[]> {
    if (!Array.isArray(operations) || operations.some((operation) => typeof operation?.itemId !== 'string')) {
      throw new ValidationError(
        'append: operations must be table.putOp/updateOp/deleteOp/conditionCheckOp results, written in the same transaction.',
      );
    }
    const plans = this.plan(
      this.registry === undefined ? requests : await this.registry.validate(requests),
      operations.length,
    );
    for (let attempt = 1; ; attempt++) {
      const replayed = await this.resolveBases(plans, signal);
      if (replayed) return replayed;
      const outcome = await this.writeResending(plans, Date.now(), operations, signal);
      if (outcome.kind === 'written') {
        return plans.map((plan, index) => ({
          streamId: plan.streamId,
          version: plan.base + plan.events.length,
          token: issueToken(plan.streamId, plan.base + plan.events.length),
          events: outcome.events[index] as StoredEvent[],
        }));
      }
      if (outcome.maybeOwn) {
        const mine = await this.confirmOwnWrite(plans, signal);
        if (mine) return mine;
      }
      const conflicted = plans.filter((_, index) => outcome.conflicts.includes(index));
      const reloadable = conflicted.every((plan) => plan.expected === 'any'); // we may pick a new base
      if (!reloadable || attempt >= ANY_RETRY.maxAttempts) {
        const first =
          conflicted.find((plan) => plan.expected !== 'any') ?? conflicted[0] ?? (plans[0] as StreamPlan);
        throw new ConcurrencyError(first.streamId, first.expected, undefined, { cause: outcome.cause });
      }
      await sleep(backoffDelay(attempt, ANY_RETRY), signal); // spread contending 'any' writers apart
    }
  }

  /** Validates everything and gives each event an id, before any request. */
  private plan(requests: StreamAppend[], extra: number): StreamPlan[] {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new ValidationError('appendMany: give at least one { streamId, events, expectedVersion? }.');
    }
    const streams = new Set<string>();
    let total = 0;
    const plans = requests.map((request, index) => {
      const streamId = checkId(
        request?.streamId,
        requests.length > 1 ? `appendMany[${index}].streamId` : 'streamId',
      );
      if (streams.has(streamId)) {
        throw new ValidationError(
          `appendMany: stream "${streamId}" appears twice; put all its events in one entry.`,
        );
      }
      streams.add(streamId);
      const token = request.expectedVersion;
      if (isStreamToken(token) && token.streamId !== streamId) {
        throw new ValidationError(
          `expectedVersion is a token of stream "${token.streamId}", not of "${streamId}".`,
        );
      }
      const expected = isStreamToken(token) ? token.version : checkExpectedVersion(request.expectedVersion);
      const proven = isStreamToken(token);
      const commandId = checkCommandId(request.commandId);
      const timestamp = request.timestamp;
      if (timestamp !== undefined && (!Number.isSafeInteger(timestamp) || timestamp < 0)) {
        throw new ValidationError(
          `timestamp must be epoch milliseconds (a whole number >= 0), got ${String(timestamp)}.`,
        );
      }
      const checked = checkEvents(request.events, streamId);
      // Only events whose id the caller gave can be re-sent by the caller, so only they carry a digest.
      const events = checked.map((event): PreparedEvent => {
        const prepared: PreparedEvent =
          event.id === undefined
            ? { type: event.type, data: event.data, id: uuidv7() }
            : {
                type: event.type,
                data: event.data,
                id: event.id,
                digest: eventDigest(event.type, event.data, event.metadata),
              };
        if (event.metadata !== undefined) prepared.metadata = event.metadata;
        const schemaVersion = this.registry?.versionOf(event.type);
        if (schemaVersion !== undefined && schemaVersion !== 1) prepared.schemaVersion = schemaVersion;
        return prepared;
      });
      total += events.length;
      const givenIds = checked.some((event) => event.id !== undefined);
      return { streamId, expected, proven, events, commandId, timestamp, givenIds, base: 0 };
    });
    if (total + extra > MAX_EVENTS_PER_APPEND) {
      throw new TransactionLimitError(
        `An append of ${total} events${extra > 0 ? ` and ${extra} other writes` : ''} is over the limit of ${MAX_EVENTS_PER_APPEND} items (one DynamoDB transaction). Nothing was written; append in smaller groups.`,
      );
    }
    let bytes = 0;
    for (const plan of plans) {
      for (const event of plan.events) {
        const item = {
          [this.table.partitionKeyName]: eventPartition(plan.streamId),
          [this.table.sortKeyName as string]: Number.MAX_SAFE_INTEGER,
          ...eventAttributes(event, Date.now(), plan.commandId, plan.streamId), // the largest it can be
        };
        bytes += checkItem(
          item,
          `event "${event.type}"`,
          `Event "${event.type}" in stream "${plan.streamId}"`,
        );
      }
    }
    if (total > 1 && bytes > MAX_TRANSACTION_BYTES) {
      throw new TransactionLimitError(
        `An append of ${total} events is about ${bytes} bytes, over DynamoDB's 4 MB limit for one transaction. ` +
          'Nothing was written; append in smaller groups or store large payloads elsewhere.',
      );
    }
    return plans;
  }

  /**
   * Finds the version each stream's events go after. For 'any', that is the head; when one of our ids
   * is among the stream's recent events, an earlier try stored them: its result is returned (or an
   * IdempotencyError thrown when the stored events are not exactly ours).
   */
  private async resolveBases(
    plans: StreamPlan[],
    signal?: AbortSignal,
  ): Promise<(AppendResult & { streamId: string })[] | undefined> {
    let earlierTry = false;
    await Promise.all(
      plans.map(async (plan) => {
        if (plan.expected === 'any') {
          const head = await this.head(plan.streamId, signal, plan.givenIds ? ANY_REPLAY_WINDOW : 1);
          plan.base = head.version;
          const anchor = plan.givenIds ? this.anchor(plan, head.recent) : undefined;
          if (anchor !== undefined) {
            plan.base = anchor; // where our earlier try put them
            earlierTry = true;
          }
          return;
        }
        plan.base = plan.expected;
        if (plan.base === 0 || plan.proven) return;
        const exists = await this.table.getItem(eventPartition(plan.streamId), plan.base, {
          consistentRead: true,
          ...(signal ? { signal } : {}),
        });
        if (exists === undefined) {
          const { version: actual } = await this.head(plan.streamId, signal);
          throw new ConcurrencyError(plan.streamId, plan.expected, actual);
        }
      }),
    );
    if (!earlierTry) return undefined;
    const replayed = await this.confirmOwnWrite(plans, signal);
    if (replayed) return replayed;
    // Another stream of an appendMany was not stored by the earlier try: a transaction stores all or
    // nothing, so this cannot be our earlier try after all. Appending again would store our ids twice.
    const plan = plans.find((candidate) => candidate.expected === 'any') as StreamPlan;
    throw new IdempotencyError(
      plan.streamId,
      plan.events[0]?.id ?? '',
      'the other streams of this appendMany do not hold this append',
    );
  }

  /**
   * Where our events would start (the version before the first), judged from a stored event that carries
   * one of our ids; undefined when none of `stored` does.
   */
  private anchor(plan: StreamPlan, stored: StoredMark[]): number | undefined {
    for (const mark of stored) {
      const index = plan.events.findIndex((event) => event.id === mark.id);
      if (index !== -1) return mark.version - index - 1;
    }
    return undefined;
  }

  /**
   * {@link write}, sent again (the same items at the same versions) when DynamoDB stayed unavailable
   * through the SDK's retries. Without this, a write whose response was lost leaves the caller not
   * knowing whether it landed; a re-send either lands it or finds it already there (our ids), so most
   * such outcomes become known. Bounded: after the last re-send the retryable error goes to the caller.
   * Every send of one transaction carries the same ClientRequestToken, so within DynamoDB's 10-minute
   * idempotency window a re-send of a transaction that did land is answered as a success, not a conflict.
   * A write that ran out of `timeouts.totalMs` is not re-sent: the caller set that as the longest wait.
   */
  private async writeResending(
    plans: StreamPlan[],
    timestamp: number,
    operations: TransactOperation[],
    signal?: AbortSignal,
  ) {
    const token = uuidv7();
    for (let resend = 1; ; resend++) {
      try {
        return await this.write(plans, timestamp, token, operations, signal);
      } catch (error) {
        if (!(error instanceof DynagoError) || !error.retryable || resend >= RESENDS.maxAttempts) throw error;
        // The request already had its whole deadline (timeouts.totalMs): re-sending would make the
        // caller wait several deadlines for an endpoint that does not answer.
        if (error instanceof DynamoDBTimeoutError && error.option === 'timeouts.totalMs') throw error;
        await sleep(backoffDelay(resend, RESENDS), signal);
      }
    }
  }

  private async write(
    plans: StreamPlan[],
    timestamp: number,
    token: string,
    operations: TransactOperation[],
    signal?: AbortSignal,
  ): Promise<
    | { kind: 'written'; events: StoredEvent[][] }
    | { kind: 'conflict'; conflicts: number[]; maybeOwn: boolean; cause: unknown }
  > {
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
        return { kind: 'conflict', conflicts: [0], maybeOwn: maybeOwn(err.item), cause: err };
      }
      if (err instanceof TransactionCanceledError) {
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

  /**
   * After a conflict, or when an 'any' append found one of its ids: are our events stored, whole and in
   * order, where the plan puts them? Then an earlier try stored them and its response was lost: return
   * what is stored. One consistent Query per stream, of exactly the versions our events would hold.
   * Undefined when none of our ids is there (a real conflict); IdempotencyError when some are, but the
   * stored events are not exactly ours.
   */
  private async confirmOwnWrite(
    plans: StreamPlan[],
    signal?: AbortSignal,
  ): Promise<(AppendResult & { streamId: string })[] | undefined> {
    const results = await Promise.all(
      plans.map(async (plan) => {
        if (plan.base < 0) return undefined;
        const { items } = await this.table.query<Record<string, unknown>>(
          '#pk = :pk AND #sk BETWEEN :from AND :to',
          {
            ':pk': eventPartition(plan.streamId),
            ':from': plan.base + 1,
            ':to': plan.base + plan.events.length,
          },
          {
            names: { '#pk': this.table.partitionKeyName, '#sk': this.table.sortKeyName as string },
            consistentRead: true,
            limit: plan.events.length,
            ...(signal ? { signal } : {}),
          },
        );
        const stored = items.map((item) => ({
          event: toStoredEvent(this.table, item),
          digest: item.digest as string | undefined,
        }));
        return sameEvents(plan, stored)
          ? {
              streamId: plan.streamId,
              version: plan.base + plan.events.length,
              token: issueToken(plan.streamId, plan.base + plan.events.length),
              events: stored.map(({ event }) => event),
            }
          : undefined;
      }),
    );
    if (!results.every((result) => result !== undefined)) return undefined;
    return results;
  }
}

/**
 * True when `stored` (the items at the plan's versions) are the plan's events, whole and in order; false
 * when none of them carries one of the plan's ids. Anything between throws IdempotencyError: an id of
 * ours is stored, so appending would duplicate it, and returning success would drop what differs.
 */
function sameEvents(plan: StreamPlan, stored: { event: StoredEvent; digest: string | undefined }[]): boolean {
  const ours = new Map(plan.events.map((event, index) => [event.id, index]));
  const reused = stored.find(({ event }) => ours.has(event.id));
  if (reused === undefined) return false;
  plan.events.forEach((event, index) => {
    const found = stored[index];
    if (found === undefined || found.event.id !== event.id) {
      throw new IdempotencyError(
        plan.streamId,
        reused.event.id,
        `the stored events are not this append's events in this order (at version ${plan.base + index + 1} ` +
          `the stream holds ${found ? `event "${found.event.id}"` : 'nothing'}, this append has "${event.id}")`,
      );
    }
    if (event.digest !== undefined && found.digest !== undefined && event.digest !== found.digest) {
      throw new IdempotencyError(
        plan.streamId,
        event.id,
        `the stored event (version ${found.event.version}, type "${found.event.type}") has other type, data or metadata`,
      );
    }
    if (event.digest !== undefined && found.digest === undefined && event.type !== found.event.type) {
      throw new IdempotencyError(
        plan.streamId,
        event.id,
        `the stored event (version ${found.event.version}) has type "${found.event.type}", not "${event.type}"`,
      );
    }
  });
  if ((plan.commandId ?? undefined) !== stored[0]?.event.commandId) {
    throw new IdempotencyError(
      plan.streamId,
      reused.event.id,
      `the stored events belong to command ${JSON.stringify(stored[0]?.event.commandId ?? null)}, not ${JSON.stringify(plan.commandId ?? null)}`,
    );
  }
  return true;
}
