import { expect } from 'chai';
import { OptimisticLockError, type Table, ValidationError } from '../../src/index.js';
import { recordInputs, rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table without a sort key', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'no-sk', sortKey: false });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('echoes no sort key name', () => {
    expect(table.partitionKeyName).to.equal('pk');
    expect(table.sortKeyName).to.equal(undefined);
  });

  it('puts and gets by partition key alone, sending only pk', async () => {
    const inputs = recordInputs(table.client, 'GetItemCommand');
    try {
      expect(
        await table.putItem('user#1', undefined, { name: 'Ada', sk: 'just an attribute' }),
      ).to.deep.equal({
        pk: 'user#1',
        name: 'Ada',
        sk: 'just an attribute',
      });
      expect(await table.getItem('user#1', undefined, { consistentRead: true })).to.deep.equal({
        pk: 'user#1',
        name: 'Ada',
        sk: 'just an attribute',
      });
      expect(await table.getItem('user#1')).to.deep.equal({
        pk: 'user#1',
        name: 'Ada',
        sk: 'just an attribute',
      });
      expect(inputs.inputs[0]?.Key).to.deep.equal({ pk: 'user#1' });
    } finally {
      inputs.detach();
    }
  });

  it('a sort key value is a ValidationError naming the table, before any request', async () => {
    const requests = countRequests(table.client);
    try {
      for (const call of [
        () => table.getItem('user#1', 'x'),
        () => table.putItem('user#1', 'x', {}),
        () => table.deleteItem('user#1', ''),
        () => table.updateItem('user#1', 0, { set: { n: 1 } }),
      ]) {
        const error = await rejects(call(), ValidationError);
        expect(error.message).to.contain(
          `Table "${table.tableName}" has no sort key, but a sort key value was given`,
        );
      }
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('updates and deletes by partition key alone', async () => {
    await table.putItem('counter', undefined, { n: 1 });
    expect(await table.updateItem('counter', undefined, { add: { n: 2 } })).to.deep.equal({
      pk: 'counter',
      n: 3,
    });
    expect(await table.deleteItem('counter')).to.deep.equal({ pk: 'counter', n: 3 });
    expect(await table.getItem('counter', undefined, { consistentRead: true })).to.equal(undefined);
    expect(await table.deleteItem('counter')).to.equal(undefined);
  });

  it('the optimistic lock creates only when absent (attribute_not_exists on pk)', async () => {
    const lock = (current: number) => ({ optimisticLock: { attribute: 'version', current } });
    await table.putItem('locked', undefined, { n: 1 }, lock(0));
    const error = await rejects(table.putItem('locked', undefined, { n: 2 }, lock(0)), OptimisticLockError);
    expect(error.item).to.deep.equal({ pk: 'locked', n: 1, version: 1 });
    await table.putItem('locked', undefined, { n: 2 }, lock(1));
    expect(await table.getItem('locked', undefined, { consistentRead: true })).to.deep.equal({
      pk: 'locked',
      n: 2,
      version: 2,
    });
  });

  it('query by partition key returns the one item', async () => {
    await table.putItem('q', undefined, { n: 1 });
    expect(await table.query('pk = :pk', { ':pk': 'q' })).to.deep.equal({ items: [{ pk: 'q', n: 1 }] });
    expect(await table.query('pk = :pk', { ':pk': 'q-none' })).to.deep.equal({ items: [] });
  });

  it('batch write, get (order, duplicates, missing) and delete by partition key', async () => {
    const items = Array.from({ length: 130 }, (_, i) => ({ pk: `b#${i}`, i }));
    const requests = countRequests(table.client);
    try {
      await table.batchWriteItems(items);
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: 6 });
      requests.reset();
      const keys = [
        { pk: 'b#129' },
        { pk: 'b#0' },
        { pk: 'b#missing' },
        { pk: 'b#0' },
        ...items.slice(1, 120),
      ];
      const read = await table.batchGetItems(keys);
      expect(read).to.deep.equal([items[129], items[0], ...items.slice(1, 120)]);
      expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 2 });
      requests.reset();
      await table.batchDeleteItems(items.slice(0, 100).map(({ pk }) => ({ pk })));
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: 4 });
    } finally {
      requests.detach();
    }
    const left = await table.batchGetItems(items, { consistentRead: true });
    expect(left).to.deep.equal(items.slice(100));
  });

  it('batch keys may be whole items: an attribute named sk is just an attribute here', async () => {
    await table.putItem('whole', undefined, { sk: 'attribute' });
    const inputs = recordInputs(table.client, 'BatchGetItemCommand');
    try {
      expect(await table.batchGetItems([{ pk: 'whole', sk: 'anything' }])).to.deep.equal([
        { pk: 'whole', sk: 'attribute' },
      ]);
      expect(inputs.inputs[0]).to.deep.equal({
        RequestItems: { [table.tableName]: { Keys: [{ pk: 'whole' }] } },
      });
    } finally {
      inputs.detach();
    }
  });

  it('transactions put and delete by partition key', async () => {
    await table.putItem('t-old', undefined, { n: 1 });
    await table.transactWrite([table.deleteOp('t-old'), table.putOp('t-new', undefined, { n: 2 })]);
    expect(
      await table.batchGetItems([{ pk: 't-old' }, { pk: 't-new' }], { consistentRead: true }),
    ).to.deep.equal([{ pk: 't-new', n: 2 }]);
  });
});

describe('Table with a numeric partition key and no sort key', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'no-sk-n', sortKey: false, partitionKeyType: 'N' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('puts, gets, batch-gets in request order and deletes by number', async () => {
    await table.batchWriteItems([3, 1, 2, 0, -1.5].map((pk) => ({ pk, label: `n${pk}` })));
    expect(await table.getItem(-1.5, undefined, { consistentRead: true })).to.deep.equal({
      pk: -1.5,
      label: 'n-1.5',
    });
    expect(
      await table.batchGetItems([{ pk: 2 }, { pk: 0 }, { pk: 9 }, { pk: 2 }, { pk: -1.5 }]),
    ).to.deep.equal([
      { pk: 2, label: 'n2' },
      { pk: 0, label: 'n0' },
      { pk: -1.5, label: 'n-1.5' },
    ]);
    expect(await table.deleteItem(0)).to.deep.equal({ pk: 0, label: 'n0' });
    expect(await table.getItem(0, undefined, { consistentRead: true })).to.equal(undefined);
  });
});
