/**
 * Workload 10: what OpenTelemetry costs when the application registered no provider. `@opentelemetry/api`
 * is an optional peer dependency; when it is installed (here: a dev dependency) dynago loads it and wraps
 * appends, reads, loads, commands and snapshot saves in spans, which with no provider are non-recording
 * no-ops. Three sides in the same process, every order of them in turn, round by round:
 * - on: the api loaded, no provider registered (what an application with the package but no SDK gets);
 * - off: `setTelemetryEnabled(false)`, as if the package were absent;
 * - control: off again, on a client of its own: the A/A control, which shows what two identical sides
 *   differ by here (the resolution of the figures).
 * Part 1, on DynamoDB Local: 1-event appends 4 in flight, warm `repository.execute` commands 4 in flight
 * (a snapshot every 20 events), and a whole read of a 20 000-event stream. Every request of every measured
 * round is counted per side, with those that ask for ReturnConsumedCapacity, and capacity is metered in a
 * separate pass: telemetry with no provider must add no request and no capacity.
 * Part 2, without the network: the same calls against Tables whose DynamoDBDocumentClient's `send` is
 * stubbed to answer at once (PutItem: `{}`; Query: pages cut from an in-memory stream), timed with
 * process.cpuUsage over many short batches of calls: the client CPU that telemetry adds, set against the
 * time of the same operation on DynamoDB Local.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { trace } from '@opentelemetry/api';
import {
  AggregateRepository,
  EventStore,
  SnapshotStore,
  type StoredEvent,
  type StreamToken,
  Table,
} from '../../src/index.js';
import { setTelemetryEnabled } from '../../src/internal/telemetry.js';
import { alternate, elapsed, pairedRatios, summaryOf } from '../lib/alternate.js';
import type { Bench } from '../lib/context.js';
import {
  addDeposit,
  type Balance,
  type Deposit,
  deposit,
  dynagoEventItem,
  emptyBalance,
  seed,
} from '../lib/events.js';
import {
  type Comparison,
  type Cost,
  comparison,
  measureCost,
  type Results,
  type TelemetryCall,
  type TelemetryControl,
  type TelemetryRequests,
} from '../lib/results.js';
import { median, quantile, round } from '../lib/stats.js';

const ON = 'telemetry on, no provider';
const OFF = 'telemetry off';
/** The A/A control: telemetry off again, on a client of its own, in the same rounds. */
const CONTROL = 'telemetry off, second client (A/A control)';
type Side = typeof ON | typeof OFF | typeof CONTROL;
const SIDES: Side[] = [ON, OFF, CONTROL];
const LABELS: Record<Side, string> = { [ON]: 'on', [OFF]: 'off', [CONTROL]: 'control' };

/** One value per side. */
function perSide<T>(make: (side: Side) => T): Record<Side, T> {
  return Object.fromEntries(SIDES.map((side) => [side, make(side)])) as Record<Side, T>;
}

/** Appends and commands in flight at once. */
const CONCURRENCY = 4;
/** Appends per stream before a worker moves on to a new stream. */
const STREAM_LENGTH = 50;
/** Accounts per worker (per side) for the commands. */
const ACCOUNTS_PER_WORKER = 8;
const SNAPSHOT_EVERY = 20;
/** Items per Query page of the stubbed client (about 1 MB of these 250-byte events, as DynamoDB cuts). */
const STUB_PAGE = 4_000;

type DepositEvent = { type: 'Deposited'; data: Deposit };

function use(side: Side): void {
  setTelemetryEnabled(side === ON);
}

// ---------------------------------------------------------------------------------------------------
// Requests, counted on a client's middleware stack (nothing changed on the request)

interface Counted {
  readonly requests: Record<string, number>;
  /** Requests whose input asked for ReturnConsumedCapacity (dynago does only under a recording span). */
  withCapacity: number;
  reset(): void;
}

interface Stack {
  add(
    middleware: (
      next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'low' },
  ): void;
}

function newCounted(): Counted {
  const counted: Counted = {
    requests: {},
    withCapacity: 0,
    reset: () => {
      for (const key of Object.keys(counted.requests)) delete counted.requests[key];
      counted.withCapacity = 0;
    },
  };
  return counted;
}

