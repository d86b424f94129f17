/**
 * Mocha root hooks (loaded with `require` in .mocharc.json and .mocharc.unit.json): a test during which
 * a promise rejection went unhandled fails, even if its assertions passed. Outside a test runner such a
 * rejection ends the process, so it is a crash, but Mocha traps it and moves on: without this hook a
 * library bug of that kind (a background pull or write nobody awaits) would pass unnoticed.
 *
 * The rejection is charged to the test that was running when Node reported it; one reported between
 * tests (or in a hook) is charged to the next test, one after the last test fails the root `after all`.
 */

// Keyed by promise: Mocha's own listener emits each rejection a second time on `process`.
const rejections = new Map<Promise<unknown>, unknown>();

process.on('unhandledRejection', (reason, promise) => {
  rejections.set(promise, reason);
});

const describeReason = (reason: unknown) =>
  reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);

/** The error that reports `reasons`, or undefined when there are none. */
function takeRejections(): Error | undefined {
  const reasons = [...rejections.values()];
  rejections.clear();
  if (reasons.length === 0) return undefined;
  return new Error(
    `${reasons.length} unhandled promise rejection(s), which would end a real process:\n` +
      reasons.map(describeReason).join('\n'),
  );
}

/** Node reports unhandled rejections once the microtask queue is empty; a macrotask later they are in. */
const afterPendingReports = () => new Promise<void>((resolve) => setImmediate(resolve));

export const mochaHooks = {
  afterEach: [
    async function noUnhandledRejection(this: Mocha.Context): Promise<void> {
      await afterPendingReports();
      const error = takeRejections();
      // Hook#error fails the current test (not the hook), so the other tests still run.
      if (error) (this.test as unknown as { error(err: Error): void }).error(error);
    },
  ],
  afterAll: [
    async function noUnhandledRejectionAtTheEnd(): Promise<void> {
      await afterPendingReports();
      const error = takeRejections();
      if (error) throw error;
    },
  ],
};
