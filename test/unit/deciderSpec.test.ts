import { AssertionError } from 'node:assert';
import { expect } from 'chai';
import {
  type Account,
  type AccountEvent,
  AccountRuleError,
  decide,
  initialAccount,
  reduceAccount,
} from '../../examples/ledger/account.js';
import { type EventInput, ValidationError } from '../../src/index.js';
import { deciderSpec } from '../../src/testing/index.js';
import { rejects } from '../support/helpers.js';

const opened: AccountEvent = { type: 'Opened', data: { owner: 'Ada' } };
const deposited = (amount: number): AccountEvent => ({ type: 'Deposited', data: { amount } });

describe('unit: deciderSpec (given / when / then, no DynamoDB)', () => {
  const spec = deciderSpec<Account, AccountEvent>({ initialState: initialAccount, reduce: reduceAccount });

  it('passes when the command decides exactly the expected events', async () => {
    await spec
      .given([opened, deposited(50)])
      .when((account) => decide.withdraw(account, 20))
      .then([{ type: 'Withdrawn', data: { amount: 20 } }]);
    await spec.when((account) => decide.open(account, 'Ada')).then([opened]);
    await spec
      .given([opened])
      .when(() => [])
      .then([]);
  });

  it('decide sees the state the given events fold to, and the version', async () => {
    const seen: [Account, number][] = [];
    await spec
      .given([opened, deposited(5), deposited(7)])
      .when((account, version) => {
        seen.push([account, version]);
        return [];
      })
      .then([]);
    expect(seen).to.deep.equal([[{ open: true, owner: 'Ada', balance: 12 }, 3]]);
  });

  it('fails with an AssertionError showing expected and actual when the events differ', async () => {
    const error = await rejects(
      spec
        .given([opened])
        .when((account) => decide.deposit(account, 10))
        .then([deposited(11)]),
      AssertionError,
    );
    expect(error.message).to.include('deciderSpec: the command decided other events than expected');
    expect(error.actual).to.deep.equal([{ type: 'Deposited', data: { amount: 10 } }]);
    expect(error.expected).to.deep.equal([{ type: 'Deposited', data: { amount: 11 } }]);
    const more = await rejects(
      spec
        .given([opened])
        .when((account) => [...decide.deposit(account, 1), ...decide.deposit(account, 2)])
        .then([deposited(1)]),
      AssertionError,
    );
    expect(more.actual).to.have.length(2);
    await rejects(
      spec
        .given([opened])
        .when(() => [])
        .then([deposited(1)]),
      AssertionError,
    );
  });

  it('compares metadata, and ids only where the expected events give them', async () => {
    type Sent = AccountEvent & Pick<EventInput, 'id' | 'metadata'>;
    const sent = deciderSpec<Account, Sent>({ initialState: initialAccount, reduce: reduceAccount });
    const withMeta = (account: Account): Sent[] =>
      decide.deposit(account, 1).map((event) => ({ ...event, id: 'dep-1', metadata: { by: 'teller' } }));
    const metadata = { by: 'teller' };
    await sent
      .given([opened])
      .when(withMeta)
      .then([{ ...deposited(1), metadata }]);
    await sent
      .given([opened])
      .when(withMeta)
      .then([{ ...deposited(1), id: 'dep-1', metadata }]);
    await rejects(
      sent
        .given([opened])
        .when(withMeta)
        .then([deposited(1)]),
      AssertionError,
    );
    await rejects(
      sent
        .given([opened])
        .when(withMeta)
        .then([{ ...deposited(1), id: 'other', metadata }]),
      AssertionError,
    );
    // as stored: an undefined property is no difference
    await spec
      .given([opened])
      .when(() => [
        { type: 'Deposited', data: { amount: 1, note: undefined } as unknown as { amount: number } },
      ])
      .then([deposited(1)]);
  });

  it('fails when the command throws but events were expected, with the error as cause', async () => {
    const error = await rejects(
      spec
        .given([])
        .when((account) => decide.deposit(account, 10))
        .then([deposited(10)]),
      AssertionError,
    );
    expect(error.message).to.match(
      /expected the command to decide 1 event, but it threw AccountRuleError: the account is not open/,
    );
    expect(error.cause).to.be.instanceOf(AccountRuleError);
  });

  it('thenThrows: an error class, a predicate, and a message (string or RegExp)', async () => {
    const overdraw = spec.given([opened, deposited(5)]).when((account) => decide.withdraw(account, 20));
    await overdraw.thenThrows(AccountRuleError);
    await overdraw.thenThrows(Error);
    await overdraw.thenThrows(AccountRuleError, 'insufficient funds');
    await overdraw.thenThrows(AccountRuleError, /balance 5, withdrawal 20/);
    await overdraw.thenThrows(
      (error) => error instanceof AccountRuleError && error.message.startsWith('insufficient'),
    );
    await rejects(overdraw.thenThrows(ValidationError), AssertionError);
    await rejects(
      overdraw.thenThrows(() => false),
      AssertionError,
    );
    const wrongMessage = await rejects(overdraw.thenThrows(AccountRuleError, /not open/), AssertionError);
    expect(wrongMessage.message).to.include("expected the command's error message to match /not open/");
  });

  it('thenThrows fails when the command decides events instead', async () => {
    const error = await rejects(
      spec
        .given([opened])
        .when((account) => decide.deposit(account, 3))
        .thenThrows(AccountRuleError),
      AssertionError,
    );
    expect(error.message).to.include(
      'expected the command to throw AccountRuleError, but it decided 1 event',
    );
    expect(error.message).to.include('"amount":3');
  });

  it('decided events that could not be stored fail as they would in production (ValidationError)', async () => {
    await spec
      .given([opened])
      .when(() => [
        { type: 'Deposited', data: { amount: 1, at: new Date() } as unknown as { amount: number } },
      ])
      .thenThrows(ValidationError, /instance of Date/);
  });

  it('a reducer that fails on the given events is a broken setup, not the expected error', async () => {
    const broken = deciderSpec<Account, AccountEvent>({
      initialState: initialAccount,
      reduce: () => {
        throw new RangeError('cannot fold');
      },
    });
    const error = await rejects(
      broken
        .given([opened])
        .when(() => [])
        .thenThrows(RangeError),
    );
    expect(error).to.be.instanceOf(RangeError);
  });

  it('with decide(command, state): when takes commands', async () => {
    type Command = { kind: 'open'; owner: string } | { kind: 'deposit'; amount: number };
    const commands = deciderSpec({
      initialState: initialAccount,
      reduce: reduceAccount,
      decide: (command: Command, account: Account): AccountEvent[] =>
        command.kind === 'open'
          ? decide.open(account, command.owner)
          : decide.deposit(account, command.amount),
      category: 'account',
      aggregateId: 'a-7',
    });
    await commands.when({ kind: 'open', owner: 'Ada' }).then([opened]);
    await commands
      .given([opened])
      .when({ kind: 'deposit', amount: 4 })
      .then([deposited(4)]);
    await commands
      .given([opened])
      .when({ kind: 'open', owner: 'Eve' })
      .thenThrows(AccountRuleError, 'already open');
  });

  it('awaiting a scenario that is not finished rejects, saying how to finish it', async () => {
    const unfinished = spec.given([opened]).when(() => []);
    // what a plain JavaScript caller could write: await the scenario, or pass a callback to then
    const error = await rejects(
      (async () => await (unfinished as unknown as PromiseLike<void>))(),
      TypeError,
    );
    expect(error.message).to.include('finish the scenario with .then([...events])');
    const callback = unfinished as unknown as { then(callback: () => void): Promise<void> };
    await rejects(
      callback.then(() => {}),
      TypeError,
    );
  });

  it('bad options fail where the spec is written', () => {
    expect(() =>
      deciderSpec({ initialState: initialAccount, reduce: reduceAccount, category: 'a-b' }),
    ).to.throw(ValidationError, /category/);
    expect(() =>
      deciderSpec({ initialState: initialAccount, reduce: undefined as unknown as typeof reduceAccount }),
    ).to.throw(ValidationError, /initialState and reduce must be functions/);
  });

  it('runs on its own store every time: scenarios do not see each other', async () => {
    const when = spec.given([opened]).when((account) => decide.open(account, 'Ada'));
    await when.thenThrows(AccountRuleError);
    await when.thenThrows(AccountRuleError);
    await spec.when((account) => decide.open(account, 'Ada')).then([opened]);
  });
});
