import { expect } from 'chai';
import { type Table, ValidationError } from '../../src/index.js';
import { pad, recordInputs, rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table.query', () => {
  let table: Table;

  const cities = [
    { pk: 'q', sk: 'a#1', city: 'Berlin' },
    { pk: 'q', sk: 'a#2', city: 'Bern' },
    { pk: 'q', sk: 'a#3', city: 'Paris' },
    { pk: 'q', sk: 'b#1', city: 'Bergen' },
    { pk: 'q2', sk: 'a#1', city: 'Berlin' },
  ];
  // Orders of two merchants on the gsi1 index (gpk = merchant, gsk = amount), written in shuffled order.
  const amounts = [30, 80, 10, 50, 70, 20, 60, 40];
  const orders = [
    ...amounts.map((amount) => ({ pk: `order#m1-${amount}`, sk: 'order', gpk: 'merchant#1', gsk: amount })),
    ...[5, 15, 25].map((amount) => ({
      pk: `order#m2-${amount}`,
      sk: 'order',
      gpk: 'merchant#2',
      gsk: amount,
    })),
  ];
  // Ten items of which sk 02, 05 and 08 match a filter.
  const filtered = Array.from({ length: 10 }, (_, i) => ({ pk: 'f', sk: pad(i, 2), matches: i % 3 === 2 }));

  before(async () => {
    table = await createTestTable({
      prefix: 'query',
      indexes: [
        { name: 'gsi1', partitionKey: { name: 'gpk', type: 'S' }, sortKey: { name: 'gsk', type: 'N' } },
      ],
    });
    await table.batchWriteItems([...cities, ...orders, ...filtered]);
  });

  after(async () => {
    await table.deleteTable();
  });

  it('no match returns an empty list (not undefined) and no cursor, in one request', async () => {
    const requests = countRequests(table.client);
    try {
      expect(await table.query('pk = :pk', { ':pk': 'nobody' })).to.deep.equal({ items: [] });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('a malformed key condition fails with a ValidationError quoting DynamoDB', async () => {
    const error = await rejects(table.query('pk - invalid', {}), ValidationError);
    expect(error.message).to.contain('Invalid KeyConditionExpression');
    expect(error.message).to.contain(table.tableName);
    expect((error.cause as Error).name).to.equal('ValidationException');
  });

  it('pk = :pk and begins_with(sk, :sk) returns only matching items, in sort-key order', async () => {
    const result = await table.query('pk = :pk and begins_with(sk, :sk)', { ':pk': 'q', ':sk': 'a#' });
    expect(result).to.deep.equal({ items: cities.slice(0, 3) });
  });

  it('returns all items of the partition in sort-key order, or in reverse with ascending: false', async () => {
    expect((await table.query('pk = :pk', { ':pk': 'q' })).items).to.deep.equal(cities.slice(0, 4));
    expect((await table.query('pk = :pk', { ':pk': 'q' }, { ascending: false })).items).to.deep.equal(
      cities.slice(0, 4).reverse(),
    );
  });

  it('a filter contains(#city, :filter) with attribute names returns only the matching items', async () => {
    const result = await table.query(
      'pk = :pk',
      { ':pk': 'q', ':filter': 'Ber' },
      { filter: 'contains(#city, :filter)', names: { '#city': 'city' } },
    );
    expect(result).to.deep.equal({ items: [cities[0], cities[1], cities[3]] });
  });

  it('limit 1 returns exactly the first item, asks DynamoDB for 1, and gives a cursor to the next', async () => {
    const inputs = recordInputs(table.client, 'QueryCommand');
    try {
      const first = await table.query('pk = :pk', { ':pk': 'q' }, { limit: 1 });
      expect(first.items).to.deep.equal([cities[0]]);
      expect(first.cursor).to.be.a('string');
      expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal([1]);
      const second = await table.query('pk = :pk', { ':pk': 'q' }, { limit: 1, cursor: first.cursor });
      expect(second.items).to.deep.equal([cities[1]]);
    } finally {
      inputs.detach();
    }
  });

  it('a limit larger than the partition returns everything and no cursor', async () => {
    const requests = countRequests(table.client);
    try {
      expect(await table.query('pk = :pk', { ':pk': 'q' }, { limit: 50 })).to.deep.equal({
        items: cities.slice(0, 4),
      });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('with a filter, limit counts matching items: each page asks only for what is still missing', async () => {
    const inputs = recordInputs(table.client, 'QueryCommand');
    const query = (cursor?: string) =>
      table.query(
        'pk = :pk',
        { ':pk': 'f', ':yes': true },
        { filter: '#m = :yes', names: { '#m': 'matches' }, limit: 2, ...(cursor ? { cursor } : {}) },
      );
    try {
      const first = await query();
      expect(first.items.map((item) => item.sk)).to.deep.equal(['02', '05']);
      expect(first.cursor).to.be.a('string');
      // 00-01: none, 02-03: one, 04: none, 05: the second.
      expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal([2, 2, 1, 1]);
      inputs.inputs.length = 0;
      const second = await query(first.cursor);
      expect(second).to.deep.equal({ items: [filtered[8]], after: { pk: 'f', sk: '05' } });
      // 06-07: none, 08-09: one, then an empty read that proves the partition is done.
      expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal([2, 2, 1]);
    } finally {
      inputs.detach();
    }
  });

  it('a consistent read right after a write sees the write; limit 1 with it returns the first item', async () => {
    const inputs = recordInputs(table.client, 'QueryCommand');
    try {
      await table.putItem('fresh', '2', { n: 2 });
      await table.putItem('fresh', '1', { n: 1 });
      const all = await table.query('pk = :pk', { ':pk': 'fresh' }, { consistentRead: true });
      expect(all.items).to.deep.equal([
        { pk: 'fresh', sk: '1', n: 1 },
        { pk: 'fresh', sk: '2', n: 2 },
      ]);
      const first = await table.query('pk = :pk', { ':pk': 'fresh' }, { consistentRead: true, limit: 1 });
      expect(first.items).to.deep.equal([{ pk: 'fresh', sk: '1', n: 1 }]);
      expect(inputs.inputs.map((input) => input.ConsistentRead)).to.deep.equal([true, true]);
    } finally {
      inputs.detach();
    }
  });

  it('fields returns only the named attributes', async () => {
    const result = await table.query('pk = :pk', { ':pk': 'q' }, { fields: ['city'], limit: 2 });
    expect(result.items).to.deep.equal([{ city: 'Berlin' }, { city: 'Bern' }]);
    const withKey = await table.query(
      'pk = :pk',
      { ':pk': 'q' },
      { fields: ['sk', 'city', 'absent'], limit: 2 },
    );
    expect(withKey.items).to.deep.equal([
      { sk: 'a#1', city: 'Berlin' },
      { sk: 'a#2', city: 'Bern' },
    ]);
  });

  describe('on a global secondary index', () => {
    it('descending with a limit returns the highest sort keys first, page by page through the cursor', async () => {
      const requests = countRequests(table.client);
      const options = { index: 'gsi1', ascending: false, limit: 3 };
      const values = { ':m': 'merchant#1' };
      try {
        const first = await table.query<{ gsk: number }>('gpk = :m', values, options);
        expect(first.items.map((item) => item.gsk)).to.deep.equal([80, 70, 60]);
        expect(first.items[0]).to.deep.equal({ pk: 'order#m1-80', sk: 'order', gpk: 'merchant#1', gsk: 80 });
        const second = await table.query<{ gsk: number }>('gpk = :m', values, {
          ...options,
          cursor: first.cursor,
        });
        expect(second.items.map((item) => item.gsk)).to.deep.equal([50, 40, 30]);
        const third = await table.query<{ gsk: number }>('gpk = :m', values, {
          ...options,
          cursor: second.cursor,
        });
        expect(third.items.map((item) => item.gsk)).to.deep.equal([20, 10]);
        expect(third.cursor).to.equal(undefined);
        expect(requests.counts).to.deep.equal({ QueryCommand: 3 });
      } finally {
        requests.detach();
      }
    });

    it('ascending, with a key condition on the index sort key', async () => {
      const result = await table.query<{ gsk: number }>(
        'gpk = :m and gsk BETWEEN :low AND :high',
        { ':m': 'merchant#1', ':low': 20, ':high': 60 },
        { index: 'gsi1' },
      );
      expect(result.items.map((item) => item.gsk)).to.deep.equal([20, 30, 40, 50, 60]);
      expect(result.cursor).to.equal(undefined);
    });

    it('only returns the items of the asked index partition', async () => {
      const result = await table.query<{ gsk: number }>(
        'gpk = :m',
        { ':m': 'merchant#2' },
        { index: 'gsi1' },
      );
      expect(result.items.map((item) => item.gsk)).to.deep.equal([5, 15, 25]);
    });
  });

  describe('input checks (before any request)', () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'a value placeholder with no value',
        () => table.query('pk = :pk and sk = :sk', { ':pk': 'q' }),
        'query key condition uses the value placeholder ":sk" but no value was given for it',
      ],
      [
        'a value placeholder in the filter with no value',
        () => table.query('pk = :pk', { ':pk': 'q' }, { filter: 'city = :city' }),
        'query filter uses the value placeholder ":city" but no value was given for it',
      ],
      [
        'a name placeholder with no name',
        () => table.query('#p = :pk', { ':pk': 'q' }),
        'uses the name placeholder "#p" but no name was given for it',
      ],
      [
        'a value that no expression uses',
        () => table.query('pk = :pk', { ':pk': 'q', ':unused': 1 }),
        'The placeholder ":unused" is defined but not used',
      ],
      [
        'an undefined value',
        () => table.query('pk = :pk', { ':pk': undefined }),
        'value placeholder ":pk" is undefined',
      ],
      [
        'a value key without a colon',
        () => table.query('pk = :pk', { pk: 'q', ':pk': 'q' }),
        'value placeholder "pk" must look like ":value"',
      ],
      ['an empty key condition', () => table.query('  ', {}), 'must be a non-empty expression string'],
      [
        'limit 0',
        () => table.query('pk = :pk', { ':pk': 'q' }, { limit: 0 }),
        'limit must be a positive integer, got 0',
      ],
      [
        'limit 1.5',
        () => table.query('pk = :pk', { ':pk': 'q' }, { limit: 1.5 }),
        'limit must be a positive integer, got 1.5',
      ],
      [
        'an empty field name',
        () => table.query('pk = :pk', { ':pk': 'q' }, { fields: [''] }),
        'fields must be attribute names',
      ],
    ];
    for (const [what, call, message] of cases) {
      it(`rejects ${what}`, async () => {
        const requests = countRequests(table.client);
        try {
          const error = await rejects(call(), ValidationError);
          expect(error.message).to.contain(message);
          expect(requests.total()).to.equal(0);
        } finally {
          requests.detach();
        }
      });
    }

    it('queryAll rejects a value placeholder with no value on the first read, before any request', async () => {
      const requests = countRequests(table.client);
      try {
        const iterator = table.queryAll('pk = :pk and sk = :sk', { ':pk': 'q' });
        const error = await rejects(iterator.next(), ValidationError);
        expect(error.message).to.contain('":sk"');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });
  });
});

describe('Table.query on a numeric sort key', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'query-n', sortKeyType: 'N' });
    await table.batchWriteItems([100, 2, 11, 1, 10, 9].map((sk) => ({ pk: 'n', sk })));
  });

  after(async () => {
    await table.deleteTable();
  });

  it('orders numerically and compares numbers in key conditions', async () => {
    const all = await table.query<{ sk: number }>('pk = :pk', { ':pk': 'n' });
    expect(all.items.map((item) => item.sk)).to.deep.equal([1, 2, 9, 10, 11, 100]);
    const between = await table.query<{ sk: number }>('pk = :pk and sk BETWEEN :a AND :b', {
      ':pk': 'n',
      ':a': 2,
      ':b': 10,
    });
    expect(between.items.map((item) => item.sk)).to.deep.equal([2, 9, 10]);
  });

  it('pages numerically through the cursor in descending order', async () => {
    const first = await table.query<{ sk: number }>(
      'pk = :pk',
      { ':pk': 'n' },
      { ascending: false, limit: 4 },
    );
    expect(first.items.map((item) => item.sk)).to.deep.equal([100, 11, 10, 9]);
    const rest = await table.query<{ sk: number }>(
      'pk = :pk',
      { ':pk': 'n' },
      { ascending: false, limit: 4, cursor: first.cursor },
    );
    expect(rest).to.deep.equal({
      items: [
        { pk: 'n', sk: 2 },
        { pk: 'n', sk: 1 },
      ],
      after: { pk: 'n', sk: 9 },
    });
  });
});
