/**
 * Workload 8: commands. The ledger of examples/ledger (its account aggregate: decide and reduce; 30 %
 * deposits, 10 % withdrawals, 60 % transfers between two accounts) run by 8 workers, three sides
 * alternated round by round, each on its own accounts in one table:
 * - dynago, warm: AggregateRepository with its default cache (the accounts stay in memory): a command is
 *   the append alone, a transfer one TransactWriteItems (`executeMany`, as the ledger does it);
 * - dynago, cold: the same with `cache: false`: every command loads (one Query: snapshot and newer events);
 * - raw SDK: a hand-written command loop with the document client: GetItem of the snapshot, Query of the
 *   newer events, decide, conditional PutItem of the next version (attribute_not_exists; a transaction of
 *   two puts for a transfer), on a conflict reload and retry with backoff, and a snapshot put every 20
 *   events, as dynago's repository does (snapshotEvery 20, the ledger demo's).
 * Every side runs the same list of commands per round. Reported per side: commands/s, requests, read and
 * write units per command (metered with ReturnConsumedCapacity on the side's client), conflicts, latency.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import {
  type Account,
  type AccountEvent,
  AccountRuleError,
  decide,
  initialAccount,
  reduceAccount,
} from '../../examples/ledger/account.js';
import {
  AggregateRepository,
  ConcurrencyError,
  EventStore,
  type Loaded,
  SNAPSHOT_SORT_KEY,
  SnapshotStore,
  type StoredOf,
  type Table,
} from '../../src/index.js';
import { alternate, summaryOf } from '../lib/alternate.js';
import type { Bench } from '../lib/context.js';
import { meter } from '../lib/meter.js';
import { type CommandSide, type Comparison, type Cost, comparison } from '../lib/results.js';
import { quantile, round } from '../lib/stats.js';

const WORKERS = 8;
const SNAPSHOT_EVERY = 20;
/** Every account starts with this much, so that withdrawals and transfers are seldom refused. */
const INITIAL_BALANCE = 100_000_000;
const TRIES = 10;

interface Command {
  kind: 'deposit' | 'withdraw' | 'transfer';
  amount: number;
  from: number;
  to: number;
}

/** The commands a side runs: deposit, withdraw and transfer, with accounts as indexes. */
interface Ledger {
  open(id: string): Promise<unknown>;
  deposit(id: string, amount: number): Promise<unknown>;
  withdraw(id: string, amount: number): Promise<unknown>;
  transfer(from: string, to: string, amount: number): Promise<unknown>;
}

