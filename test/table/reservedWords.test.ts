import { expect } from 'chai';
import { ConditionFailedError, OptimisticLockError, Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { collect, rejects } from '../support/helpers.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

// name, status, size, data, comment, count, timestamp, value: all DynamoDB reserved words.
const product = {
  pk: 'product',
  sk: '1',
  name: 'Lamp',
  status: 'ACTIVE',
  size: 3,
  data: { color: 'red' },
  comment: 'bright',
  count: 10,
};

describe('Table with reserved words as attribute names', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'reserved' });
    await table.putItem('product', '1', product);
    await table.putItem('product', '2', { ...product, sk: '2', name: 'Chair', status: 'RETIRED', size: 5 });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('items holding them are written and read back', async () => {
    expect(await table.getItem('product', '1', { consistentRead: true })).to.deep.equal(product);
  });

  it('fields can name them', async () => {
    const result = await table.query(
      'pk = :pk',
      { ':pk': 'product' },
      { fields: ['name', 'status', 'size', 'data'] },
    );
    expect(result.items).to.deep.equal([
      { name: 'Lamp', status: 'ACTIVE', size: 3, data: { color: 'red' } },
      { name: 'Chair', status: 'RETIRED', size: 5, data: { color: 'red' } },
    ]);
  });

  it('a filter uses them through names', async () => {
    const result = await table.query(
      'pk = :pk',
      { ':pk': 'product', ':s': 'RETIRED', ':min': 4 },
      { filter: '#status = :s AND #size >= :min', names: { '#status': 'status', '#size': 'size' } },
    );
    expect(result.items.map((item) => item.name)).to.deep.equal(['Chair']);
  });

  it('a filter and fields together, with the caller naming a field #dg0 as well', async () => {
    const result = await table.query(
      'pk = :pk',
      { ':pk': 'product', ':s': 'ACTIVE' },
      { filter: '#dg0 = :s', names: { '#dg0': 'status' }, fields: ['name', 'status'] },
    );
    expect(result.items).to.deep.equal([{ name: 'Lamp', status: 'ACTIVE' }]);
  });

  it('updateItem sets, adds to and removes them, and returns the new item', async () => {
    await table.putItem('product', '3', product);
    const updated = await table.updateItem('product', '3', {
      set: { name: 'Desk', status: 'SOLD' },
      add: { size: 2, count: -1, timestamp: 5 },
      remove: ['data', 'comment'],
    });
    const expected = {
      pk: 'product',
      sk: '3',
      name: 'Desk',
      status: 'SOLD',
      size: 5,
      count: 9,
      timestamp: 5,
    };
    expect(updated).to.deep.equal(expected);
    expect(await table.getItem('product', '3', { consistentRead: true })).to.deep.equal(expected);
  });

  it('conditions use them through names', async () => {
    await table.putItem('product', '4', product);
    const condition = {
      expression: '#status = :s',
      names: { '#status': 'status' },
      values: { ':s': 'RETIRED' },
    };
    const error = await rejects(
      table.updateItem('product', '4', { set: { value: 1 } }, { condition }),
      ConditionFailedError,
    );
    expect(error.item).to.deep.equal({ ...product, sk: '4' });
    await table.updateItem(
      'product',
      '4',
      { set: { value: 1 } },
      { condition: { ...condition, values: { ':s': 'ACTIVE' } } },
    );
    expect(await table.getItem('product', '4', { consistentRead: true })).to.deep.equal({
      ...product,
      sk: '4',
      value: 1,
    });
  });

  it('a reserved word as the optimistic lock attribute works', async () => {
    const lock = (current: number) => ({ optimisticLock: { attribute: 'timestamp', current } });
    await table.putItem('product', '5', { name: 'Shelf' }, lock(0));
    await table.putItem('product', '5', { name: 'Shelf 2' }, lock(1));
    const error = await rejects(
      table.putItem('product', '5', { name: 'Lost' }, lock(1)),
      OptimisticLockError,
    );
    expect(error.item).to.deep.equal({ pk: 'product', sk: '5', name: 'Shelf 2', timestamp: 2 });
  });

  it('update attribute names are taken literally: dots, dashes, spaces and #/: characters', async () => {
    await table.putItem('literal', '1', { nested: { a: 1 } });
    const updated = await table.updateItem('literal', '1', {
      set: { 'nested.a': 'top-level', 'first-name': 'Ada', 'with space': true, '#hash': 1, ':colon': 2 },
    });
    expect(updated).to.deep.equal({
      pk: 'literal',
      sk: '1',
      nested: { a: 1 },
      'nested.a': 'top-level',
      'first-name': 'Ada',
      'with space': true,
      '#hash': 1,
      ':colon': 2,
    });
  });
});

