import { DynagoError, Projector, Table } from 'dynago';
import { AccountRuleError } from './account.js';
import { balancesProjection } from './balances.js';
import { Ledger } from './ledger.js';
import { ProgressBar } from './progress.js';

export interface LedgerDemoOptions {
  endpoint: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  accounts?: number;
  operations?: number;
  workers?: number;
  seed?: number;
  /** Where the progress bar and summary go; default stdout. `null`: silent. */
  out?: NodeJS.WriteStream | null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LedgerDemoResult {
  commands: {
    deposits: number;
    withdrawals: number;
    transfers: number;
    acknowledged: number;
    refused: number;
    failed: number;
    /** The failures by error class, e.g. { ConcurrencyError: 1 }. */
    failures: Record<string, number>;
  };
  eventsWritten: number;
  conflictsRetried: number;
  requests: Record<string, number>;
  /** Requests the workload sent per command (opens included): the cost of a command in round trips. */
  requestsPerCommand: number;
  workloadMs: number;
  rebuildMs: number;
  /** Append → read model, for the balances projection kept live by `Projector.run` (ms). */
  projectionLag: { p50: number; p99: number };
  /** Events per second of a rebuild of the balances read model into an empty table. */
  projectionRebuildEventsPerSecond: number;
  checks: Check[];
  ok: boolean;
}

/**
 * The ledger demo: opens accounts, runs random deposits, withdrawals and transfers from concurrent
 * workers, rebuilds every balance from the events alone, and checks the books.
 */
export async function runLedgerDemo(options: LedgerDemoOptions): Promise<LedgerDemoResult> {
  const accountsCount = options.accounts ?? 200;
  const operations = options.operations ?? 5_000;
  const workers = options.workers ?? 8;
  const random = mulberry32(options.seed ?? 1);
  const out = options.out === undefined ? process.stdout : options.out;
  const table = new Table({
    tableName: `ledger-demo-${Date.now().toString(36)}-${Math.floor(random() * 1e6)}`,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    region: options.region ?? 'us-east-1',
    endpoint: {
      url: options.endpoint,
      ...(options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' }),
    },
  });
  // The balances read model (and the projector's checkpoints and stream positions) on a table of its
  // own, with a client of its own: the requests counted below are the commands' alone.
  const readModelTable = (suffix: string) =>
    new Table({
      tableName: `${table.tableName}-${suffix}`,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region: options.region ?? 'us-east-1',
      endpoint: {
        url: options.endpoint,
        ...(options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' }),
      },
    });
  const readModel = readModelTable('balances');
  const rebuiltModel = readModelTable('rebuilt');
  const requests: Record<string, number> = {};
  table.client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      requests[name] = (requests[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'ledgerDemoRequestCounter' },
  );
  await table.createTable({ sortKeyType: 'N', stream: 'NEW_IMAGE' });
  await readModel.createTable({ sortKeyType: 'N' });
  await rebuiltModel.createTable({ sortKeyType: 'N' });
  const stopProjector = new AbortController();
  let projecting: Promise<void> | undefined;
  try {
    const ledger = new Ledger(table, { snapshotEvery: 20 });
    // The balances read model, kept live from the table's DynamoDB Stream while the workload runs.
    // Lag: from the event's timestamp (taken when its append is sent) to the commit of its read-model write.
    const lags: number[] = [];
    const projector = new Projector({
      events: ledger.events,
      projections: [balancesProjection(readModel, 'balances')],
      checkpoints: readModel,
      onApplied: ({ events }) => {
        const now = Date.now();
        for (const event of events) lags.push(now - event.timestamp);
      },
    });
    projecting = projector.run({ signal: stopProjector.signal, pollIntervalMs: 50 });
    const ids = Array.from(
      { length: accountsCount },
      (_, index) => String(index + 1).padStart(4, '0'), // aggregate ids: the streams are account-0001 …
    );
    const expected = new Map(ids.map((id) => [id, 0]));
    const commands = {
      deposits: 0,
      withdrawals: 0,
      transfers: 0,
      acknowledged: 0,
      refused: 0,
      failed: 0,
      failures: {} as Record<string, number>,
    };
    let eventsWritten = 0;
    let deposited = 0;
    let withdrawn = 0;

    const started = performance.now();
    await pool(ids, workers, async (id) => {
      await ledger.open(id, `owner of ${id}`);
      eventsWritten++;
    });
    let next = 0;
    const bar = out ? new ProgressBar('Commands', operations, out) : undefined;
    await pool(Array.from({ length: workers }), workers, async () => {
      while (next < operations) {
        next++;
        const roll = random();
        const amount = 1 + Math.floor(random() * 10_000);
        const from = ids[Math.floor(random() * ids.length)] as string;
        let to = ids[Math.floor(random() * ids.length)] as string;
        if (to === from) to = ids[(ids.indexOf(from) + 1) % ids.length] as string;
        try {
          if (roll < 0.3) {
            commands.deposits++;
            await ledger.deposit(from, amount);
            expected.set(from, (expected.get(from) ?? 0) + amount);
            deposited += amount;
            eventsWritten++;
          } else if (roll < 0.4) {
            commands.withdrawals++;
            await ledger.withdraw(from, amount);
            expected.set(from, (expected.get(from) ?? 0) - amount);
            withdrawn += amount;
            eventsWritten++;
          } else {
            commands.transfers++;
            await ledger.transfer(from, to, amount);
            expected.set(from, (expected.get(from) ?? 0) - amount);
            expected.set(to, (expected.get(to) ?? 0) + amount);
            eventsWritten += 2;
          }
          commands.acknowledged++;
        } catch (error) {
          if (error instanceof AccountRuleError) commands.refused++;
          else if (error instanceof DynagoError) {
            commands.failed++;
            commands.failures[error.name] = (commands.failures[error.name] ?? 0) + 1;
          } else throw error;
        }
        bar?.update(commands.acknowledged + commands.refused + commands.failed);
      }
    });
    bar?.done();
    const workloadMs = performance.now() - started;
    // Requests per command: everything the workload sent (opens, commands, conflict catch-ups, snapshot
    // writes), over the commands it ran (opens included).
    const workloadRequests = Object.entries(requests)
      .filter(([name]) => name !== 'CreateTable' && name !== 'DescribeTable')
      .reduce((total, [, count]) => total + count, 0);
    const requestsPerCommand = workloadRequests / (operations + accountsCount);

    const live = new Map<string, number>();
    await pool(ids, workers, async (id) => {
      live.set(id, (await ledger.accounts.load(id)).state.balance);
    });

    const rebuildStarted = performance.now();
    const rebuildBar = out ? new ProgressBar('Rebuild ', accountsCount, out) : undefined;
    const rebuilt = await ledger.accounts.rebuildAll({
      segments: 4,
      onProgress: (progress) => rebuildBar?.update(progress.streams, `streams, ${progress.events} events`),
    });
    rebuildBar?.done();
    const rebuildMs = performance.now() - rebuildStarted;
    const rebuiltBalances = new Map<string, number | undefined>();
    await pool(ids, workers, async (id) => {
      rebuiltBalances.set(id, (await ledger.snapshots.load(ledger.accounts.streamId(id)))?.state.balance);
    });

    // The live read model catches up (it follows the stream), then a rebuild into an empty read model.
    const modelBalance = async (model: Table, id: string) =>
      (
        await model.getItem<{ balance: number }>(`balance#${ledger.accounts.streamId(id)}`, 0, {
          consistentRead: true,
        })
      )?.balance ?? 0;
    const caughtUpBy = Date.now() + 60_000;
    let readModelBalances = new Map<string, number>();
    for (;;) {
      readModelBalances = new Map<string, number>();
      await pool(ids, workers, async (id) => {
        readModelBalances.set(id, await modelBalance(readModel, id));
      });
      if (ids.every((id) => readModelBalances.get(id) === live.get(id)) || Date.now() > caughtUpBy) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    stopProjector.abort();
    await projecting;
    const sortedLags = [...lags].sort((a, b) => a - b);
    const quantile = (q: number) =>
      sortedLags[Math.min(sortedLags.length - 1, Math.floor(q * sortedLags.length))] ?? 0;
    const projectionLag = { p50: quantile(0.5), p99: quantile(0.99) };
    const rebuildModelStarted = performance.now();
    const projectionBar = out ? new ProgressBar('Project ', eventsWritten, out) : undefined;
    const fresh = new Projector({
      events: ledger.events,
      projections: [balancesProjection(rebuiltModel, 'balances')],
      checkpoints: rebuiltModel,
    });
    const projected = await fresh.rebuild('balances', {
      segments: 4,
      onProgress: (progress) => projectionBar?.update(progress.events, `events, ${progress.streams} streams`),
    });
    projectionBar?.done();
    const projectionRebuildEventsPerSecond =
      projected.events / ((performance.now() - rebuildModelStarted) / 1000);
    const rebuiltModelBalances = new Map<string, number>();
    await pool(ids, workers, async (id) => {
      rebuiltModelBalances.set(id, await modelBalance(rebuiltModel, id));
    });

    const eventIds = new Set<string>();
    let eventsStored = 0;
    let gapless = true;
    try {
      for await (const event of ledger.events.readAll({ category: 'account', segments: 4 })) {
        eventsStored++;
        eventIds.add(event.id);
      }
    } catch (error) {
      gapless = false;
      void error;
    }

    const sum = [...live.values()].reduce((total, balance) => total + balance, 0);
    const mismatched = (other: Map<string, number | undefined>) =>
      ids.filter((id) => other.get(id) !== live.get(id));
    const rebuiltOff = mismatched(rebuiltBalances);
    const expectedOff = mismatched(expected);
    const negative = ids.filter((id) => (live.get(id) ?? 0) < 0);
    const checks: Check[] = [
      {
        name: 'rebuilt balances equal live balances',
        ok: rebuiltOff.length === 0 && rebuilt.failed.length === 0 && rebuilt.streams === accountsCount,
        detail: `${accountsCount - rebuiltOff.length} of ${accountsCount} accounts, ${fmt(rebuilt.events)} events replayed, ${rebuilt.failed.length} streams failed`,
      },
      {
        name: 'live balances equal the acknowledged commands',
        ok: expectedOff.length === 0,
        detail: `${accountsCount - expectedOff.length} of ${accountsCount} accounts`,
      },
      {
        name: 'money is conserved',
        ok: sum === deposited - withdrawn,
        detail: `sum of balances ${fmt(sum)} = deposits ${fmt(deposited)} − withdrawals ${fmt(withdrawn)}`,
      },
      { name: 'no balance is negative', ok: negative.length === 0, detail: `${negative.length} negative` },
      {
        name: 'the live read model equals every aggregate (kept by Projector.run from DynamoDB Streams)',
        ok: mismatched(readModelBalances).length === 0,
        detail: `${accountsCount - mismatched(readModelBalances).length} of ${accountsCount} accounts; lag p50 ${projectionLag.p50} ms, p99 ${projectionLag.p99} ms`,
      },
      {
        name: 'the read model rebuilt from the events equals it, and sums to net deposits',
        ok:
          mismatched(rebuiltModelBalances).length === 0 &&
          [...rebuiltModelBalances.values()].reduce((total, balance) => total + balance, 0) ===
            deposited - withdrawn,
        detail: `${accountsCount - mismatched(rebuiltModelBalances).length} of ${accountsCount} accounts, ${fmt(projected.events)} events at ${fmt(Math.round(projectionRebuildEventsPerSecond))} events/s`,
      },
      {
        name: 'every stream is gapless and every event is stored once',
        ok: gapless && eventsStored === eventsWritten && eventIds.size === eventsStored,
        detail: `${fmt(eventsStored)} events stored, ${fmt(eventsWritten)} acknowledged, ${fmt(eventIds.size)} distinct ids`,
      },
    ];
    return {
      commands,
      eventsWritten,
      conflictsRetried: ledger.conflicts,
      requests,
      requestsPerCommand,
      workloadMs,
      rebuildMs,
      projectionLag,
      projectionRebuildEventsPerSecond,
      checks,
      ok: checks.every((check) => check.ok),
    };
  } finally {
    stopProjector.abort();
    await projecting?.catch(() => {});
    await Promise.all([
      table.deleteTable().catch(() => {}),
      readModel.deleteTable().catch(() => {}),
      rebuiltModel.deleteTable().catch(() => {}),
    ]);
  }
}

/** Runs `worker` over `items` with `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (index < items.length) await worker(items[index++] as T);
    }),
  );
}

/** A small seeded generator, so a run can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fmt(value: number): string {
  return value.toLocaleString('en-US');
}
