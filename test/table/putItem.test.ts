import { expect } from 'chai';
import { ConditionFailedError, OptimisticLockError, type Table, ValidationError } from '../../src/index.js';
import { rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table.putItem', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'put' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('two put-then-get round trips return what was put', async () => {
    const first = { pk: 'account#1', sk: 'account#1', owner: 'Ada', balance: 100 };
    const second = { pk: 'account#2', sk: 'account#2', owner: 'Grace', balance: 250, frozen: false };
    await table.putItem('account#1', 'account#1', first);
    expect(await table.getItem('account#1', 'account#1', { consistentRead: true })).to.deep.equal(first);
    await table.putItem('account#2', 'account#2', second);
    expect(await table.getItem('account#2', 'account#2', { consistentRead: true })).to.deep.equal(second);
  });

  it('returns the item as stored, key attributes included, in one request', async () => {
    const requests = countRequests(table.client);
    try {
      const stored = await table.putItem('ret', '1', { n: 1 });
      expect(stored).to.deep.equal({ pk: 'ret', sk: '1', n: 1 });
      expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('replaces the whole item: attributes missing from the new one are gone', async () => {
    await table.putItem('replace', '1', { a: 1, b: 2 });
    await table.putItem('replace', '1', { b: 3 });
    expect(await table.getItem('replace', '1', { consistentRead: true })).to.deep.equal({
      pk: 'replace',
      sk: '1',
      b: 3,
    });
  });

  it('pk/sk arguments override the key attributes the item holds', async () => {
    const stored = await table.putItem('real-pk', 'real-sk', { pk: 'other-pk', sk: 'other-sk', n: 1 });
    expect(stored).to.deep.equal({ pk: 'real-pk', sk: 'real-sk', n: 1 });
    expect(await table.getItem('real-pk', 'real-sk', { consistentRead: true })).to.deep.equal({
      pk: 'real-pk',
      sk: 'real-sk',
      n: 1,
    });
    expect(await table.getItem('other-pk', 'other-sk', { consistentRead: true })).to.equal(undefined);
  });

  it('an empty string as partition key fails naming pk, before any request', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.putItem('', 'sk-1', { n: 1 }), ValidationError);
      expect(error.message).to.equal('Key attribute "pk" cannot be an empty string.');
      expect(error.code).to.equal('validation.invalidInput');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('an empty string as sort key fails naming sk, before any request, and writes nothing', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.putItem('empty-sk', '', { n: 1 }), ValidationError);
      expect(error.message).to.equal('Key attribute "sk" cannot be an empty string.');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(
      (await table.query('pk = :pk', { ':pk': 'empty-sk' }, { consistentRead: true })).items,
    ).to.deep.equal([]);
  });

  it('a missing sort key (undefined, or only in the item) fails naming sk', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.putItem('no-sk', undefined, { sk: 'in-item' }), ValidationError);
      expect(error.message).to.contain('"sk" is missing');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await table.getItem('no-sk', 'in-item', { consistentRead: true })).to.equal(undefined);
  });

  const unstorable: [string, Record<string, unknown>, string][] = [
    ['a Date', { when: new Date(0) }, 'item.when is an instance of Date'],
    ['NaN', { score: Number.NaN }, 'item.score is NaN'],
    ['Infinity', { score: Number.POSITIVE_INFINITY }, 'item.score is Infinity'],
    ['a BigInt', { big: 10n }, 'item.big is a BigInt'],
    ['a function', { fn: () => 1 }, 'item.fn is a function'],
    ['an empty Set', { tags: new Set() }, 'item.tags is an empty Set'],
    ['a Set of mixed kinds', { tags: new Set(['a', 1]) }, 'item.tags must be a Set of strings'],
    ['undefined inside a list', { list: [1, undefined] }, 'item.list[1] is undefined inside a list'],
    [
      'a nested Map',
      { nested: { at: new Map() } },
      'item.nested.at is a Map: DynamoDB stores maps as plain objects',
    ],
  ];
  for (const [what, item, message] of unstorable) {
    it(`rejects ${what} naming its path, before any request, and writes nothing`, async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(table.putItem('bad', what, item), ValidationError);
        expect(error.message).to.contain(message);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await table.getItem('bad', what, { consistentRead: true })).to.equal(undefined);
    });
  }

  it('rejects an item that refers to itself (a cycle) naming the path', async () => {
    const item: Record<string, unknown> = { n: 1 };
    item.self = item;
    const error = await rejects(table.putItem('cycle', '1', item), ValidationError);
    expect(error.message).to.contain('item.self refers back to one of its own parents');
    expect(await table.getItem('cycle', '1', { consistentRead: true })).to.equal(undefined);
  });

  it('with a caller condition that fails: ConditionFailedError carrying the stored item, which stays unchanged', async () => {
    await table.putItem('cond', '1', { status: 'open', n: 1 });
    const error = await rejects(
      table.putItem(
        'cond',
        '1',
        { status: 'closed', n: 2 },
        { condition: { expression: 'attribute_not_exists(pk)' } },
      ),
      ConditionFailedError,
    );
    expect(error).not.to.be.instanceOf(OptimisticLockError);
    expect(error.code).to.equal('condition.failed');
    expect(error.item).to.deep.equal({ pk: 'cond', sk: '1', status: 'open', n: 1 });
    expect((error.cause as Error).name).to.equal('ConditionalCheckFailedException');
    expect(await table.getItem('cond', '1', { consistentRead: true })).to.deep.equal({
      pk: 'cond',
      sk: '1',
      status: 'open',
      n: 1,
    });
  });

  it('with a caller condition that holds: writes', async () => {
    await table.putItem('cond', '2', { status: 'open' });
    await table.putItem(
      'cond',
      '2',
      { status: 'closed' },
      { condition: { expression: '#s = :open', names: { '#s': 'status' }, values: { ':open': 'open' } } },
    );
    expect(await table.getItem('cond', '2', { consistentRead: true })).to.deep.equal({
      pk: 'cond',
      sk: '2',
      status: 'closed',
    });
  });

  it('a condition placeholder without a value fails naming it, before any request', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(
        table.putItem('cond', '3', { n: 1 }, { condition: { expression: 'n = :missing' } }),
        ValidationError,
      );
      expect(error.message).to.contain('":missing"');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await table.getItem('cond', '3', { consistentRead: true })).to.equal(undefined);
  });
});
