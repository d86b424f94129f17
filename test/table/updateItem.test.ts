import { expect } from 'chai';
import { ConditionFailedError, type Table, ValidationError } from '../../src/index.js';
import { rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table.updateItem', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'update' });
  });

  after(async () => {
    await table.deleteTable();
  });

  const read = (pk: string, sk: string) => table.getItem(pk, sk, { consistentRead: true });

  it('returns the whole item as stored afterwards', async () => {
    await table.putItem('u1', '1', { a: 1, b: 'keep', list: [1], tags: new Set(['x']) });
    const updated = await table.updateItem('u1', '1', {
      set: { a: 2, c: { nested: true } },
      add: { counter: 5, tags: new Set(['y']) },
      remove: ['list'],
    });
    const expected = {
      pk: 'u1',
      sk: '1',
      a: 2,
      b: 'keep',
      c: { nested: true },
      counter: 5,
      tags: new Set(['x', 'y']),
    };
    expect(updated).to.deep.equal(expected);
    expect(await read('u1', '1')).to.deep.equal(expected);
  });

  it('creates the item when it does not exist', async () => {
    expect(await table.updateItem('u2', '1', { add: { n: 3 } })).to.deep.equal({ pk: 'u2', sk: '1', n: 3 });
    expect(await read('u2', '1')).to.deep.equal({ pk: 'u2', sk: '1', n: 3 });
  });

  it('adds negative numbers and fractions', async () => {
    await table.updateItem('u3', '1', { set: { balance: 10 } });
    expect(await table.updateItem('u3', '1', { add: { balance: -2.5 } })).to.deep.equal({
      pk: 'u3',
      sk: '1',
      balance: 7.5,
    });
  });

  it('set ignores undefined values', async () => {
    expect(await table.updateItem('u4', '1', { set: { a: 1, b: undefined } })).to.deep.equal({
      pk: 'u4',
      sk: '1',
      a: 1,
    });
  });

  it('with a failing condition throws ConditionFailedError with the item, which stays unchanged', async () => {
    await table.putItem('u5', '1', { status: 'closed' });
    const error = await rejects(
      table.updateItem(
        'u5',
        '1',
        { set: { n: 1 } },
        {
          condition: { expression: '#s = :open', names: { '#s': 'status' }, values: { ':open': 'open' } },
        },
      ),
      ConditionFailedError,
    );
    expect(error.item).to.deep.equal({ pk: 'u5', sk: '1', status: 'closed' });
    expect(await read('u5', '1')).to.deep.equal({ pk: 'u5', sk: '1', status: 'closed' });
  });

  it('with attribute_exists as condition does not create a missing item', async () => {
    const error = await rejects(
      table.updateItem('u6', '1', { set: { n: 1 } }, { condition: { expression: 'attribute_exists(pk)' } }),
      ConditionFailedError,
    );
    expect(error.item).to.equal(undefined);
    expect(await read('u6', '1')).to.equal(undefined);
  });

  describe('rejects before any request', () => {
    const cases: [string, Parameters<Table['updateItem']>[2], string][] = [
      ['changing the partition key', { set: { pk: 'other' } }, 'cannot change the key attribute "pk"'],
      ['changing the sort key', { remove: ['sk'] }, 'cannot change the key attribute "sk"'],
      ['nothing to change', {}, 'nothing to change'],
      ['only undefined values', { set: { a: undefined } }, 'nothing to change'],
      ['an attribute in both set and remove', { set: { a: 1 }, remove: ['a'] }, 'appears more than once'],
      ['an empty attribute name', { set: { '': 1 } }, 'attribute names must be non-empty strings'],
      ['adding a string', { add: { n: 'one' as unknown as number } }, 'add.n must be a number or a Set'],
      ['setting a Date', { set: { when: new Date(0) } }, 'changes.when is an instance of Date'],
      [
        'changes that are not an object',
        null as unknown as Parameters<Table['updateItem']>[2],
        'changes must be an object',
      ],
    ];
    for (const [what, changes, message] of cases) {
      it(what, async () => {
        await table.putItem('u7', '1', { a: 0 });
        const requests = countRequests(table.client);
        try {
          const error = await rejects(table.updateItem('u7', '1', changes), ValidationError);
          expect(error.message).to.contain(message);
          expect(requests.total()).to.equal(0);
        } finally {
          requests.detach();
        }
        expect(await read('u7', '1')).to.deep.equal({ pk: 'u7', sk: '1', a: 0 });
      });
    }
  });
});
