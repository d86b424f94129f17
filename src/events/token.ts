/**
 * A stream token: "stream S is at version N, and event N exists", as the store itself saw it (after an
 * append, or on a read that reached the stream's head). An append that names a token as its expected
 * version needs no request to prove that version N exists: one conditional PutItem for one event, the
 * DynamoDB minimum. A plain number costs one consistent GetItem more (0.5 RCU … 1 RCU), because a single
 * PutItem cannot check another item, and a made-up N would leave a gap.
 *
 * Tokens come only from the store (`AppendResult.token`, `EventPage.token`, the repository's loads), so
 * one cannot be made up: the store keeps the set of tokens it issued (weakly: a token no one holds any
 * more is forgotten with it).
 */
export interface StreamToken {
  readonly streamId: string;
  /** The stream's version as the store saw it; 0 for a stream with no events. */
  readonly version: number;
}

const issued = new WeakSet<object>();

/** A token for `version` of `streamId`, which the caller has seen stored (or 0: no events). */
export function issueToken(streamId: string, version: number): StreamToken {
  const token = Object.freeze({ streamId, version });
  issued.add(token);
  return token;
}

/** True when `value` is a token this library issued. */
export function isStreamToken(value: unknown): value is StreamToken {
  return typeof value === 'object' && value !== null && issued.has(value);
}
