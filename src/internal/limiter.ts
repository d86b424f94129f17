/**
 * Runs tasks with at most `max` in flight. `start` resolves as soon as the task has a slot (so a
 * producer slows down to the pace of its consumers); `drain` waits for every task started.
 * Tasks are expected to handle their own errors.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly max: number) {}

  async start(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    const run = task().finally(() => {
      this.active--;
      this.running.delete(run);
      this.waiting.shift()?.();
    });
    this.running.add(run);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
