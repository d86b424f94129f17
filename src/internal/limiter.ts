/**
 * Runs tasks with at most `max` in flight. `start` resolves as soon as the task has a slot (so a
 * producer slows down to the pace of its consumers); `drain` waits for every task started.
 *
 * A task that fails (throws or rejects) is never left as an unhandled rejection, which would end the
 * process: the Limiter keeps the first failure, and from then on `start` rejects with it without running
 * its task (so producers stop) and `drain` rejects with it once the tasks still in flight have settled
 * (so nothing started is still running when the caller gets the error). Later failures are dropped: the
 * first one is what went wrong, the others are usually its consequences.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly max: number) {}

  /** Waits for a free slot and starts `task` in it; rejects with the first failure of any task so far. */
  async start(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.active >= this.max) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.throwIfFailed();
    }
    this.active++;
    // Started a microtask later, so a task that throws synchronously is caught like one that rejects.
    const run = Promise.resolve()
      .then(task)
      .then(undefined, (error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.active--;
        this.running.delete(run);
        // After a failure every waiting producer is woken, to reject: none of them takes the slot.
        if (this.failure) for (const wake of this.waiting.splice(0)) wake();
        else this.waiting.shift()?.();
      });
    this.running.add(run);
  }

  /** Waits for every task started (including ones started meanwhile); rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
