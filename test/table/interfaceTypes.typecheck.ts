/**
 * Type-level test, checked by `tsc --noEmit` (npm run lint) and never run: the Table API takes items
 * typed with interfaces, which TypeScript does not let be assigned to `Record<string, unknown>`, and
 * still refuses what cannot be an item. A `@ts-expect-error` that stops being an error fails the check.
 */
import type { KeyValue, Table, TransactOperation } from 'dynago';

interface Account {
  pk: string;
  sk: string;
  balance: number;
  owner?: string;
}

interface AccountKey {
  pk: string;
  sk: string;
}

interface BalanceChange {
  balance: number;
}

export async function interfaceItems(table: Table, account: Account, accounts: readonly Account[]) {
  const stored: Account = await table.putItem(account.pk, account.sk, account);
  const locked: Account = await table.putItem(account.pk, account.sk, account, {
    optimisticLock: { attribute: 'version', current: 1 },
  });

  const got: Account | undefined = await table.getItem<Account>('account#1', 'account#1');
  const keys: AccountKey[] = [{ pk: 'account#1', sk: 'account#1' }];
  const many: Account[] = await table.batchGetItems<Account>(keys);
  await table.batchWriteItems(accounts);
  await table.batchDeleteItems(keys);

  const change: BalanceChange = { balance: 10 };
  const updated: Account = await table.updateItem<Account>('account#1', 'account#1', { set: change });
  const deleted: Account | undefined = await table.deleteItem<Account>('account#1', 'account#1');

  const page: Account[] = (await table.query<Account>('pk = :pk', { ':pk': 'account#1' })).items;
  for await (const item of table.queryAll<Account>('pk = :pk', { ':pk': 'account#1' }))
    item.balance satisfies number;
  for await (const items of table.queryPages<Account>('pk = :pk', { ':pk': 'account#1' }))
    items satisfies Account[];
  for await (const item of table.scanAll<Account>()) item.balance satisfies number;
  table.scanSegments<Account>({ segments: 2 }) satisfies AsyncIterable<Account>[];

  const operations: TransactOperation[] = [
    table.putOp(account.pk, account.sk, account),
    table.updateOp(account.pk, account.sk, { set: change }),
  ];
  await table.transactWrite(operations);

  return { stored, locked, got, many, updated, deleted, page };
}

export async function whatIsNotAnItem(table: Table, key: KeyValue) {
  // @ts-expect-error a string is not an item
  await table.putItem(key, key, 'balance');
  // @ts-expect-error nor is a number
  await table.putOp(key, key, 42);
  // @ts-expect-error nor null
  await table.putItem(key, key, null);
  // @ts-expect-error an item type is an object type
  await table.getItem<string>(key, key);
  // @ts-expect-error an item type is an object type
  await table.query<number>('pk = :pk', { ':pk': key });
  // @ts-expect-error items are objects
  await table.batchWriteItems([1, 2]);
  // @ts-expect-error keys are objects
  await table.batchGetItems(['account#1']);
  // @ts-expect-error set takes an object of attributes
  await table.updateItem(key, key, { set: 10 });
  // @ts-expect-error the returned item has the type of the item put
  const wrong: { balance: string } = await table.putItem(key, key, { balance: 1 });
  return wrong;
}
