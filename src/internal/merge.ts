/**
 * Interleaves several async iterables into one, yielding values as they arrive. Each source has at
 * most one value pending, so memory stays bounded by what the sources themselves hold. When the
 * consumer stops early, every source is closed.
 */
export async function* merge<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      iterator.next().then((result) => ({ index, result })),
    );
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    for (const promise of pending.values()) promise.catch(() => {});
    await Promise.allSettled(iterators.map((iterator) => iterator.return?.()));
  }
}
