import { expect } from 'chai';
import {
  ItemTooLargeError,
  type Table,
  TransactionCanceledError,
  TransactionLimitError,
  ValidationError,
} from '../../src/index.js';
import { recordInputs, rejects, throws } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Table.transactWrite', () => {
  let table: Table;
  let other: Table;

  before(async () => {
    [table, other] = await Promise.all([
      createTestTable({ prefix: 'txn' }),
      createTestTable({ prefix: 'txn-other', sortKey: false }),
    ]);
  });

  after(async () => {
    await Promise.all([table.deleteTable(), other.deleteTable()]);
  });

  const partition = async (pk: string) =>
    (await table.query('pk = :pk', { ':pk': pk }, { consistentRead: true })).items;

  it('a put in a transaction leaves exactly that item', async () => {
    await table.transactWrite([table.putOp('t1', 'a', { n: 1 })]);
    expect(await partition('t1')).to.deep.equal([{ pk: 't1', sk: 'a', n: 1 }]);
  });

  it('putOp: pk/sk arguments override the key attributes the item holds', async () => {
    await table.transactWrite([table.putOp('t1b', 'real', { pk: 'fake', sk: 'fake', n: 1 })]);
    expect(await partition('t1b')).to.deep.equal([{ pk: 't1b', sk: 'real', n: 1 }]);
    expect(await partition('fake')).to.deep.equal([]);
  });

  it('delete one and put another in one transaction leaves only the new one', async () => {
    await table.putItem('t2', 'old', { n: 1 });
    await table.transactWrite([table.deleteOp('t2', 'old'), table.putOp('t2', 'new', { n: 2 })]);
    expect(await partition('t2')).to.deep.equal([{ pk: 't2', sk: 'new', n: 2 }]);
  });

  it('update, condition check and put on two tables, all applied', async () => {
    await table.putItem('t3', 'account', { balance: 10, status: 'open' });
    await table.transactWrite([
      table.updateOp('t3', 'account', { add: { balance: -4 } }),
      table.conditionCheckOp('t3', 'gate', { expression: 'attribute_not_exists(pk)' }),
      other.putOp('t3-ledger', undefined, { amount: -4 }),
    ]);
    expect(await partition('t3')).to.deep.equal([{ pk: 't3', sk: 'account', balance: 6, status: 'open' }]);
    expect(await other.getItem('t3-ledger', undefined, { consistentRead: true })).to.deep.equal({
      pk: 't3-ledger',
      amount: -4,
    });
  });

  it('a cancellation gives one reason per operation, with codes and the unmarshalled items, and writes nothing', async () => {
    await table.putItem('t4', 'taken', { owner: 'first', tags: new Set(['x']) });
    await table.putItem(
      't4',
      'versioned',
      { n: 1 },
      { optimisticLock: { attribute: 'version', current: 0 } },
    );
    await table.putItem(
      't4',
      'versioned',
      { n: 2 },
      { optimisticLock: { attribute: 'version', current: 1 } },
    );
    const error = await rejects(
      table.transactWrite([
        table.putOp(
          't4',
          'taken',
          { owner: 'second' },
          { condition: { expression: 'attribute_not_exists(pk)' } },
        ),
        table.putOp('t4', 'fine', { n: 1 }),
        table.conditionCheckOp('t4', 'missing', { expression: 'attribute_exists(pk)' }),
        table.updateOp(
          't4',
          'versioned',
          { set: { n: 99 } },
          { optimisticLock: { attribute: 'version', current: 1 } },
        ),
        table.deleteOp('t4', 'also-fine'),
      ]),
      TransactionCanceledError,
    );
    expect(error.code).to.equal('transaction.canceled');
    expect(error.reasons.map((reason) => reason.code)).to.deep.equal([
      'ConditionalCheckFailed',
      'None',
      'ConditionalCheckFailed',
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(error.reasons[0]?.item).to.deep.equal({
      pk: 't4',
      sk: 'taken',
      owner: 'first',
      tags: new Set(['x']),
    });
    expect(error.reasons[1]).to.deep.equal({ code: 'None' });
    expect(error.reasons[2]?.item).to.equal(undefined);
    expect(error.reasons[3]?.item).to.deep.equal({ pk: 't4', sk: 'versioned', n: 2, version: 2 });
    expect(error.reasons[0]?.message).to.be.a('string').and.not.equal('');
    expect(error.message).to.match(
      /^Transaction cancelled, nothing was written\. Failed operations: #0: ConditionalCheckFailed.*, #2: ConditionalCheckFailed.*, #3: ConditionalCheckFailed/,
    );
    expect((error.cause as Error).name).to.equal('TransactionCanceledException');
    expect(await partition('t4')).to.deep.equal([
      { pk: 't4', sk: 'taken', owner: 'first', tags: new Set(['x']) },
      { pk: 't4', sk: 'versioned', n: 2, version: 2 },
    ]);
  });

  it('100 operations are fine; 101 throw TransactionLimitError before any request', async () => {
    const ops = (count: number) =>
      Array.from({ length: count }, (_, i) => table.putOp('t5', String(i).padStart(3, '0'), { i }));
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.transactWrite(ops(101)), TransactionLimitError);
      expect(error.code).to.equal('transaction.limit');
      expect(error.message).to.contain('101 operations');
      expect(error.message).to.contain('at most 100');
      expect(requests.total()).to.equal(0);
      expect(await partition('t5')).to.deep.equal([]);
      requests.reset();
      await table.transactWrite(ops(100));
      expect(requests.counts).to.deep.equal({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.detach();
    }
    expect(await partition('t5')).to.have.length(100);
  });

  for (const [what, build] of [
    ['a put and a delete', (t: Table) => [t.putOp('t6', 'same', { n: 1 }), t.deleteOp('t6', 'same')]],
    [
      'a condition check and an update',
      (t: Table) => [
        t.putOp('t6', 'other', { n: 1 }),
        t.conditionCheckOp('t6', 'same', { expression: 'attribute_not_exists(pk)' }),
        t.updateOp('t6', 'same', { set: { n: 2 } }),
      ],
    ],
  ] as const) {
    it(`two operations on one item (${what}) throw ValidationError before any request`, async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(table.transactWrite(build(table)), ValidationError);
        expect(error.message).to.contain('touches an item that an earlier operation touches');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await partition('t6')).to.deep.equal([]);
    });
  }

  it('two keys that differ only in where a NUL character splits them are two items, not a conflict', async () => {
    await table.transactWrite([
      table.putOp('t6b\u0000string:x', 'y', { which: 'first' }),
      table.putOp('t6b', 'x\u0000string:y', { which: 'second' }),
    ]);
    expect(await partition('t6b')).to.deep.equal([{ pk: 't6b', sk: 'x\u0000string:y', which: 'second' }]);
  });

  it('the same key on two different tables is two items, not a conflict', async () => {
    await table.transactWrite([table.putOp('t7', 'x', { n: 1 }), other.putOp('t7', undefined, { n: 2 })]);
    expect(await partition('t7')).to.deep.equal([{ pk: 't7', sk: 'x', n: 1 }]);
  });

  it('sends a new ClientRequestToken (a UUID) with every call, or the one given', async () => {
    const inputs = recordInputs(table.client, 'TransactWriteItemsCommand');
    try {
      await table.transactWrite([table.putOp('t8', 'a', { n: 1 })]);
      await table.transactWrite([table.putOp('t8', 'a', { n: 2 })]);
      await table.transactWrite([table.putOp('t8', 'a', { n: 3 })], { clientRequestToken: 'my-token-1' });
      const tokens = inputs.inputs.map((input) => input.ClientRequestToken);
      expect(tokens[0]).to.match(UUID_V4);
      expect(tokens[1]).to.match(UUID_V4);
      expect(tokens[0]).not.to.equal(tokens[1]);
      expect(tokens[2]).to.equal('my-token-1');
    } finally {
      inputs.detach();
    }
  });

  it('the same token sent twice applies the transaction once (idempotent retries)', async () => {
    const op = () => table.updateOp('t9', 'counter', { add: { n: 1 } });
    await table.transactWrite([op()], { clientRequestToken: 'token-t9' });
    await table.transactWrite([op()], { clientRequestToken: 'token-t9' });
    expect(await partition('t9')).to.deep.equal([{ pk: 't9', sk: 'counter', n: 1 }]);
  });

  it('an empty list sends no request', async () => {
    const requests = countRequests(table.client);
    try {
      await table.transactWrite([]);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('operation builders validate at once: an oversize put, an empty key, a missing condition', () => {
    const big = throws(() => table.putOp('t10', 'big', { data: 'x'.repeat(410_000) }), ItemTooLargeError);
    expect(big.message).to.contain("over DynamoDB's item limit");
    const empty = throws(() => table.deleteOp('t10', ''), ValidationError);
    expect(empty.message).to.contain('"sk" cannot be an empty string');
    const noCondition = throws(
      () => table.conditionCheckOp('t10', 'x', undefined as unknown as { expression: string }),
      ValidationError,
    );
    expect(noCondition.message).to.contain('needs a condition');
  });

  it('an operation not built by the table throws ValidationError before any request', async () => {
    const requests = countRequests(table.client);
    try {
      const forged = {
        kind: 'put',
        request: { Put: { TableName: table.tableName, Item: { pk: 'x', sk: 'y' } } },
      };
      const error = await rejects(
        table.transactWrite([table.putOp('t11', 'a', {}), forged as unknown as ReturnType<Table['putOp']>]),
        ValidationError,
      );
      expect(error.message).to.contain('operations[1] was not built by table.putOp');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });
});
