/**
 * The soak: the ledger (examples/ledger) with 50 accounts and 8 concurrent workers runs seeded
 * deposits (AggregateRepository.execute, one PutItem) and transfers (Ledger.transfer, one appendMany
 * transaction) while the fault proxy faults 10 % of all requests, every kind mixed. Then, faults off,
 * the books are checked against what each caller was told.
 *
 * Every command carries a unique amount (deposit i: 1 000 000 + i cents; transfer i: 1 + i cents), so
 * each stored event is traced back to the one command that may have written it, whatever ids the
 * library generated on its retries. What the library must guarantee, command by command:
 * - acknowledged: its events are stored exactly once (a deposit: the very event returned);
 * - refused by the account (a domain error): nothing stored;
 * - failed with ConcurrencyError or a non-retryable error: nothing stored (the library knows it did not
 *   write: a conflict whose stored item carried its own ids would have been reported as success);
 * - failed with a retryable DynagoError: the outcome is unknown to the caller (a write may have landed
 *   before the response was lost and the retries failed): stored whole, exactly once, or not at all.
 * So stored deposits = acknowledged deposits + the unknown-outcome ones that landed, and nothing else.
 *
 * SOAK_SEED and SOAK_COMMANDS override the seed and the number of commands.
 */
import { expect } from 'chai';
import { type Account, AccountRuleError, reduceAccount } from '../../examples/ledger/account.js';
import { Ledger } from '../../examples/ledger/ledger.js';
import {
  ConcurrencyError,
  DynagoError,
  EventStore,
  SnapshotStore,
  type StoredEvent,
} from '../../src/index.js';
import { type FaultProxy, mulberry32, startFaultProxy } from '../support/faultProxy.js';
import {
  canonical,
  createProxiedTable,
  type ProxiedTable,
  type RawEvent,
  storedEvents,
} from '../support/reliability.js';
import { testEndpoint } from '../support/tables.js';

const SEED = Number(process.env.SOAK_SEED ?? 20_240_611);
const COMMANDS = Number(process.env.SOAK_COMMANDS ?? 3_000);
const ACCOUNTS = 50;
const WORKERS = 8;
const FAULT_RATE = 0.1;
const FUNDING = 10_000_000;
const DEPOSIT_BASE = 1_000_000;

type Outcome = 'acknowledged' | 'refused' | 'failed';

interface Command {
  index: number;
  kind: 'deposit' | 'transfer';
  account: string;
  to: string;
  amount: number;
  outcome?: Outcome;
  error?: unknown;
  /** The event an acknowledged deposit returned. */
  event?: { id: string; version: number };
}

const accountId = (n: number) => `acct-${String(n).padStart(2, '0')}`;

/** A failure after which the caller cannot know whether its write landed. */
function unknownOutcome(command: Command): boolean {
  return (
    command.outcome === 'failed' &&
    command.error instanceof DynagoError &&
    !(command.error instanceof ConcurrencyError) &&
    command.error.retryable
  );
}

/** The event items inside a PutItem or TransactWriteItems request body (DynamoDB JSON). */
function eventItemsOf(body: string): { type: string; amount: number }[] {
  const request = JSON.parse(body) as {
    Item?: Record<string, { S?: string; N?: string; M?: Record<string, { N?: string }> }>;
    TransactItems?: { Put?: { Item?: Record<string, { S?: string; M?: Record<string, { N?: string }> }> } }[];
  };
  const items = [request.Item, ...(request.TransactItems ?? []).map((entry) => entry.Put?.Item)];
  return items
    .filter((item) => item?.pk?.S?.startsWith('event#'))
    .map((item) => ({ type: item?.type?.S ?? '', amount: Number(item?.data?.M?.amount?.N) }));
}

