import { AggregateRepository, EventStore, SnapshotStore, type Table } from 'dynago';
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

  /**
   * Moves money between two accounts in one transaction: both events are stored, or neither. With both
   * accounts in the repository's cache this is one TransactWriteItems; conflicts are retried by the
   * repository (it reads only what the other writer appended).
   */
  async transfer(from: string, to: string, amount: number): Promise<void> {
    if (from === to) throw new AccountRuleError('a transfer needs two different accounts');
    const transferId = uuidv7();
    await this.accounts.executeMany(
      [from, to],
      ([source, target]) => [
        decide.transferOut((source as { state: Account }).state, amount, to, transferId),
        decide.transferIn((target as { state: Account }).state, amount, from, transferId),
      ],
      { commandId: transferId },
    );
  }
}