function count(counted: Counted, command: string, input: Record<string, unknown> | undefined): void {
  counted.requests[command] = (counted.requests[command] ?? 0) + 1;
  const asked = input?.ReturnConsumedCapacity;
  if (asked !== undefined && asked !== 'NONE') counted.withCapacity++;
}

/** Counts every command `client` sends (and those asking for capacity); sends them unchanged. */
function countRequests(client: DynamoDBDocumentClient): Counted {
  const counted = newCounted();
  (client.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      count(counted, context.commandName ?? 'unknown', args.input);
      return next(args);
    },
    { step: 'initialize', name: 'dynagoBenchTelemetryCount', priority: 'low' },
  );
  return counted;
}

/** Requests per operation, by command name. */
function perOperation(
  counted: Counted,
  operations: number,
): { total: number; byCommand: Record<string, number> } {
  const total = Object.values(counted.requests).reduce((sum, n) => sum + n, 0);
  return {
    total: round(total / operations, 4),
    byCommand: Object.fromEntries(
      Object.entries(counted.requests).map(([name, n]) => [
        name.replace(/Command$/, ''),
        round(n / operations, 4),
      ]),
    ),
  };
}

function requestsOf(what: string, operations: number, counts: Record<Side, Counted>): TelemetryRequests {
  const on = perOperation(counts[ON], operations);
  const off = perOperation(counts[OFF], operations);
  const same =
    counts[ON].withCapacity === 0 &&
    counts[OFF].withCapacity === 0 &&
    JSON.stringify(Object.entries(counts[ON].requests).sort()) ===
      JSON.stringify(Object.entries(counts[OFF].requests).sort());
  return {
    what,
    operations,
    on: { ...on, withCapacity: counts[ON].withCapacity },
    off: { ...off, withCapacity: counts[OFF].withCapacity },
    same,
  };
}

/** The target of a part-1 comparison also needs the same requests on both sides, none asking for capacity. */
function withRequests(c: Comparison, requests: TelemetryRequests): Comparison {
  if (!c.target || requests.same) return c;
  return { ...c, target: { ...c.target, met: false, capacityMet: false } };
}

// ---------------------------------------------------------------------------------------------------
// The operations, the same for DynamoDB Local and for the stubbed client

/** One worker's 1-event appends at known versions (the token of its previous append), 50 per stream. */
class Appender {
  private stream = 0;
  private version = 0;
  private token: StreamToken | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly prefix: string,
  ) {}

  async next(): Promise<void> {
    if (this.version === STREAM_LENGTH) {
      this.stream++;
      this.version = 0;
      this.token = undefined;
    }
    const result = await this.store.append(
      `${this.prefix}-${this.stream}`,
      [{ type: 'Deposited', data: deposit(this.version + 1) }],
      { expectedVersion: this.token ?? 0 },
    );
    this.token = result.token;
    this.version++;
  }
}

function repositoryOf(table: Table): AggregateRepository<Balance, DepositEvent> {
  return new AggregateRepository<Balance, DepositEvent>({
    category: 'account',
    events: new EventStore({ table }),
    snapshots: new SnapshotStore<Balance>({ table }),
    initialState: emptyBalance,
    reduce: (state, event) => addDeposit({ ...state }, event.data.amount),
    snapshotEvery: SNAPSHOT_EVERY,
  });
}

/** Worker `worker`'s commands: a deposit on each of its accounts in turn (no two workers share one). */
function commander(repository: AggregateRepository<Balance, DepositEvent>, prefix: string, worker: number) {
  let index = 0;
  return () => {
    const account = `${prefix}${worker + CONCURRENCY * (index++ % ACCOUNTS_PER_WORKER)}`;
    return repository.execute(account, (state) => [{ type: 'Deposited', data: deposit(state.events + 1) }]);
  };
}

async function readWhole(store: EventStore, streamId: string, events: number): Promise<number> {
  let state = emptyBalance();
  for await (const event of store.read<StoredEvent<'Deposited', Deposit>>(streamId)) {
    state = addDeposit(state, event.data.amount);
  }
  if (state.events !== events) throw new Error(`read ${state.events} events of ${streamId}, not ${events}`);
  return state.balance;
}

/**
 * `total` calls of `op(worker)`, `workers` of them in flight at once, each worker making the same share
 * (so that both sides do exactly the same work: the same streams, the same snapshots).
 */
