/**
 * The one retry/backoff helper: exponential backoff with full jitter (a random delay between 0 and
 * `min(maxDelayMs, baseDelayMs * 2^attempt)`), which spreads retries of many clients apart better than
 * equal or no jitter.
 */
export interface BackoffOptions {
  /** How many times a request is sent at most, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultBatchBackoff: BackoffOptions = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 2_000 };

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
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
