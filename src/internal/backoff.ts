import { ValidationError } from '../errors.js';

/**
 * The one retry/backoff helper: exponential backoff with full jitter (a random delay between 0 and
 * `min(maxDelayMs, baseDelayMs * 2^attempt)`), which spreads retries of many clients apart better than
 * equal or no jitter.
 */

/**
 * How often, and how far apart, dynago sends one request again. Every bounded retry loop of the library
 * takes this one type, and every policy a caller passes is checked by {@link checkRetryPolicy} when the
 * object is built (`new Table`), so a bad value fails at once instead of at the first retry.
 *
 * | policy                                  | maxAttempts | baseDelayMs | maxDelayMs | retries                                   |
 * | --------------------------------------- | ----------- | ----------- | ---------- | ----------------------------------------- |
 * | `batchRetry` ({@link defaultBatchRetry}) | 8           | 25          | 2 000      | unprocessed batch items and keys          |
 * | `transactionRetry` ({@link defaultTransactionRetry}) | 4 | 20     | 500        | a transaction cancelled by `TransactionConflict` only, with the same `ClientRequestToken` |
 * | event store re-sends (`RESENDS`, fixed)  | 3           | 100         | 1 000      | an append left unanswered (retryable) through the SDK's retries: same items, same token |
 * | event store `'any'` (`ANY_RETRY`, fixed) | 10          | 5           | 500        | an `expectedVersion: 'any'` append that lost the race for the head: re-read the head, append after it |
 * | `AggregateRepository` `retry` (p-retry)  | 10 tries    | 10          | 1 000      | `execute` after a ConcurrencyError: reload (or catch up), decide again; p-retry's own options |
 *
 * The SDK's own retries (throttling, network faults) come first and are not counted here. The
 * repository's `retry` takes p-retry's options (`retries` counts retries, not sends: 9 retries = 10
 * tries), because p-retry is what users already configure elsewhere.
 */
export interface RetryPolicy {
  /** How many times a request is sent at most, the first included: 1 means no retry. A positive integer. */
  maxAttempts: number;
  /** The backoff ceiling of the first retry, doubled for each next one (ms, ≥ 0). */
  baseDelayMs: number;
  /** The largest backoff ceiling (ms, ≥ 0). */
  maxDelayMs: number;
}

/** Unprocessed batch items and keys: 8 sends in all, 25 ms base, 2 s cap. */
export const defaultBatchRetry: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 2_000,
});

/**
 * A transaction cancelled only because another transaction held one of its items
 * (`TransactionConflict`): 4 sends in all, 20 ms base, 500 ms cap. Such conflicts clear within
 * milliseconds; a few quick tries settle nearly all of them without holding the caller long.
 */
export const defaultTransactionRetry: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 20,
  maxDelayMs: 500,
});

const POLICY_KEYS = ['maxAttempts', 'baseDelayMs', 'maxDelayMs'] as const;

/**
 * `value` (a partial policy from the caller, or undefined) over `defaults`, checked: throws a
 * {@link ValidationError} naming `what` and the key. A key set to `undefined` counts as left out, as
 * everywhere in dynago: it takes the default (it used to override it and retry forever). Unknown keys
 * are refused, so a misspelt option (`maxRetries`) does not silently leave the default in place.
 */
export function checkRetryPolicy(value: unknown, what: string, defaults: RetryPolicy): RetryPolicy {
  if (value === undefined) return { ...defaults };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(
      `${what} must be an object like { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 2000 }, got ${describe(value)}.`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key)) {
      throw new ValidationError(`${what}.${key} is not an option; use ${POLICY_KEYS.join(', ')}.`);
    }
  }
  const given = value as Partial<Record<(typeof POLICY_KEYS)[number], unknown>>;
  const policy = { ...defaults };
  if (given.maxAttempts !== undefined) {
    if (
      typeof given.maxAttempts !== 'number' ||
      !Number.isSafeInteger(given.maxAttempts) ||
      given.maxAttempts < 1
    ) {
      throw new ValidationError(
        `${what}.maxAttempts must be a positive integer (the sends in all, the first included; 1 = no retry), got ${describe(given.maxAttempts)}.`,
      );
    }
    policy.maxAttempts = given.maxAttempts;
  }
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    const delay = given[key];
    if (delay === undefined) continue;
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      throw new ValidationError(
        `${what}.${key} must be a finite number of milliseconds ≥ 0, got ${describe(delay)}.`,
      );
    }
    policy[key] = delay;
  }
  return policy;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || value === null || value === undefined) return String(value);
  return typeof value;
}

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, options: RetryPolicy): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.random() * ceiling;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
