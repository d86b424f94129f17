/**
 * deciderSpec under `node:test`, no mocha and no chai: run by test/unit/deciderSpecRunners.test.ts
 * with `node --import tsx --test` (its name does not end in .test.ts, so mocha does not load it).
 * DECIDER_SPEC_SHOW_FAILURE=1 adds a scenario that must fail, to prove node:test reports the mismatch.
 */
import { test } from 'node:test';
import {
  type Account,
  type AccountEvent,
  AccountRuleError,
  decide,
  initialAccount,
  reduceAccount,
} from '../../../examples/ledger/account.js';
import { deciderSpec } from '../../../src/testing/index.js';

const spec = deciderSpec<Account, AccountEvent>({ initialState: initialAccount, reduce: reduceAccount });
const opened: AccountEvent = { type: 'Opened', data: { owner: 'Ada' } };

test('a deposit on an open account is Deposited', async () => {
  await spec
    .given([opened])
    .when((account) => decide.deposit(account, 25))
    .then([{ type: 'Deposited', data: { amount: 25 } }]);
});

test('a withdrawal over the balance is refused', async () => {
  await spec
    .given([opened, { type: 'Deposited', data: { amount: 10 } }])
    .when((account) => decide.withdraw(account, 11))
    .thenThrows(AccountRuleError, /insufficient funds/);
});

if (process.env.DECIDER_SPEC_SHOW_FAILURE === '1') {
  test('a wrong expectation fails', async () => {
    await spec
      .given([opened])
      .when((account) => decide.deposit(account, 25))
      .then([{ type: 'Deposited', data: { amount: 26 } }]);
  });
}
