import type { EventInput, StoredOf } from 'dynago';

/** The events of a ledger account. Amounts are integers in cents. */
export type AccountEvent =
  | { type: 'Opened'; data: { owner: string } }
  | { type: 'Deposited'; data: { amount: number } }
  | { type: 'Withdrawn'; data: { amount: number } }
  | { type: 'TransferredOut'; data: { amount: number; to: string; transferId: string } }
  | { type: 'TransferredIn'; data: { amount: number; from: string; transferId: string } };

export interface Account {
  open: boolean;
  owner: string;
  balance: number;
}

/** A command the account refuses: a domain error, never retried. */
export class AccountRuleError extends Error {
  override name = 'AccountRuleError';
}

export const initialAccount = (): Account => ({ open: false, owner: '', balance: 0 });

/** Evolve: one event applied to the state. */
export function reduceAccount(account: Account, event: StoredOf<AccountEvent>): Account {
  switch (event.type) {
    case 'Opened':
      return { open: true, owner: event.data.owner, balance: 0 };
    case 'Deposited':
    case 'TransferredIn':
      return { ...account, balance: account.balance + event.data.amount };
    case 'Withdrawn':
    case 'TransferredOut':
      return { ...account, balance: account.balance - event.data.amount };
  }
}

/** Decide: the events a command produces, or a domain error. */
export const decide = {
  open(account: Account, owner: string): AccountEvent[] {
    if (account.open) throw new AccountRuleError('the account is already open');
    return [{ type: 'Opened', data: { owner } }];
  },
  deposit(account: Account, amount: number): AccountEvent[] {
    mustBeOpen(account);
    positive(amount);
    return [{ type: 'Deposited', data: { amount } }];
  },
  withdraw(account: Account, amount: number): AccountEvent[] {
    mustBeOpen(account);
    positive(amount);
    if (amount > account.balance) {
      throw new AccountRuleError(`insufficient funds: balance ${account.balance}, withdrawal ${amount}`);
    }
    return [{ type: 'Withdrawn', data: { amount } }];
  },
  transferOut(account: Account, amount: number, to: string, transferId: string): AccountEvent[] {
    decide.withdraw(account, amount);
    return [{ type: 'TransferredOut', data: { amount, to, transferId } }];
  },
  transferIn(account: Account, amount: number, from: string, transferId: string): AccountEvent[] {
    decide.deposit(account, amount);
    return [{ type: 'TransferredIn', data: { amount, from, transferId } }];
  },
} satisfies Record<string, (account: Account, ...args: never[]) => EventInput[]>;

function mustBeOpen(account: Account): void {
  if (!account.open) throw new AccountRuleError('the account is not open');
}

function positive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new AccountRuleError('amounts are positive whole cents');
}
