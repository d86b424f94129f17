type Settled<T> = { index: number; result: IteratorResult<T> } | { index: number; error: unknown };

/**
 * Interleaves several async iterables into one, yielding values as they arrive. Each source has at
 * most one value pending, so memory stays bounded by what the sources themselves hold. When the
 * consumer stops early, every source is closed.
 *
 * When a source fails, the merged iterable rejects with that error on the consumer's next pull, ahead
 * of any value the other sources already have ready (a fast source must not hide a failed one), and
 * the other sources are closed (`return()`) and pulled no more. Pulls run ahead of the consumer, so
 * every pull carries its own handler: a failure while the consumer is busy between items is kept, not
 * left as an unhandled rejection (which would end the process).
 */
export async function* merge<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<Settled<T>>>();
  // The first failure of any source; an object, as pulls set it from their handlers.
  const first: { failure?: { error: unknown } } = {};
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      iterator.next().then(
        (result) => ({ index, result }),
        (error: unknown) => {
          first.failure ??= { error };
          return { index, error };
        },
      ),
    );
  };
  const throwIfFailed = () => {
    if (first.failure) throw first.failure.error;
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      throwIfFailed();
      const settled = await Promise.race(pending.values());
      pending.delete(settled.index);
      if ('error' in settled) throw settled.error;
      if (settled.result.done) continue;
      throwIfFailed();
      pull(settled.index);
      yield settled.result.value;
    }
  } finally {
    // Closing a source whose pull is still in flight waits for that pull (async generators queue it),
    // so nothing a source started is still running when the consumer's loop has ended. A failed source
    // is done already; its return() is a no-op.
    await Promise.allSettled(iterators.map((iterator) => iterator.return?.()));
  }
}