describe('Table with values that look like expression syntax', () => {
  let table: Table;
  const tricky = {
    injection: ':x OR 1=1',
    hash: '#a',
    both: '#a = :b',
    expression: 'attribute_exists(pk) AND size(#x) > :y',
    quote: '") OR ("',
  };

  before(async () => {
    table = await createTestTable({ prefix: 'syntax' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('are stored and read back verbatim, as attribute values and as key values', async () => {
    await table.putItem(':x OR 1=1', '#a', tricky);
    expect(await table.getItem(':x OR 1=1', '#a', { consistentRead: true })).to.deep.equal({
      pk: ':x OR 1=1',
      sk: '#a',
      ...tricky,
    });
  });

  it('are matched verbatim as query, filter and condition values', async () => {
    await table.putItem(':x OR 1=1', '#b', { injection: 'something else' });
    const byKey = await table.query('pk = :pk and sk = :sk', { ':pk': ':x OR 1=1', ':sk': '#a' });
    expect(byKey.items.map((item) => item.sk)).to.deep.equal(['#a']);
    const filtered = await table.query(
      'pk = :pk',
      { ':pk': ':x OR 1=1', ':v': ':x OR 1=1' },
      { filter: '#i = :v', names: { '#i': 'injection' } },
    );
    expect(filtered.items.map((item) => item.sk)).to.deep.equal(['#a']);
    expect(await collect(table.queryAll('pk = :pk', { ':pk': ':x' }))).to.deep.equal([]);

    const condition = {
      expression: '#h = :h',
      names: { '#h': 'hash' },
      values: { ':h': '#a OR attribute_exists(pk)' },
    };
    await rejects(
      table.updateItem(':x OR 1=1', '#a', { set: { n: 1 } }, { condition }),
      ConditionFailedError,
    );
    await table.updateItem(
      ':x OR 1=1',
      '#a',
      { set: { n: 1 } },
      { condition: { ...condition, values: { ':h': '#a' } } },
    );
    expect((await table.getItem(':x OR 1=1', '#a', { consistentRead: true }))?.n).to.equal(1);
  });

  it('are set verbatim by updateItem', async () => {
    const updated = await table.updateItem('upd', '1', { set: { a: ':dg0', b: '#dg0', c: 'SET x = :y' } });
    expect(updated).to.deep.equal({ pk: 'upd', sk: '1', a: ':dg0', b: '#dg0', c: 'SET x = :y' });
  });
});

describe('Table whose key attributes are reserved words (data, size)', () => {
  let table: Table;

  before(async () => {
    const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
    table = new Table({
      tableName: createTestTableName('reserved-keys'),
      partitionKeyName: 'data',
      sortKeyName: 'size',
      region,
      endpoint: { url, accessKeyId, secretAccessKey },
    });
    await table.createTable({ sortKeyType: 'N' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('put, get, lock, update, query, batch and delete all work', async () => {
    await table.putItem('d', 1, { name: 'one' }, { optimisticLock: { attribute: 'version', current: 0 } });
    const taken = await rejects(
      table.putItem('d', 1, { name: 'again' }, { optimisticLock: { attribute: 'version', current: 0 } }),
      OptimisticLockError,
    );
    expect(taken.item).to.deep.equal({ data: 'd', size: 1, name: 'one', version: 1 });
    expect(await table.updateItem('d', 1, { set: { status: 'ok' } })).to.deep.equal({
      data: 'd',
      size: 1,
      name: 'one',
      version: 1,
      status: 'ok',
    });
    await table.batchWriteItems([
      { data: 'd', size: 3, name: 'three' },
      { data: 'd', size: 2, name: 'two' },
    ]);
    const page = await table.query(
      '#d = :d and #s > :min',
      { ':d': 'd', ':min': 1 },
      {
        names: { '#d': 'data', '#s': 'size' },
        limit: 1,
      },
    );
    expect(page.items).to.deep.equal([{ data: 'd', size: 2, name: 'two' }]);
    const rest = await table.query(
      '#d = :d and #s > :min',
      { ':d': 'd', ':min': 1 },
      {
        names: { '#d': 'data', '#s': 'size' },
        cursor: page.cursor,
      },
    );
    expect(rest.items).to.deep.equal([{ data: 'd', size: 3, name: 'three' }]);
    expect(
      await table.batchGetItems([
        { data: 'd', size: 3 },
        { data: 'd', size: 2 },
      ]),
    ).to.deep.equal([
      { data: 'd', size: 3, name: 'three' },
      { data: 'd', size: 2, name: 'two' },
    ]);
    expect(
      await table.deleteItem('d', 2, {
        condition: { expression: 'attribute_exists(#n)', names: { '#n': 'name' } },
      }),
    ).to.deep.equal({ data: 'd', size: 2, name: 'two' });
    await table.batchDeleteItems([{ data: 'd', size: 3 }]);
    const all = await table.query(
      '#d = :d',
      { ':d': 'd' },
      { names: { '#d': 'data' }, consistentRead: true },
    );
    expect(all.items.map((item) => item.size)).to.deep.equal([1]);
  });
});