describe('reliability: soak — the ledger under 10 % faults loses and duplicates nothing', function () {
  this.timeout(300_000);
  let proxy: FaultProxy;
  let tables: ProxiedTable;

  before(async () => {
    proxy = await startFaultProxy({ target: testEndpoint().url, seed: SEED, rate: 0 });
    tables = await createProxiedTable(proxy.url, { prefix: 'soak', client: { maxAttempts: 3 } });
  });

  after(async () => {
    await tables?.direct.deleteTable();
    await proxy?.close();
  });

  it(`${COMMANDS} commands, ${ACCOUNTS} accounts, ${WORKERS} workers, seed ${SEED}: books reconcile exactly`, async () => {
    const { table, direct } = tables;
    const ledger = new Ledger(table, { snapshotEvery: 10 });
    const accounts = Array.from({ length: ACCOUNTS }, (_, index) => accountId(index + 1));
    /** The stream of an account (category `account`): what the raw reads of the table see. */
    const streamOf = (id: string) => ledger.accounts.streamId(id);
    for (const id of accounts) {
      await ledger.open(id, `owner of ${id}`);
      await ledger.deposit(id, FUNDING);
    }

    const random = mulberry32(SEED);
    const pick = () => accounts[Math.floor(random() * ACCOUNTS)] as string;
    const commands: Command[] = Array.from({ length: COMMANDS }, (_, index) => {
      const account = pick();
      if (random() < 0.4)
        return { index, kind: 'deposit', account, to: account, amount: DEPOSIT_BASE + index };
      let to = pick();
      while (to === account) to = pick();
      return { index, kind: 'transfer', account, to, amount: 1 + index };
    });

    proxy.configure({ rate: FAULT_RATE });
    const requestsBefore = proxy.requests;
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (next < commands.length) {
          const command = commands[next++] as Command;
          try {
            if (command.kind === 'deposit') {
              const executed = await ledger.deposit(command.account, command.amount);
              const event = executed.events[0] as StoredEvent;
              command.event = { id: event.id, version: event.version };
            } else {
              await ledger.transfer(command.account, command.to, command.amount);
            }
            command.outcome = 'acknowledged';
          } catch (error) {
            command.outcome = error instanceof AccountRuleError ? 'refused' : 'failed';
            command.error = error;
          }
        }
      }),
    );
    const workloadMs = Date.now() - started;
    const requestsDuringWorkload = proxy.requests - requestsBefore;
    proxy.configure({ rate: 0 });

    // --- what the callers were told ---
    const failed = commands.filter((command) => command.outcome === 'failed');
    const strangeFailures = failed.filter((command) => !(command.error instanceof DynagoError));
    expect(
      strangeFailures.map((command) => String(command.error)),
      'every failure reaches its caller as a DynagoError',
    ).to.deep.equal([]);

    // --- what is stored ---
    const events = await storedEvents(direct);
    const idCounts = new Map<string, number>();
    for (const event of events) idCounts.set(event.id, (idCounts.get(event.id) ?? 0) + 1);
    const duplicateIds = [...idCounts.values()].filter((count) => count > 1).length;

    const byStream = new Map<string, RawEvent[]>();
    for (const event of events)
      byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
    const gaps: string[] = [];
    for (const [streamId, streamEvents] of byStream) {
      streamEvents.forEach((event, index) => {
        if (event.version !== index + 1) gaps.push(`${streamId}: v${event.version} at position ${index + 1}`);
      });
    }

    const byAmount = (type: string) => {
      const map = new Map<number, RawEvent[]>();
      for (const event of events.filter((candidate) => candidate.type === type)) {
        const amount = event.data.amount as number;
        map.set(amount, [...(map.get(amount) ?? []), event]);
      }
      return map;
    };
    const deposits = byAmount('Deposited');
    const outs = byAmount('TransferredOut');
    const ins = byAmount('TransferredIn');
    deposits.delete(FUNDING);

    const problems: string[] = [];
    const duplicatesByCommand: number[] = [];
    let unknownLanded = 0;
    let unknownNotLanded = 0;
    /** Each account's balance as the command log says it must be: funding + every command that landed. */
    const expectedBalance = new Map(accounts.map((id) => [id, FUNDING]));
    const landed = (command: Command) => {
      if (command.kind === 'deposit') {
        expectedBalance.set(command.account, (expectedBalance.get(command.account) ?? 0) + command.amount);
      } else {
        expectedBalance.set(command.account, (expectedBalance.get(command.account) ?? 0) - command.amount);
        expectedBalance.set(command.to, (expectedBalance.get(command.to) ?? 0) + command.amount);
      }
    };
    for (const command of commands) {
      const label = `#${command.index} ${command.kind} ${command.amount} (${command.outcome}${
        command.error ? `: ${(command.error as Error).name}` : ''
      })`;
      const stored =
        command.kind === 'deposit' ? (deposits.get(command.amount) ?? []) : (outs.get(command.amount) ?? []);
      const storedIn = command.kind === 'transfer' ? (ins.get(command.amount) ?? []) : stored;
      deposits.delete(command.amount);
      outs.delete(command.amount);
      ins.delete(command.amount);
      if (stored.length > 1 || storedIn.length > 1) duplicatesByCommand.push(command.index);
      if (command.kind === 'transfer') {
        if (stored.length !== storedIn.length) problems.push(`${label}: half a transfer stored`);
        const [out, into] = [stored[0], storedIn[0]];
        if (out && into) {
          if (out.streamId !== streamOf(command.account) || into.streamId !== streamOf(command.to))
            problems.push(`${label}: stored on the wrong accounts`);
          if (out.data.transferId !== into.data.transferId) problems.push(`${label}: transferIds differ`);
          if (out.data.to !== command.to || into.data.from !== command.account)
            problems.push(`${label}: counterparties wrong`);
        }
      } else if (stored[0] && stored[0].streamId !== streamOf(command.account)) {
        problems.push(`${label}: stored on the wrong account`);
      }
      if (command.outcome === undefined) problems.push(`${label}: the caller was never answered`);
      if (command.outcome === 'acknowledged') {
        landed(command);
        if (stored.length !== 1) problems.push(`${label}: acknowledged but stored ${stored.length} times`);
        if (
          command.event &&
          (stored[0]?.id !== command.event.id || stored[0]?.version !== command.event.version)
        )
          problems.push(`${label}: the stored event is not the one returned`);
      } else if (unknownOutcome(command)) {
        if (stored.length === 1) {
          unknownLanded++;
          landed(command);
        } else unknownNotLanded++;
      } else if (stored.length !== 0) {
        problems.push(`${label}: reported as ${command.outcome} but stored ${stored.length} times`);
      }
    }
    for (const [name, left] of [
      ['Deposited', deposits],
      ['TransferredOut', outs],
      ['TransferredIn', ins],
    ] as const) {
      for (const [amount, stray] of left)
        problems.push(`${stray.length} ${name} of ${amount} that no command wrote`);
    }

    // --- money, state, snapshots ---
    const directStore = new EventStore({ table: direct });
    const snapshots = new SnapshotStore<Account>({ table: direct });
    let total = 0;
    let snapshotsChecked = 0;
    let negative = 0;
    for (const id of accounts) {
      const streamEvents = byStream.get(streamOf(id)) ?? [];
      let state = { open: false, owner: '', balance: 0 } as Account;
      const prefixes: Account[] = [];
      for (const event of streamEvents) {
        state = reduceAccount(state, event as unknown as Parameters<typeof reduceAccount>[1]);
        if (state.balance < 0) negative++;
        prefixes.push(state);
      }
      total += state.balance;
      if (state.balance !== expectedBalance.get(id))
        problems.push(
          `${id}: balance ${state.balance}, but the commands that landed make ${expectedBalance.get(id)}`,
        );
      const read: StoredEvent[] = [];
      for await (const event of directStore.read(streamOf(id))) read.push(event);
      if (read.length !== streamEvents.length) problems.push(`${id}: read() gave ${read.length} events`);
      const loaded = await ledger.accounts.load(id);
      if (loaded.version !== streamEvents.length || canonical(loaded.state) !== canonical(state))
        problems.push(`${id}: snapshot + tail (v${loaded.version}) differs from the rebuild from events`);
      const snapshot = await snapshots.load(streamOf(id));
      if (snapshot) {
        snapshotsChecked++;
        if (canonical(snapshot.state) !== canonical(prefixes[snapshot.version - 1]))
          problems.push(
            `${id}: the snapshot at v${snapshot.version} is not the fold of events 1..${snapshot.version}`,
          );
      }
    }
    // --- dropped write responses: was the library's own write recognised? ---
    const commandByAmount = new Map(commands.map((command) => [command.amount, command]));
    const droppedWrites = { acknowledged: 0, failed: 0, snapshot: 0 };
    for (const dropped of proxy.dropped) {
      if (dropped.operation !== 'PutItem' && dropped.operation !== 'TransactWriteItems') continue;
      const written = eventItemsOf(dropped.body);
      if (written.length === 0) {
        droppedWrites.snapshot++;
        continue;
      }
      const command = commandByAmount.get(written[0]?.amount as number);
      if (command?.outcome === 'acknowledged') droppedWrites.acknowledged++;
      else if (command) droppedWrites.failed++;
    }

    const count = (outcome: Outcome) => commands.filter((command) => command.outcome === outcome).length;
    const failureKinds: Record<string, number> = {};
    for (const command of failed) {
      const key = `${(command.error as Error).name}${(command.error as DynagoError).retryable ? ' (retryable)' : ''}`;
      failureKinds[key] = (failureKinds[key] ?? 0) + 1;
    }
    console.log(
      [
        `      soak seed ${SEED}: ${COMMANDS} commands (${commands.filter((c) => c.kind === 'deposit').length} deposits, ` +
          `${commands.filter((c) => c.kind === 'transfer').length} transfers), ${ACCOUNTS} accounts, ${WORKERS} workers, ` +
          `${(workloadMs / 1000).toFixed(1)} s, ${requestsDuringWorkload} requests through the proxy`,
        `      outcomes: ${count('acknowledged')} acknowledged, ${count('refused')} refused by the account, ${failed.length} failed ` +
          `${JSON.stringify(failureKinds)}; unknown outcome: ${unknownLanded} landed, ${unknownNotLanded} did not`,
        `      faults injected: ${proxy.totalFaults()} ${JSON.stringify(proxy.counts)}`,
        `      dropped write responses: ${droppedWrites.acknowledged} recognised and acknowledged, ` +
          `${droppedWrites.failed} reported failed (unknown outcome), ${droppedWrites.snapshot} snapshot writes`,
        `      conflicts retried: ${ledger.conflicts}; events stored: ${events.length}; snapshots checked: ${snapshotsChecked}`,
        `      duplicates found: ${duplicateIds} duplicate event ids, ${duplicatesByCommand.length} commands stored more than once`,
      ].join('\n'),
    );

    expect(duplicateIds, 'no event id appears twice').to.equal(0);
    expect(duplicatesByCommand, 'no command stored more than once').to.deep.equal([]);
    expect(gaps, 'every stream is gapless').to.deep.equal([]);
    expect(problems).to.deep.equal([]);
    expect(negative, 'no balance ever went negative').to.equal(0);
    const expectedTotal = [...expectedBalance.values()].reduce((sum, balance) => sum + balance, 0);
    expect(
      total,
      'money is conserved: funding + acknowledged deposits + unknown-outcome deposits that landed',
    ).to.equal(expectedTotal);
    // The run exercised what it claims to: faults of every kind, and lost write responses.
    for (const [kind, injected] of Object.entries(proxy.counts)) expect(injected, kind).to.be.greaterThan(0);
    expect(droppedWrites.acknowledged, 'lost write responses recognised as own writes').to.be.greaterThan(0);
    expect(count('acknowledged')).to.be.greaterThan(COMMANDS * 0.9);
  });
});
