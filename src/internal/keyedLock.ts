/**
 * Runs tasks one at a time per key, in arrival order; a task that needs several keys takes them in
 * sorted order, so two tasks can never wait for each other in a cycle. Keys nobody waits on are
 * forgotten, so memory follows the keys in use, not the keys ever seen.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key));
      return await task();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** How many keys are held or waited on (for tests). */
  get size(): number {
    return this.tails.size;
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous === undefined ? held : previous.then(() => held);
    this.tails.set(key, tail);
    if (previous !== undefined) await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
