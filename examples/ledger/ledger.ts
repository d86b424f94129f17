import { AggregateRepository, ConcurrencyError, EventStore, SnapshotStore, type Table } from 'dynago';
import pRetry, { AbortError } from 'p-retry';
import { v7 as uuidv7 } from 'uuid';
import {
  type Account,
  type AccountEvent,
  AccountRuleError,
  decide,
  initialAccount,
  reduceAccount,
} from './account.js';

/**
 * A ledger of accounts on one table: deposits and withdrawals through the repository, transfers as one
 * atomic appendMany on both accounts, retried on conflicts like any command.
 */
export class Ledger {
  readonly events: EventStore;
  readonly snapshots: SnapshotStore<Account>;
  readonly accounts: AggregateRepository<Account, AccountEvent>;
  conflicts = 0;

  constructor(table: Table, options: { snapshotEvery?: number } = {}) {
    this.events = new EventStore({ table });
    this.snapshots = new SnapshotStore<Account>({ table });
    this.accounts = new AggregateRepository<Account, AccountEvent>({
      category: 'account',
      events: this.events,
      snapshots: this.snapshots,
      initialState: initialAccount,
      reduce: reduceAccount,
      snapshotEvery: options.snapshotEvery ?? 100,
      onConflict: () => this.conflicts++,
    });
  }

  open(id: string, owner: string) {
    return this.accounts.execute(id, (account) => decide.open(account, owner));
  }

  deposit(id: string, amount: number) {
    return this.accounts.execute(id, (account) => decide.deposit(account, amount));
  }

  withdraw(id: string, amount: number) {
    return this.accounts.execute(id, (account) => decide.withdraw(account, amount));
  }

  /** Moves money between two accounts in one transaction: both events are stored, or neither. */
  async transfer(from: string, to: string, amount: number): Promise<void> {
    if (from === to) throw new AccountRuleError('a transfer needs two different accounts');
    const transferId = uuidv7();
    await pRetry(
      async () => {
        const [source, target] = await Promise.all([this.accounts.load(from), this.accounts.load(to)]);
        let out: AccountEvent[];
        let into: AccountEvent[];
        try {
          out = decide.transferOut(source.state, amount, to, transferId);
          into = decide.transferIn(target.state, amount, from, transferId);
        } catch (error) {
          throw new AbortError(error as Error); // a domain error: not retried
        }
        await this.events.appendMany([
          { streamId: this.accounts.streamId(from), events: out, expectedVersion: source.version },
          { streamId: this.accounts.streamId(to), events: into, expectedVersion: target.version },
        ]);
      },
      {
        retries: 9,
        minTimeout: 10,
        maxTimeout: 1_000,
        randomize: true,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (error instanceof ConcurrencyError && retriesLeft > 0) this.conflicts++;
        },
        shouldRetry: ({ error }) => error instanceof ConcurrencyError,
      },
    );
  }
}
