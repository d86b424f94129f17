import { v7 as uuidv7 } from 'uuid';
import { ConcurrencyError, IdempotencyError, TransactionLimitError, ValidationError } from '../errors.js';
import { backoffDelay, type RetryPolicy, sleep } from '../internal/backoff.js';
import { checkItem } from '../internal/item.js';
import { checkCommandId, checkExpectedVersion, checkId } from '../internal/validate.js';
import type { TransactOperation } from '../table/actions/transactWrite.js';
import { eventAttributes, eventPartition, type PreparedEvent } from './codec.js';
import { eventDigest } from './digest.js';
import { callerDataOf, type EventRegistry } from './registry.js';
import { isStreamToken, issueToken } from './token.js';
import type { AppendResult, ExpectedVersion, StoredEvent, StreamAppend } from './types.js';
import { checkEvents } from './validate.js';

/** At most this many events (items) in one append or appendMany: DynamoDB's transaction limit. */
export const MAX_EVENTS_PER_APPEND = 100;
/** DynamoDB's limit on the total size of the items in one transaction. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** How often an append with expectedVersion 'any' re-reads the head and tries again under contention. */
const ANY_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 500 };

/** One stream's part of an append, validated, its events' ids chosen. */
export interface StreamPlan {
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

/** What a write did: stored every plan's events, or met events already at some of their versions. */
export type WriteOutcome =
  | { kind: 'written'; events: StoredEvent[][] }
  | {
      kind: 'conflict';
      /** The indexes of the plans whose versions were taken. */
      conflicts: number[];
      /** A taken version holds one of this append's ids (or cannot tell): maybe our own earlier write. */
      maybeOwn: boolean;
      cause: unknown;
    };

/** A stored event and the digest stored with it (events whose id the caller gave carry one). */
export interface StoredWithDigest {
  event: StoredEvent;
  digest: string | undefined;
}

/**
 * Where the append algorithm ({@link Appender}) keeps events: a DynamoDB table (`TableAppendStorage`) or
 * memory (`InMemoryEventStore` of `dynago/testing`). The algorithm (validation, expected versions,
 * 'any' retries, recognising re-sends, IdempotencyError) is the same for both; a storage only reads and
 * writes.
 */
export interface AppendStorage {
  /** The key attribute names an event item is stored under: the item size check counts them. */
  readonly keyNames: { partitionKeyName: string; sortKeyName: string };
  /** The stream's version and its last `depth` events (default 1), newest first. Consistent. */
  head: HeadReader;
  /** True when event `version` of the stream is stored: proves a plain-number expected version. */
  holds(streamId: string, version: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * Stores every plan's events at versions `base + 1 …`, all or nothing, each only where its version
   * is free, with `operations` (other writes) in the same commit. The events carry `plan.timestamp`,
   * else `timestamp`.
   */
  write(
    plans: readonly StreamPlan[],
    timestamp: number,
    operations: TransactOperation[],
    signal?: AbortSignal,
  ): Promise<WriteOutcome>;
  /** The stored events at versions `from` … `to` of a stream, in order, with their digests. Consistent. */
  slice(streamId: string, from: number, to: number, signal?: AbortSignal): Promise<StoredWithDigest[]>;
}

/**
 * The write path of the event store, the same on every storage:
 * - every event is written only if its version is free, so nothing is ever overwritten and of two
 *   writers at the same version exactly one wins; the events of one append (or appendMany) land all
 *   or nothing.
 * - the event at the expected version N must exist too, or a stale or made-up N would leave a gap. A
 *   plain number N is proven by the storage (`holds`: on DynamoDB, one consistent GetItem); a
 *   StreamToken (from an append, a read to the head, a repository load) is the store's own word that N
 *   exists: no proof needed. Nothing is remembered on the side: the caller carries the token.
 * - a conflict whose stored event carries one of our event ids may be our own earlier write (a retry
 *   after a lost response). One consistent read of the versions our events would hold decides: the
 *   same events, whole, in order and with the same digests, return the stored result; anything else
 *   that re-uses one of our ids is an IdempotencyError, and nothing is written.
 */
export class Appender {
  constructor(
    private readonly storage: AppendStorage,
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
      const outcome = await this.storage.write(plans, Date.now(), operations, signal);
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
                // of what the caller gave, not of a schema's output (which may differ each time)
                digest: eventDigest(event.type, callerDataOf(event), event.metadata),
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
    const { partitionKeyName, sortKeyName } = this.storage.keyNames;
    let bytes = 0;
    for (const plan of plans) {
      for (const event of plan.events) {
        const item = {
          [partitionKeyName]: eventPartition(plan.streamId),
          [sortKeyName]: Number.MAX_SAFE_INTEGER,
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
          const head = await this.storage.head(plan.streamId, signal, plan.givenIds ? ANY_REPLAY_WINDOW : 1);
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
        if (!(await this.storage.holds(plan.streamId, plan.base, signal))) {
          const { version: actual } = await this.storage.head(plan.streamId, signal);
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
   * After a conflict, or when an 'any' append found one of its ids: are our events stored, whole and in
   * order, where the plan puts them? Then an earlier try stored them and its response was lost: return
   * what is stored. One consistent read per stream, of exactly the versions our events would hold.
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
        const stored = await this.storage.slice(
          plan.streamId,
          plan.base + 1,
          plan.base + plan.events.length,
          signal,
        );
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
function sameEvents(plan: StreamPlan, stored: StoredWithDigest[]): boolean {
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
