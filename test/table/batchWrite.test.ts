import { expect } from 'chai';
import { ItemTooLargeError, type Table, ValidationError } from '../../src/index.js';
import { pad, recordInputs, rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

const itemsOf = (pk: string, count: number) =>
  Array.from({ length: count }, (_, n) => ({ pk, sk: pad(n), n, label: `${pk}-${n}` }));

describe('Table.batchWriteItems', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'batch-write' });
  });

  after(async () => {
    await table.deleteTable();
  });

  const partition = async (pk: string) =>
    (await table.query('pk = :pk', { ':pk': pk }, { consistentRead: true, limit: 1000 })).items;

  it('writes 60 items in 3 requests of at most 25, all readable afterwards', async () => {
    const items = itemsOf('w60', 60);
    const inputs = recordInputs(table.client, 'BatchWriteItemCommand');
    const requests = countRequests(table.client);
    try {
      await table.batchWriteItems(items);
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: 3 });
      const sizes = inputs.inputs.map(
        (input) => (input.RequestItems as Record<string, unknown[]>)[table.tableName]?.length,
      );
      expect(sizes.sort((a, b) => (b ?? 0) - (a ?? 0))).to.deep.equal([25, 25, 10]);
    } finally {
      inputs.detach();
      requests.detach();
    }
    expect(await partition('w60')).to.deep.equal(items);
    expect(await table.batchGetItems(items, { consistentRead: true })).to.deep.equal(items);
  });

  it('exactly 25 items take one request', async () => {
    const requests = countRequests(table.client);
    try {
      await table.batchWriteItems(itemsOf('w25', 25));
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: 1 });
    } finally {
      requests.detach();
    }
    expect(await partition('w25')).to.have.length(25);
  });

  it('two keys that differ only in where a NUL character splits them are not duplicates', async () => {
    const items = [
      { pk: 'nul\u0000string:x', sk: 'y', which: 'first' },
      { pk: 'nul', sk: 'x\u0000string:y', which: 'second' },
    ];
    await table.batchWriteItems(items);
    expect(await table.batchGetItems(items, { consistentRead: true })).to.have.deep.members(items);
  });

  it('an empty list sends no request', async () => {
    const requests = countRequests(table.client);
    try {
      await table.batchWriteItems([]);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('replaces existing items whole', async () => {
    await table.batchWriteItems([{ pk: 'replace', sk: '1', a: 1, b: 2 }]);
    await table.batchWriteItems([{ pk: 'replace', sk: '1', b: 3 }]);
    expect(await partition('replace')).to.deep.equal([{ pk: 'replace', sk: '1', b: 3 }]);
  });

  describe('rejects the whole batch before any request, writing nothing, when', () => {
    const cases: [
      string,
      Record<string, unknown>[],
      typeof ValidationError | typeof ItemTooLargeError,
      string,
    ][] = [
      [
        'two items have the same key',
        [...itemsOf('bad-dup', 30), { pk: 'bad-dup', sk: pad(3), other: true }],
        ValidationError,
        'items[30] has the same key as an earlier item',
      ],
      [
        'an item has no sort key',
        [...itemsOf('bad-nosk', 3), { pk: 'bad-nosk', n: 3 }],
        ValidationError,
        'batchWriteItems items[3]: Key attribute "sk" is missing',
      ],
      [
        'an item has an empty partition key',
        [...itemsOf('bad-empty', 2), { pk: '', sk: 'x' }],
        ValidationError,
        'items[2]: Key attribute "pk" cannot be an empty string',
      ],
      [
        'an item holds a Date',
        [...itemsOf('bad-date', 40), { pk: 'bad-date', sk: 'z', when: new Date() }],
        ValidationError,
        'items[40].when is an instance of Date',
      ],
      [
        'an item is over 400 KB',
        [...itemsOf('bad-big', 26), { pk: 'bad-big', sk: 'z', data: 'x'.repeat(410_000) }],
        ItemTooLargeError,
        "over DynamoDB's item limit of 409600 bytes",
      ],
    ];
    for (const [what, items, type, message] of cases) {
      it(what, async () => {
        const requests = countRequests(table.client);
        try {
          const error = await rejects(table.batchWriteItems(items), type);
          expect(error.message).to.contain(message);
          expect(requests.total()).to.equal(0);
        } finally {
          requests.detach();
        }
        expect(await partition(items[0]?.pk as string)).to.deep.equal([]);
      });
    }
  });
});

describe('Table.batchDeleteItems', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'batch-delete' });
  });

  after(async () => {
    await table.deleteTable();
  });

  const partition = async (pk: string) =>
    (await table.query('pk = :pk', { ':pk': pk }, { consistentRead: true, limit: 1000 })).items;

  it('deletes 60 items in 3 requests, leaving the others', async () => {
    const items = itemsOf('d60', 70);
    await table.batchWriteItems(items);
    const requests = countRequests(table.client);
    try {
      await table.batchDeleteItems(items.slice(0, 60).map(({ pk, sk }) => ({ pk, sk })));
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: 3 });
    } finally {
      requests.detach();
    }
    expect(await partition('d60')).to.deep.equal(items.slice(60));
  });

  it('removes duplicate keys: 30 distinct keys given twice take 2 requests (25 + 5)', async () => {
    const items = itemsOf('d30', 30);
    await table.batchWriteItems(items);
    const inputs = recordInputs(table.client, 'BatchWriteItemCommand');
    try {
      await table.batchDeleteItems([...items, ...items].map(({ pk, sk }) => ({ pk, sk })));
      const sizes = inputs.inputs.map(
        (input) => (input.RequestItems as Record<string, unknown[]>)[table.tableName]?.length,
      );
      expect(sizes.sort((a, b) => (b ?? 0) - (a ?? 0))).to.deep.equal([25, 5]);
    } finally {
      inputs.detach();
    }
    expect(await partition('d30')).to.deep.equal([]);
  });

  it('accepts whole items as keys, and keys of missing items', async () => {
    const items = itemsOf('dwhole', 3);
    await table.batchWriteItems(items);
    await table.batchDeleteItems([items[0] as Record<string, unknown>, { pk: 'dwhole', sk: 'missing' }]);
    expect(await partition('dwhole')).to.deep.equal(items.slice(1));
  });

  it('an empty list sends no request', async () => {
    const requests = countRequests(table.client);
    try {
      await table.batchDeleteItems([]);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('an invalid key rejects the whole batch before any request, deleting nothing', async () => {
    const items = itemsOf('dbad', 30);
    await table.batchWriteItems(items);
    const requests = countRequests(table.client);
    try {
      const keys = items.map(({ pk, sk }) => ({ pk, sk }));
      keys[29] = { pk: 'dbad', sk: '' };
      const error = await rejects(table.batchDeleteItems(keys), ValidationError);
      expect(error.message).to.contain(
        'batchDeleteItems keys[29]: Key attribute "sk" cannot be an empty string',
      );
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await partition('dbad')).to.deep.equal(items);
  });
});