/** The ledger's commands on an AggregateRepository, as examples/ledger/ledger.ts runs them. */
function dynagoLedger(repository: AggregateRepository<Account, AccountEvent>): Ledger {
  return {
    open: (id) =>
      repository.execute(id, (account) => [
        ...decide.open(account, `owner of ${id}`),
        { type: 'Deposited', data: { amount: INITIAL_BALANCE } },
      ]),
    deposit: (id, amount) => repository.execute(id, (account) => decide.deposit(account, amount)),
    withdraw: (id, amount) => repository.execute(id, (account) => decide.withdraw(account, amount)),
    transfer: (from, to, amount) => {
      const transferId = uuidv7();
      return repository.executeMany(
        [from, to],
        (states) => [
          decide.transferOut((states[0] as Loaded<Account>).state, amount, to, transferId),
          decide.transferIn((states[1] as Loaded<Account>).state, amount, from, transferId),
        ],
        { commandId: transferId },
      );
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isConflict(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
}

/**
 * The same commands written by hand with the document client, on dynago's item layout (so that the same
 * items are read and written, and both sides' accounts can be checked the same way at the end).
 */
class RawLedger implements Ledger {
  conflicts = 0;

  constructor(
    private readonly sdk: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private pk(id: string): string {
    return `event#account-${id}`;
  }

  /** GetItem of the snapshot, then a Query of the events after it (both strongly consistent). */
  private async load(id: string): Promise<{ state: Account; version: number }> {
    const pk = this.pk(id);
    const snapshot = await this.sdk.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk: SNAPSHOT_SORT_KEY }, ConsistentRead: true }),
    );
    let state: Account = snapshot.Item ? { ...(snapshot.Item.state as Account) } : initialAccount();
    let version = snapshot.Item ? (snapshot.Item.version as number) : 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.sdk.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': version + 1, ':to': SNAPSHOT_SORT_KEY - 1 },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        state = reduceAccount(state, { type: item.type, data: item.data } as StoredOf<AccountEvent>);
        version = item.sk as number;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { state, version };
  }

  /**
   * Load every account, decide, append each account's events at the next versions (one PutItem for one
   * event, else one transaction), all conditional on `attribute_not_exists(pk)`; on a conflict, back off
   * (10 ms doubling, up to 1 s, randomized, like dynago's default) and start again from the load.
   */
  private async command(
    ids: string[],
    decideAll: (states: Account[]) => AccountEvent[][],
    commandId?: string,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await Promise.all(ids.map((id) => this.load(id)));
      const decided = decideAll(loaded.map((account) => account.state));
      const timestamp = Date.now();
      const writes = ids.map((id, index) => {
        const { state, version } = loaded[index] as { state: Account; version: number };
        const events = decided[index] ?? [];
        let after = state;
        for (const event of events) after = reduceAccount(after, event as StoredOf<AccountEvent>);
        const items = events.map((event, offset) => ({
          pk: this.pk(id),
          sk: version + offset + 1,
          ...(version + offset + 1 === 1 ? { category: 'account' } : {}),
          id: uuidv7(),
          type: event.type,
          data: event.data,
          timestamp,
          ...(commandId !== undefined ? { commandId } : {}),
        }));
        return { id, before: version, after: version + events.length, state: after, items };
      });
      const items = writes.flatMap((write) => write.items);
      const condition = { ConditionExpression: 'attribute_not_exists(pk)' };
      try {
        if (items.length === 1) {
          await this.sdk.send(new PutCommand({ TableName: this.tableName, Item: items[0], ...condition }));
        } else if (items.length > 1) {
          await this.sdk.send(
            new TransactWriteCommand({
              TransactItems: items.map((Item) => ({
                Put: { TableName: this.tableName, Item, ...condition },
              })),
            }),
          );
        }
      } catch (error) {
        if (!isConflict(error) || attempt >= TRIES) throw error;
        this.conflicts++;
        await sleep(Math.min(1_000, 10 * 2 ** (attempt - 1)) * (1 + Math.random()));
        continue;
      }
      await Promise.all(
        writes
          .filter((w) => Math.floor(w.before / SNAPSHOT_EVERY) !== Math.floor(w.after / SNAPSHOT_EVERY))
          .map((w) => this.saveSnapshot(w.id, w.state, w.after)),
      );
      return;
    }
  }

  /** A snapshot put that never moves a newer snapshot back. */
  private async saveSnapshot(id: string, state: Account, version: number): Promise<void> {
    try {
      await this.sdk.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: this.pk(id), sk: SNAPSHOT_SORT_KEY, state, version, timestamp: Date.now() },
          ConditionExpression: 'attribute_not_exists(pk) OR #version <= :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': version },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  open(id: string): Promise<void> {
    return this.command([id], ([account]) => [
      [
        ...decide.open(account as Account, `owner of ${id}`),
        { type: 'Deposited', data: { amount: INITIAL_BALANCE } },
      ],
    ]);
  }

  deposit(id: string, amount: number): Promise<void> {
    return this.command([id], ([account]) => [decide.deposit(account as Account, amount)]);
  }

  withdraw(id: string, amount: number): Promise<void> {
    return this.command([id], ([account]) => [decide.withdraw(account as Account, amount)]);
  }

  transfer(from: string, to: string, amount: number): Promise<void> {
    const transferId = uuidv7();
    return this.command(
      [from, to],
      ([source, target]) => [
        decide.transferOut(source as Account, amount, to, transferId),
        decide.transferIn(target as Account, amount, from, transferId),
      ],
      transferId,
    );
  }
}

