/**
 * Runs `worker` over `items` with at most `concurrency` in flight; results keep the input order.
 *
 * When a worker fails, no further item is started, `stop` (the worker's third argument) is aborted so
 * the workers in flight can end early at a safe point (e.g. not send their next retry), and the
 * returned promise rejects with that first error only once every worker in flight has settled. So when
 * the caller gets the error, nothing this call started is still running (a batch write that is still
 * writing behind the caller's back could overwrite what the caller does next). Later failures are
 * dropped: they are usually consequences of the first.
 *
 * `stop` is only a request: aborting an HTTP request already sent would leave its outcome unknown, so
 * it is the worker that decides what to cut short.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number, stop: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const run = async () => {
    while (next < items.length && !stop.signal.aborted) {
      const index = next++;
      try {
        results[index] = await worker(items[index] as T, index, stop.signal);
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  // The runners never reject (they catch their worker's error), so this waits for every one of them.
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
  if (failure) throw failure.error;
  return results;
}