async function inFlight(
  total: number,
  workers: number,
  op: (worker: number) => Promise<unknown>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let call = worker; call < total; call += workers) await op(worker);
    }),
  );
}

/** Logs the warm-up and every `every`-th round only (rounds are many and short). */
function sparse(log: (line: string) => void, every: number): (line: string) => void {
  return (line) => {
    const done = /round (\d+)\/(\d+)/.exec(line);
    if (!done || Number(done[1]) % every === 0 || done[1] === done[2]) log(line);
  };
}

// ---------------------------------------------------------------------------------------------------
// The stubbed client: `send` answers at once, nothing is serialised, signed or sent

/** A Query over one in-memory stream (items with sort keys 1 … n), cut into pages as DynamoDB would. */
function queryAnswer(
  items: Record<string, unknown>[],
  input: Record<string, unknown>,
): Record<string, unknown> {
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const number = (key: string) => (typeof values[key] === 'number' ? (values[key] as number) : undefined);
  const forward = input.ScanIndexForward !== false;
  let from = Math.max(1, number(':from') ?? 1);
  let to = Math.min(items.length, number(':to') ?? number(':top') ?? number(':last') ?? items.length);
  const start = (input.ExclusiveStartKey as { sk?: number } | undefined)?.sk;
  if (start !== undefined) {
    if (forward) from = Math.max(from, start + 1);
    else to = Math.min(to, start - 1);
  }
  if (to < from) return { Items: [], Count: 0, ScannedCount: 0 };
  const size = Math.min(typeof input.Limit === 'number' ? input.Limit : STUB_PAGE, STUB_PAGE);
  const page = forward
    ? items.slice(from - 1, Math.min(to, from + size - 1))
    : items.slice(Math.max(from, to - size + 1) - 1, to).reverse();
  const more = forward ? from + page.length - 1 < to : to - page.length + 1 > from;
  const last = page.at(-1);
  return {
    Items: page,
    Count: page.length,
    ScannedCount: page.length,
    ...(more && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
  };
}

/**
 * A Table whose document client's `send` answers at once: PutItem (and any write) `{}`, a Query of
 * `streams`' partitions a page of it, any other Query no item (a stream that does not exist yet).
 */
function stubbedTable(
  tableName: string,
  counted: Counted,
  streams: Map<string, Record<string, unknown>[]>,
): Table {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } },
  );
  const send = async (command: { input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    count(counted, name, command.input);
    if (name !== 'QueryCommand') return {};
    const values = command.input.ExpressionAttributeValues as Record<string, unknown> | undefined;
    const stream = streams.get(String(values?.[':pk']));
    return stream ? queryAnswer(stream, command.input) : { Items: [], Count: 0, ScannedCount: 0 };
  };
  client.send = send as unknown as typeof client.send;
  return new Table({ tableName, partitionKeyName: 'pk', sortKeyName: 'sk', client });
}

/**
 * Microseconds of this process's CPU (user + system) per call over `calls` calls in a row (garbage
 * collection included); the median call's wall time (µs, each call timed with performance.now) pushed
 * onto `wall`.
 */
async function cpuPerCall(calls: number, op: () => Promise<unknown>, wall: number[]): Promise<number> {
  const times = new Float64Array(calls);
  const startCpu = process.cpuUsage();
  for (let call = 0; call < calls; call++) {
    const start = performance.now();
    await op();
    times[call] = performance.now() - start;
  }
  const used = process.cpuUsage(startCpu);
  wall.push(median([...times]) * 1000);
  return (used.user + used.system) / calls;
}

// ---------------------------------------------------------------------------------------------------

