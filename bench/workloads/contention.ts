/**
 * Workload 6: contention. 16 workers run `execute` (decide, append at the known version; on a conflict,
 * read the newer events and decide again, with p-retry's default backoff) on one account, and 16 workers
 * on 16 accounts (one each). Each worker has its own repository, as 16 processes would: within one
 * repository, commands on one aggregate queue instead of conflicting, so contention only exists between
 * processes. The two scenarios alternate round by round. Reported: commands per second,
 * retries per command (p50, p99), latency, and what a command costs in requests and capacity units.
 */
import { AggregateRepository, ConcurrencyError, EventStore, SnapshotStore } from '../../src/index.js';
import { summaryOf } from '../lib/alternate.js';
import type { Bench } from '../lib/context.js';
import { meter } from '../lib/meter.js';
import type { ContentionScenario } from '../lib/results.js';
import { quantile, round } from '../lib/stats.js';

const WORKERS = 16;

type AccountEvent = { type: 'Deposited'; data: { amount: number } };

interface RoundResult {
  commandsPerSecond: number;
  retries: number[];
  latencies: number[];
  failed: number;
  requests: number;
  units: number;
  balancesCorrect: boolean;
}

export async function contentionWorkload(
  bench: Bench,
): Promise<{ scenarios: ContentionScenario[]; notes: string[] }> {
  const table = await bench.dynagoTable('contention');
  const newRepository = () =>
    new AggregateRepository<{ balance: number }, AccountEvent>({
      category: 'account',
      events: new EventStore({ table }),
      snapshots: new SnapshotStore<{ balance: number }>({ table }),
      initialState: () => ({ balance: 0 }),
      reduce: (state, event) => ({ balance: state.balance + event.data.amount }),
      snapshotEvery: 100,
    });
  const repository = newRepository();
  const repositories = Array.from({ length: WORKERS }, newRepository); // one per "process"

  const perWorker = bench.scale(25, 10);
  const rounds = bench.scale(3, 1);

  const runRound = async (name: string, accounts: number, round: number): Promise<RoundResult> => {
    const ids = Array.from({ length: accounts }, (_, a) => `${name}-r${round}-a${a}`);
    const retries: number[] = [];
    const latencies: number[] = [];
    let failed = 0;
    const metered = meter(table.client);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const id = ids[worker % accounts] as string;
        for (let c = 0; c < perWorker; c++) {
          let attempts = 0;
          const begin = performance.now();
          try {
            await (repositories[worker] as typeof repository).execute(id, () => {
              attempts++;
              return [{ type: 'Deposited', data: { amount: 1 } }];
            });
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            failed++;
          }
          latencies.push(performance.now() - begin);
          retries.push(attempts - 1);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    metered.detach();
    const commands = WORKERS * perWorker;
    let total = 0;
    for (const id of ids) total += (await repository.rebuild(id)).state.balance;
    return {
      commandsPerSecond: commands / seconds,
      retries,
      latencies,
      failed,
      requests: metered.totalRequests() / commands,
      units: metered.units / commands,
      balancesCorrect: total === commands - failed,
    };
  };

  const scenarios = [
    { name: 'one account', accounts: 1 },
    { name: '16 accounts', accounts: WORKERS },
  ];
  const byScenario = new Map<string, RoundResult[]>(scenarios.map((s) => [s.name, []]));
  await runRound('warmup', WORKERS, 0);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? scenarios : [...scenarios].reverse();
    for (const scenario of order) {
      const result = await runRound(scenario.name.replace(' ', '-'), scenario.accounts, r);
      byScenario.get(scenario.name)?.push(result);
      bench.log(
        `contention ${scenario.name} round ${r + 1}/${rounds}: ${result.commandsPerSecond.toFixed(0)} commands/s, ` +
          `retries p50 ${quantile(result.retries, 0.5)} p99 ${quantile(result.retries, 0.99).toFixed(1)}, failed ${result.failed}`,
      );
    }
  }
  return {
    scenarios: scenarios.map((scenario) => {
      const results = byScenario.get(scenario.name) ?? [];
      const retries = results.flatMap((r) => r.retries);
      const latencies = results.flatMap((r) => r.latencies);
      return {
        name: scenario.name,
        workers: WORKERS,
        accounts: scenario.accounts,
        commandsPerRound: WORKERS * perWorker,
        rounds,
        commandsPerSecond: summaryOf(
          results.map((r) => r.commandsPerSecond),
          4,
        ),
        retriesPerCommand: {
          p50: round(quantile(retries, 0.5), 3),
          p99: round(quantile(retries, 0.99), 3),
          max: Math.max(...retries),
          mean: round(retries.reduce((a, b) => a + b, 0) / retries.length, 3),
        },
        latencyMs: { p50: round(quantile(latencies, 0.5), 3), p99: round(quantile(latencies, 0.99), 3) },
        failedCommands: results.reduce((sum, r) => sum + r.failed, 0),
        requestsPerCommand: round(results.reduce((sum, r) => sum + r.requests, 0) / results.length, 3),
        unitsPerCommand: round(results.reduce((sum, r) => sum + r.units, 0) / results.length, 3),
        balancesCorrect: results.every((r) => r.balancesCorrect),
      };
    }),
    notes: [
      `Each command is AggregateRepository.execute of one Deposited event (snapshotEvery 100) with the default retry (10 tries, p-retry backoff 10 ms to 1 s, randomized). Each round uses fresh accounts; a warm-up round precedes. Requests and capacity units include the retries and the snapshot writes.`,
      'A failed command is one that still conflicted after its 10th try (ConcurrencyError). After each round, every account is rebuilt from its events and its balance checked against the commands that succeeded.',
    ],
  };
}