/** A small seeded generator (mulberry32), so that every side runs the same commands in a round. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The demo's mix: 30 % deposits, 10 % withdrawals, 60 % transfers between two different accounts. */
function commandsFor(round: number, count: number, accounts: number): Command[] {
  const random = mulberry32(1_000 + round);
  return Array.from({ length: count }, () => {
    const roll = random();
    const amount = 1 + Math.floor(random() * 10_000);
    const from = Math.floor(random() * accounts);
    let to = Math.floor(random() * accounts);
    if (to === from) to = (from + 1) % accounts;
    return { kind: roll < 0.3 ? 'deposit' : roll < 0.4 ? 'withdraw' : 'transfer', amount, from, to };
  });
}

interface SideState {
  name: string;
  how: string;
  ledger: Ledger;
  client: DynamoDBClient | DynamoDBDocumentClient;
  ids: string[];
  expected: number[];
  conflicts: () => number;
  /** Over the measured rounds. */
  msPerCommand: number[];
  commandsPerSecond: number[];
  latencies: number[];
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  conflictsMeasured: number;
  commands: number;
  refused: number;
  failed: number;
}

export async function commandsWorkload(
  bench: Bench,
): Promise<{ comparisons: Comparison[]; commands: { sides: CommandSide[]; notes: string[] } }> {
  const accounts = bench.scale(200, 100);
  const perRound = bench.scale(800, 160);
  const rounds = bench.scale(5, 2);
  const warmup = 1;
  const table = await bench.dynagoTable('commands');
  // Each side sends through a client of its own, so that its meter sees its requests alone.
  const ownTable = (): Table => bench.tableFor(table.tableName, 'pk', 'sk');
  const repository = (cache: number | false, on: Table, onConflict: () => void) =>
    new AggregateRepository<Account, AccountEvent>({
      category: 'account',
      events: new EventStore({ table: on }),
      snapshots: new SnapshotStore<Account>({ table: on }),
      initialState: initialAccount,
      reduce: reduceAccount,
      snapshotEvery: SNAPSHOT_EVERY,
      cache,
      onConflict,
    });
  const counters = { warm: 0, cold: 0 };
  const warmTable = ownTable();
  const coldTable = ownTable();
  const sdk = bench.documentClient();
  const raw = new RawLedger(sdk, table.tableName);
  const ids = (prefix: string) =>
    Array.from({ length: accounts }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);
  const side = (
    name: string,
    how: string,
    ledger: Ledger,
    client: SideState['client'],
    prefix: string,
    conflicts: () => number,
  ): SideState => ({
    name,
    how,
    ledger,
    client,
    ids: ids(prefix),
    expected: Array.from({ length: accounts }, () => INITIAL_BALANCE),
    conflicts,
    msPerCommand: [],
    commandsPerSecond: [],
    latencies: [],
    requests: {},
    readUnits: 0,
    writeUnits: 0,
    conflictsMeasured: 0,
    commands: 0,
    refused: 0,
    failed: 0,
  });
  const sides = [
    side(
      'dynago, warm',
      'AggregateRepository, default cache (1 000 aggregates): decide on the cached state, append at its version',
      dynagoLedger(repository(1_000, warmTable, () => counters.warm++)),
      warmTable.client,
      'w',
      () => counters.warm,
    ),
    side(
      'dynago, cold',
      'AggregateRepository with cache: false: every command loads (one Query: snapshot and newer events), then appends',
      dynagoLedger(repository(false, coldTable, () => counters.cold++)),
      coldTable.client,
      'c',
      () => counters.cold,
    ),
    side(
      'raw SDK',
      'hand-written: GetItem snapshot + Query newer events, decide, conditional PutItem (TransactWriteItems for a transfer), reload and retry on conflict',
      raw,
      sdk,
      'r',
      () => raw.conflicts,
    ),
  ];

  /** Runs `work` over `items` with `WORKERS` in flight. */
  const pool = async <T>(items: T[], work: (item: T) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (next < items.length) await work(items[next++] as T);
      }),
    );
  };

  await bench.fixtures.timed(
    `commands: ${accounts} accounts × 3 sides opened`,
    3 * accounts * 2,
    async () => {
      for (const s of sides) await pool(s.ids, (id) => s.ledger.open(id).then(() => undefined));
    },
  );

  const runRound = async (s: SideState, round: number): Promise<number> => {
    const commands = commandsFor(round + warmup, perRound, accounts);
    const metered = meter(s.client);
    const conflictsBefore = s.conflicts();
    const latencies: number[] = [];
    let refused = 0;
    let failed = 0;
    const start = performance.now();
    await pool(commands, async (command) => {
      const from = s.ids[command.from] as string;
      const to = s.ids[command.to] as string;
      const begin = performance.now();
      try {
        if (command.kind === 'deposit') {
          await s.ledger.deposit(from, command.amount);
          s.expected[command.from] = (s.expected[command.from] as number) + command.amount;
        } else if (command.kind === 'withdraw') {
          await s.ledger.withdraw(from, command.amount);
          s.expected[command.from] = (s.expected[command.from] as number) - command.amount;
        } else {
          await s.ledger.transfer(from, to, command.amount);
          s.expected[command.from] = (s.expected[command.from] as number) - command.amount;
          s.expected[command.to] = (s.expected[command.to] as number) + command.amount;
        }
      } catch (error) {
        if (error instanceof AccountRuleError) refused++;
        else if (error instanceof ConcurrencyError || isConflict(error)) failed++;
        else throw error;
      }
      latencies.push(performance.now() - begin);
    });
    const ms = performance.now() - start;
    metered.detach();
    if (round >= 0) {
      s.msPerCommand.push(ms / commands.length);
      s.commandsPerSecond.push((commands.length * 1000) / ms);
      s.latencies.push(...latencies);
      for (const [name, count] of Object.entries(metered.requests))
        s.requests[name] = (s.requests[name] ?? 0) + count;
      s.readUnits += metered.readUnits;
      s.writeUnits += metered.writeUnits;
      s.conflictsMeasured += s.conflicts() - conflictsBefore;
      s.commands += commands.length;
      s.refused += refused;
      s.failed += failed;
    }
    return ms / commands.length;
  };

  await alternate(
    sides.map((s) => ({ name: s.name, sample: (r: number) => runRound(s, r) })),
    { rounds, warmup, log: (line) => bench.log(line), label: 'commands (ms per command)' },
  );

  // The books: every account loaded from DynamoDB (not from any cache) against what was acknowledged.
  const checker = repository(false, ownTable(), () => {});
  const balancesCorrect = new Map<string, boolean>();
  for (const s of sides) {
    let correct = true;
    await pool(
      s.ids.map((id, index) => ({ id, index })),
      async ({ id, index }) => {
        if ((await checker.load(id)).state.balance !== s.expected[index]) correct = false;
      },
    );
    balancesCorrect.set(s.name, correct);
  }

  const perCommand = (s: SideState, value: number) => round(value / s.commands, 4);
  const result: CommandSide[] = sides.map((s) => ({
    name: s.name,
    how: s.how,
    workers: WORKERS,
    accounts,
    commandsPerRound: perRound,
    rounds,
    commandsPerSecond: summaryOf(s.commandsPerSecond),
    requestsPerCommand: perCommand(
      s,
      Object.values(s.requests).reduce((a, b) => a + b, 0),
    ),
    requestsByCommand: Object.fromEntries(
      Object.entries(s.requests).map(([name, count]) => [name, perCommand(s, count)]),
    ),
    readUnitsPerCommand: perCommand(s, s.readUnits),
    writeUnitsPerCommand: perCommand(s, s.writeUnits),
    conflictsPerCommand: perCommand(s, s.conflictsMeasured),
    latencyMs: { p50: round(quantile(s.latencies, 0.5), 3), p99: round(quantile(s.latencies, 0.99), 3) },
    refused: s.refused,
    failed: s.failed,
    balancesCorrect: balancesCorrect.get(s.name) ?? false,
  }));
  for (const r of result) {
    bench.log(
      `commands ${r.name}: ${Math.round(r.commandsPerSecond.median)} commands/s, ${r.requestsPerCommand} requests, ${r.readUnitsPerCommand} RCU, ${r.writeUnitsPerCommand} WCU per command; conflicts ${r.conflictsPerCommand}/command, refused ${r.refused}, failed ${r.failed}, balances ${r.balancesCorrect ? 'correct' : 'WRONG'}`,
    );
  }
  const cost = (s: CommandSide): Cost => ({
    requests: s.requestsPerCommand,
    units: round(s.readUnitsPerCommand + s.writeUnitsPerCommand, 4),
    requestsByCommand: s.requestsByCommand,
    operations: s.commandsPerRound * s.rounds,
  });
  const [warm, cold, sdkSide] = result as [CommandSide, CommandSide, CommandSide];
  const [warmState, coldState, sdkState] = sides as [SideState, SideState, SideState];
  const method = (what: string) =>
    `the ledger's commands (30 % deposits, 10 % withdrawals, 60 % transfers between two accounts, the same ${perRound} commands per round for every side) run by ${WORKERS} workers on ${accounts} accounts per side, snapshotEvery ${SNAPSHOT_EVERY}: ${what} vs the hand-written raw-SDK loop (GetItem snapshot + Query newer events + conditional PutItem, TransactWriteItems for a transfer); ${rounds} rounds after ${warmup} warm-up, the three sides alternated; a sample is a round's wall time over its commands (with ${WORKERS} workers: 1 / throughput)`;
  const comparisons = [
    comparison({
      id: 'commands.warm.sdk',
      workload: 8,
      title: `ledger commands, ${WORKERS} workers: dynago (warm cache) vs raw SDK`,
      unit: 'ms per command',
      method: method('AggregateRepository with its default cache'),
      dynago: { name: warm.name, samples: warmState.msPerCommand, cost: cost(warm) },
      baseline: { name: sdkSide.name, samples: sdkState.msPerCommand, cost: cost(sdkSide) },
    }),
    comparison({
      id: 'commands.cold.sdk',
      workload: 8,
      title: `ledger commands, ${WORKERS} workers: dynago (cache: false) vs raw SDK`,
      unit: 'ms per command',
      method: method('AggregateRepository with cache: false'),
      dynago: { name: cold.name, samples: coldState.msPerCommand, cost: cost(cold) },
      baseline: { name: sdkSide.name, samples: sdkState.msPerCommand, cost: cost(sdkSide) },
    }),
  ];
  sdk.destroy();
  return {
    comparisons,
    commands: {
      sides: result,
      notes: [
        `Each side has its own ${accounts} accounts in one table, opened (Opened + a deposit of ${INITIAL_BALANCE.toLocaleString('en')} cents, so that few commands are refused) before the rounds, by the side itself: the warm repository starts with every account in its cache. Transfers carry a command id (the transfer id), as in examples/ledger; dynago checks it among the last 100 events of both accounts (free when the repository has read that far, else one Query), the raw loop only stores it.`,
        "Requests and capacity units come from an SDK middleware on each side's own client that asks for ReturnConsumedCapacity: 'TOTAL' (read and write units as reported, else by operation); they include retries after conflicts and snapshot writes. A request that fails (a conditional write that loses, a cancelled transaction) reports no capacity: those units are not counted, on either side.",
        'At the end, every account of every side is loaded from DynamoDB (a repository with cache: false) and its balance compared with the commands acknowledged.',
      ],
    },
  };
}