export async function telemetryWorkload(
  bench: Bench,
): Promise<{ comparisons: Comparison[]; telemetry: NonNullable<Results['telemetry']> }> {
  // No provider may be registered in this process: a span of the global tracer must not record.
  const probe = trace.getTracer('dynago-bench').startSpan('probe');
  const providerRegistered = probe.isRecording();
  probe.end();
  if (providerRegistered) throw new Error('workload 10: a tracer provider is registered; it needs none');

  const log = (line: string) => bench.log(line);
  const comparisons: Comparison[] = [];
  const requests: TelemetryRequests[] = [];
  const controls: TelemetryControl[] = [];
  const tableName = (await bench.dynagoTable('telemetry')).tableName;
  // Each side its own Table and client on the same DynamoDB table, so requests are counted per side.
  const tables = perSide(() => bench.tableFor(tableName, 'pk', 'sk'));
  const counts = perSide((side) => countRequests(tables[side].client));
  const stores = perSide((side) => new EventStore({ table: tables[side] }));

  /**
   * Rounds of `sample` on the three sides, every order of them in turn; the requests of the measured
   * rounds counted per side (the counters are reset as each side starts its first measured round).
   */
  const measure = async (
    what: string,
    options: { rounds: number; warmup: number },
    sample: (side: Side) => Promise<number>,
  ) => {
    const samples = await alternate(
      SIDES.map((side) => ({
        name: side,
        sample: async (r: number) => {
          use(side);
          if (r === 0) counts[side].reset();
          return sample(side);
        },
      })),
      { ...options, permute: true, log: sparse(log, 20), label: what },
    );
    setTelemetryEnabled(true);
    return samples;
  };

  /** The comparison on / off, with the A/A control beside it, the requests counted and the capacity metered. */
  const endToEnd = async (input: {
    id: string;
    title: string;
    unit: string;
    method: string;
    samples: Record<string, number[]>;
    operations: number;
    cost: (side: Side) => Promise<Cost>;
  }) => {
    const counted = requestsOf(input.title, input.operations, counts);
    requests.push(counted);
    const control = input.samples[CONTROL] ?? [];
    const off = input.samples[OFF] ?? [];
    controls.push({
      id: input.id,
      ratio: round(median(control) / median(off), 3),
      pairedRatio: summaryOf(pairedRatios(control, off), 3),
    });
    comparisons.push(
      withRequests(
        comparison({
          id: input.id,
          workload: 10,
          title: `telemetry on (no provider) / off: ${input.title}`,
          unit: input.unit,
          method: input.method,
          dynago: { name: ON, samples: input.samples[ON] ?? [], cost: await input.cost(ON) },
          baseline: { name: OFF, samples: off, cost: await input.cost(OFF) },
          target: { text: 'on / off ≤ 1.01, same requests and capacity', maxRatio: 1.01, capacity: true },
          extra: { [CONTROL]: { summary: summaryOf(control) } },
        }),
        counted,
      ),
    );
  };
  const order =
    'the three sides (on, off, and off again on a second client: the A/A control) in every order in turn';

  // Part 1a: 1-event appends, CONCURRENCY in flight.
  const appends = bench.scale(200, 80);
  const appendRounds = bench.scale(120, 12);
  const appenders = perSide((side) =>
    Array.from({ length: CONCURRENCY }, (_, w) => new Appender(stores[side], `deposits-${LABELS[side]}${w}`)),
  );
  const appendSamples = await measure(
    'append 1 event',
    { rounds: appendRounds, warmup: bench.scale(20, 6) },
    async (side) =>
      (await elapsed(() => inFlight(appends, CONCURRENCY, (w) => (appenders[side][w] as Appender).next()))) /
      appends,
  );
  await endToEnd({
    id: 'telemetry.append',
    title: `append 1 event, ${CONCURRENCY} in flight`,
    unit: 'ms per append',
    method: `EventStore.append of one 250-byte event at a known version (the token of the previous append), ${STREAM_LENGTH} appends per stream, ${CONCURRENCY} appends in flight (each worker ${appends / CONCURRENCY} per round); ${appendRounds} rounds of ${appends} appends per side, ${order}; a sample is a round's wall time / ${appends}`,
    samples: appendSamples.byVariant,
    operations: appends * appendRounds,
    cost: (side) => {
      use(side);
      const appender = new Appender(stores[side], `cost-${LABELS[side]}`);
      return measureCost(tables[side].client, STREAM_LENGTH, () => appender.next());
    },
  });

  // Part 1b: warm commands (repository.execute on accounts in the repository's cache), CONCURRENCY in flight.
  const commands = bench.scale(200, 80);
  const commandRounds = bench.scale(120, 12);
  const repositories = perSide((side) => repositoryOf(tables[side]));
  const commanders = perSide((side) =>
    Array.from({ length: CONCURRENCY }, (_, w) => commander(repositories[side], `${LABELS[side]}-`, w)),
  );
  const commandSamples = await measure(
    'execute (warm)',
    { rounds: commandRounds, warmup: bench.scale(10, 3) },
    async (side) =>
      (await elapsed(() =>
        inFlight(commands, CONCURRENCY, (w) => (commanders[side][w] as () => Promise<unknown>)()),
      )) / commands,
  );
  await endToEnd({
    id: 'telemetry.execute',
    title: `repository.execute, warm, ${CONCURRENCY} in flight`,
    unit: 'ms per command',
    method: `AggregateRepository.execute of a 1-event deposit on an account in the repository's cache (the append alone; a snapshot saved every ${SNAPSHOT_EVERY} events), ${CONCURRENCY} workers in flight on ${ACCOUNTS_PER_WORKER} accounts each (no conflicts); ${commandRounds} rounds of ${commands} commands per side, ${order}; a sample is a round's wall time / ${commands}`,
    samples: commandSamples.byVariant,
    operations: commands * commandRounds,
    cost: (side) => {
      use(side);
      const next = commanders[side][0] as () => Promise<unknown>;
      return measureCost(tables[side].client, 2 * SNAPSHOT_EVERY, () => next());
    },
  });

  // Part 1c: a whole read of a long stream (every side reads the same one).
  const readEvents = bench.scale(20_000, 5_000);
  const readRounds = bench.scale(30, 6);
  const readStream = `long-${readEvents}`;
  await bench.fixtures.timed(
    `telemetry: a stream of ${readEvents.toLocaleString('en')} events`,
    readEvents,
    () => {
      const timestamp = Date.now();
      return seed(tables[OFF], readEvents, (version) => dynagoEventItem(readStream, version, timestamp));
    },
  );
  const readSamples = await measure(
    `read ${readEvents} events`,
    { rounds: readRounds, warmup: bench.scale(3, 1) },
    (side) => elapsed(() => readWhole(stores[side], readStream, readEvents)),
  );
  await endToEnd({
    id: 'telemetry.read',
    title: `read a ${readEvents.toLocaleString('en')}-event stream`,
    unit: 'ms per read',
    method: `EventStore.read of the whole stream (default parallel: 4 version windows), folded into a running balance; ${readRounds} rounds of one read per side, ${order}; a sample is one read`,
    samples: readSamples.byVariant,
    operations: readRounds,
    cost: (side) => {
      use(side);
      return measureCost(tables[side].client, 1, () => readWhole(stores[side], readStream, readEvents));
    },
  });
  setTelemetryEnabled(true);

  // Part 2: the same calls against stubbed clients: the client CPU telemetry adds, without the network.
  const stubCounts = perSide(() => newCounted());
  const timestamp = Date.now();
  const streams = new Map([
    [
      `event#${readStream}`,
      Array.from({ length: readEvents }, (_, k) => dynagoEventItem(readStream, k + 1, timestamp)),
    ],
  ]);
  const stubTables = perSide((side) => stubbedTable(tableName, stubCounts[side], streams));
  const stubStores = perSide((side) => new EventStore({ table: stubTables[side] }));
  const stubRepositories = perSide((side) => repositoryOf(stubTables[side]));
  const stubRounds = bench.scale(450, 60);
  const kinds = [
    {
      id: 'append',
      what: 'append 1 event',
      unit: 'append',
      calls: bench.scale(200, 100),
      rounds: stubRounds,
      endToEnd: 'telemetry.append',
      op: (side: Side) => {
        const appender = new Appender(stubStores[side], `stub-${LABELS[side]}`);
        return () => appender.next();
      },
    },
    {
      id: 'execute',
      what: 'repository.execute, warm',
      unit: 'command',
      calls: bench.scale(200, 100),
      rounds: stubRounds,
      endToEnd: 'telemetry.execute',
      op: (side: Side) => commander(stubRepositories[side], `stub-${LABELS[side]}-`, 0),
    },
    {
      id: 'read',
      what: `read a ${readEvents.toLocaleString('en')}-event stream`,
      unit: 'read',
      calls: 1,
      rounds: bench.scale(60, 12),
      endToEnd: 'telemetry.read',
      op: (side: Side) => () => readWhole(stubStores[side], readStream, readEvents),
    },
  ];
  const calls: TelemetryCall[] = [];
  for (const kind of kinds) {
    const ops = perSide((side) => kind.op(side));
    const wall = perSide(() => [] as number[]);
    const samples = await alternate(
      SIDES.map((side) => ({
        name: side,
        sample: async (r: number) => {
          use(side);
          if (r === 0) stubCounts[side].reset();
          await ops[side](); // the first call after switching is not timed
          return cpuPerCall(kind.calls, ops[side], r >= 0 ? wall[side] : []);
        },
      })),
      {
        rounds: kind.rounds,
        warmup: bench.scale(12, 6),
        permute: true,
        log: sparse(log, 50),
        label: `${kind.what} (stubbed send)`,
      },
    );
    setTelemetryEnabled(true);
    const cpu = perSide((side) => samples.byVariant[side] ?? []);
    const c = comparison({
      id: `telemetry.${kind.id}.client`,
      workload: 10,
      kind: 'client-only',
      title: `${kind.what}, client CPU, send stubbed`,
      unit: `µs CPU per ${kind.unit}`,
      method: `${kind.what} on a Table whose DynamoDBDocumentClient's send answers at once (no SDK serialising or signing, no network, no DynamoDB): dynago's own client work; ${kind.rounds} rounds of ${kind.calls === 1 ? 'one call' : `${kind.calls} calls in a row`} per side, ${order} (the first call after switching untimed); a sample is the round's process CPU (process.cpuUsage, user + system)${kind.calls === 1 ? '' : ` / ${kind.calls}`}`,
      dynago: { name: ON, samples: cpu[ON] },
      baseline: { name: OFF, samples: cpu[OFF] },
      extra: { [CONTROL]: { summary: summaryOf(cpu[CONTROL]) } },
    });
    comparisons.push(c);
    // Differences: the median of the per-round differences (the sides measured in the same round).
    const diffs = (a: number[], b: number[]) => a.map((value, index) => value - (b[index] as number));
    const cpuDiffs = diffs(cpu[ON], cpu[OFF]);
    const controlDiffs = diffs(cpu[CONTROL], cpu[OFF]);
    const wallDiffUs = median(diffs(wall[ON], wall[OFF]));
    const cpuDiffUs = median(cpuDiffs);
    // The verdict takes the larger of the two estimates: CPU (garbage collection included) and median call.
    const diffUs = Math.max(cpuDiffUs, wallDiffUs);
    const e2e = comparisons.find((e) => e.id === kind.endToEnd);
    const endToEndMs = e2e?.baseline.summary.median ?? Number.NaN;
    const fraction = diffUs / (endToEndMs * 1000);
    calls.push({
      id: kind.id,
      what: kind.what,
      unit: kind.unit,
      calls: kind.calls,
      rounds: kind.rounds,
      cpuUs: { on: c.dynago.summary, off: c.baseline.summary, control: summaryOf(cpu[CONTROL]) },
      wallUs: { on: summaryOf(wall[ON]), off: summaryOf(wall[OFF]), control: summaryOf(wall[CONTROL]) },
      cpuDiffUs: round(cpuDiffUs, 3),
      cpuDiffQuartilesUs: [round(quantile(cpuDiffs, 0.25), 3), round(quantile(cpuDiffs, 0.75), 3)],
      controlDiffUs: round(median(controlDiffs), 3),
      controlDiffQuartilesUs: [
        round(quantile(controlDiffs, 0.25), 3),
        round(quantile(controlDiffs, 0.75), 3),
      ],
      wallDiffUs: round(wallDiffUs, 3),
      controlWallDiffUs: round(median(diffs(wall[CONTROL], wall[OFF])), 3),
      diffUs: round(diffUs, 3),
      endToEndId: kind.endToEnd,
      endToEndMs,
      fraction: round(fraction, 3),
      met: fraction <= 0.01,
      requests: requestsOf(kind.what, (kind.calls + 1) * kind.rounds, stubCounts),
    });
  }

  const notes = [
    'No tracer or meter provider is registered in the bench process (checked at the start: a span of the global tracer does not record), so with telemetry on every dynago span is a non-recording no-op: dynago asks the api for its tracer, starts the span, sees that it does not record, runs the call and ends it; the read returns its source generator as it is, so nothing is added per event.',
    'Each side has its own Table and SDK client (its own HTTP connections) on the same DynamoDB table; the control is a third side identical to "off", so its ratio to "off" is what two identical sides measure here: the resolution of the end-to-end figures.',
  ];
  return { comparisons, telemetry: { providerRegistered, requests, controls, calls, notes } };
}
