import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link waitForHttp}. */
export interface WaitForHttpOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Stop waiting (rejecting with `signal.reason`) when this is aborted. */
  signal?: AbortSignal | undefined;
  /** Pause between two attempts. Default 100 ms. */
  intervalMs?: number;
  /** Asked before each attempt: an error to give up with at once (e.g. the server process exited). */
  giveUp?: () => Error | undefined;
}

/**
 * Resolves `true` when something answers HTTP at `url` within `timeoutMs`, whatever the status: DynamoDB
 * (Local) answers a POST without `X-Amz-Target` with 400. Resolves `false` on a refused connection, a
 * timeout or any other network error. Never rejects.
 *
 * @example
 * ```ts
 * if (await answersHttp('http://127.0.0.1:8000')) console.log('up');
 * ```
 */
export function answersHttp(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answered: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answered);
    };
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': '2' },
      agent: false,
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.once('response', (res) => {
      res.resume();
      finish(true);
    });
    req.once('error', () => finish(false));
    req.end('{}');
  });
}

/**
 * Polls `url` with {@link answersHttp} until it answers. Rejects when `timeoutMs` passes, when `signal` is
 * aborted (with its reason), or when `giveUp` returns an error.
 *
 * @example
 * ```ts
 * await waitForHttp('http://127.0.0.1:8000', { timeoutMs: 30_000 });
 * ```
 */
export async function waitForHttp(url: string, options: WaitForHttpOptions): Promise<void> {
  const { timeoutMs, signal, intervalMs = 100, giveUp } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const reason = giveUp?.();
    if (reason) throw reason;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Nothing answered HTTP on ${url} within ${timeoutMs} ms.`);
    if (await answersHttp(url, Math.min(1000, left))) return;
    const pause = Math.min(intervalMs, deadline - Date.now());
    if (pause > 0) {
      try {
        await sleep(pause, undefined, signal ? { signal } : undefined);
      } catch (error) {
        signal?.throwIfAborted();
        throw error;
      }
    }
  }
}
