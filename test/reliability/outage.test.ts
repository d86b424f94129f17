/**
 * Outage: a DynamoDB Local of its own (Java, data in a directory, on a fixed port) is stopped in the
 * middle of a ledger workload and started again on the same port with the same data. Calls during the
 * outage fail with a retryable DynagoError after bounded retries; the same ledger, stores and repository
 * work again afterwards without being rebuilt; nothing acknowledged is lost or duplicated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { AccountRuleError } from '../../examples/ledger/account.js';
import { Ledger } from '../../examples/ledger/ledger.js';
import {
  ConcurrencyError,
  DynagoError,
  DynamoDBUnavailableError,
  type StoredEvent,
  Table,
} from '../../src/index.js';
import { type DynamoDBHandle, findFreePort, startDynamoDB } from '../../src/testing/index.js';
import { createClient } from '../support/faultProxy.js';
import { storedEvents } from '../support/reliability.js';

type Phase = 'before' | 'outage' | 'after';

interface Command {
  kind: 'deposit' | 'transfer';
  account: string;
  to: string;
  amount: number;
  phase: Phase;
  outcome?: 'acknowledged' | 'refused' | 'failed';
  error?: unknown;
  eventId?: string;
}

const ACCOUNTS = ['acct-1', 'acct-2', 'acct-3', 'acct-4'];
const FUNDING = 1_000_000;

/** Fails (instead of hanging until mocha's timeout) when `promise` takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms: it hangs`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

describe('reliability: outage — DynamoDB stops mid-run and comes back on the same port', function () {
  this.timeout(180_000);
  let dataDir: string;
  let port: number;
  let db: DynamoDBHandle | undefined;
  let table: Table | undefined;

  const start = () =>
    startDynamoDB({ dataDir, port, sources: ['java'], javaOptions: ['-Xmx512m'], startupTimeoutMs: 60_000 });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dynago-outage-'));
    port = await findFreePort();
    db = await start();
  });

  after(async () => {
    await db?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('calls fail retryably during the outage; the same instances recover; nothing acknowledged is lost', async () => {
    const endpoint = (db as DynamoDBHandle).endpoint;
    expect(endpoint).to.equal(`http://127.0.0.1:${port}`);
    table = new Table({
      tableName: 'outage-ledger',
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      client: createClient(endpoint, {
        maxAttempts: 3,
        connectionTimeout: 500,
        requestTimeout: 5_000,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    });
    await table.createTable({ sortKeyType: 'N' });
    const ledger = new Ledger(table, { snapshotEvery: 5 });
    /** The stream of an account (category `account`): what the event and snapshot stores are given. */
    const streamOf = (id: string) => ledger.accounts.streamId(id);
    for (const id of ACCOUNTS) {
      await ledger.open(id, `owner of ${id}`);
      await ledger.deposit(id, FUNDING);
    }

    // A workload of deposits and transfers, each with a unique amount, running through all phases.
    let phase: Phase = 'before';
    let running = true;
    let sequence = 0;
    const commands: Command[] = [];
    const workers = Array.from({ length: 4 }, async (_, worker) => {
      while (running) {
        const index = ++sequence;
        const account = ACCOUNTS[(index + worker) % ACCOUNTS.length] as string;
        const to = ACCOUNTS[(index + worker + 1) % ACCOUNTS.length] as string;
        const command: Command =
          index % 3 === 0
            ? { kind: 'transfer', account, to, amount: index, phase }
            : { kind: 'deposit', account, to: account, amount: 10_000_000 + index, phase };
        commands.push(command);
        try {
          if (command.kind === 'deposit') {
            const executed = await within(ledger.deposit(account, command.amount), 60_000, 'a deposit');
            command.eventId = (executed.events[0] as StoredEvent).id;
          } else {
            await within(ledger.transfer(account, to, command.amount), 60_000, 'a transfer');
          }
          command.outcome = 'acknowledged';
        } catch (error) {
          command.outcome = error instanceof AccountRuleError ? 'refused' : 'failed';
          command.error = error;
          await sleep(20);
        }
      }
    });
    const acknowledged = (during: Phase) =>
      commands.filter((command) => command.phase === during && command.outcome === 'acknowledged').length;

    await until(() => acknowledged('before') >= 40, '40 acknowledged commands before the outage');
    const versionsBefore = new Map<string, number>();
    for (const id of ACCOUNTS) versionsBefore.set(id, await ledger.events.version(streamOf(id)));

    // --- outage ---
    await (db as DynamoDBHandle).stop();
    phase = 'outage';
    const outageCalls: [string, () => Promise<unknown>][] = [
      ['deposit (execute)', () => ledger.deposit('acct-1', 1)],
      ['transfer (appendMany)', () => ledger.transfer('acct-1', 'acct-2', 1)],
      [
        'append',
        () => ledger.events.append(streamOf('acct-3'), [{ type: 'Deposited', data: { amount: 1 } }]),
      ],
      [
        'append at a known version',
        () =>
          ledger.events.append(streamOf('acct-3'), [{ type: 'Deposited', data: { amount: 1 } }], {
            expectedVersion: versionsBefore.get('acct-3') as number,
          }),
      ],
      [
        'read',
        async () => {
          for await (const _ of ledger.events.read(streamOf('acct-1'))) {
            // drain
          }
        },
      ],
      ['readPage', () => ledger.events.readPage(streamOf('acct-2'), { limit: 5 })],
      ['version', () => ledger.events.version(streamOf('acct-4'))],
      ['snapshot load', () => ledger.snapshots.load(streamOf('acct-1'))],
      [
        'snapshot save',
        () =>
          ledger.snapshots.save(streamOf('acct-1'), { open: true, owner: 'x', balance: 0 }, { version: 1 }),
      ],
      ['repository load', () => ledger.accounts.load('acct-2')],
      ['rebuildAll', () => ledger.accounts.rebuildAll()],
    ];
    for (const [what, call] of outageCalls) {
      let error: unknown;
      try {
        await within(call(), 60_000, what);
      } catch (caught) {
        error = caught;
      }
      expect(error, `${what} during the outage`).to.be.instanceOf(DynamoDBUnavailableError);
      expect((error as DynagoError).retryable, what).to.equal(true);
      expect((error as Error).message, what).to.match(/after the SDK's retries.*safe to retry later/);
    }
    await until(
      () =>
        commands.filter((command) => command.phase === 'outage' && command.outcome === 'failed').length >= 8,
      'workload commands failing during the outage',
    );

    // --- back, same port, same data, same instances ---
    db = await start();
    expect(db.endpoint).to.equal(endpoint);
    phase = 'after';
    await until(() => acknowledged('after') >= 40, '40 acknowledged commands after the restart');
    running = false;
    await Promise.all(workers);

    // --- the books ---
    const failures = commands.filter((command) => command.outcome === 'failed');
    for (const command of failures) {
      expect(command.error, String(command.error)).to.be.instanceOf(DynagoError);
      if (command.phase === 'outage') expect((command.error as DynagoError).retryable).to.equal(true);
    }
    const events = await storedEvents(table);
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size, 'no event id twice').to.equal(ids.length);
    for (const id of ACCOUNTS) {
      const versions = events
        .filter((event) => event.streamId === streamOf(id))
        .map((event) => event.version);
      expect(versions, `${id} is gapless`).to.deep.equal(versions.map((_, index) => index + 1));
      expect(versions.length, `${id} kept everything from before the outage`).to.be.at.least(
        versionsBefore.get(id) as number,
      );
    }
    const storedWith = (type: string, amount: number) =>
      events.filter((event) => event.type === type && event.data.amount === amount);
    const expected = new Map(ACCOUNTS.map((id) => [id, FUNDING]));
    let unknownLanded = 0;
    for (const command of commands) {
      const out = storedWith(command.kind === 'deposit' ? 'Deposited' : 'TransferredOut', command.amount);
      const into = command.kind === 'deposit' ? out : storedWith('TransferredIn', command.amount);
      const label = `${command.phase} ${command.kind} ${command.amount} (${command.outcome})`;
      expect(out.length, label).to.be.at.most(1);
      expect(into.length, `${label}: whole or nothing`).to.equal(out.length);
      if (command.outcome === 'acknowledged') {
        expect(out.length, `${label}: acknowledged, so stored`).to.equal(1);
        if (command.eventId) expect(out[0]?.id, label).to.equal(command.eventId);
      } else if (
        command.outcome === 'failed' &&
        !(command.error instanceof ConcurrencyError) &&
        (command.error as DynagoError).retryable
      ) {
        unknownLanded += out.length;
      } else {
        expect(out.length, `${label}: reported as not done, so not stored`).to.equal(0);
      }
      if (out.length === 1) {
        expected.set(
          command.account,
          (expected.get(command.account) ?? 0) -
            (command.kind === 'transfer' ? command.amount : -command.amount),
        );
        if (command.kind === 'transfer')
          expected.set(command.to, (expected.get(command.to) ?? 0) + command.amount);
      }
    }
    for (const id of ACCOUNTS) {
      const loaded = await ledger.accounts.load(id);
      const rebuilt = await ledger.accounts.rebuild(id);
      expect(loaded.state, `${id}: snapshot + tail = rebuild`).to.deep.equal(rebuilt.state);
      expect(loaded.state.balance, `${id}: balance = what the commands that landed make`).to.equal(
        expected.get(id),
      );
    }
    const outage = commands.filter((command) => command.phase === 'outage');
    console.log(
      `      outage: ${commands.length} commands (${acknowledged('before')} acknowledged before, ` +
        `${outage.length} during the outage of which ${outage.filter((c) => c.outcome === 'failed').length} failed, ` +
        `${acknowledged('after')} acknowledged after the restart); ${failures.length} failed in all, ` +
        `${unknownLanded} of them landed (unknown outcome); ${events.length} events stored, none lost, none twice`,
    );
  });
});
