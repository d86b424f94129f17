import { expect } from 'chai';
import { ConditionFailedError, OptimisticLockError, type Table, ValidationError } from '../../src/index.js';
import { rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table.deleteItem', () => {
  let table: Table;
  const four = ['1', '2', '3', '4'].map((sk) => ({ pk: 'del', sk, n: Number(sk) }));

  before(async () => {
    table = await createTestTable({ prefix: 'delete' });
  });

  beforeEach(async () => {
    await table.batchWriteItems(four);
  });

  after(async () => {
    await table.deleteTable();
  });

  const remaining = async () =>
    (await table.query('pk = :pk', { ':pk': 'del' }, { consistentRead: true })).items;

  it('deleting 1 of 4 leaves the other 3 and returns the deleted item', async () => {
    expect(await table.deleteItem('del', '2')).to.deep.equal({ pk: 'del', sk: '2', n: 2 });
    expect(await remaining()).to.deep.equal([four[0], four[2], four[3]]);
    expect(await table.getItem('del', '2', { consistentRead: true })).to.equal(undefined);
  });

  it('a wrong sort key deletes nothing and returns undefined', async () => {
    expect(await table.deleteItem('del', '5')).to.equal(undefined);
    expect(await remaining()).to.deep.equal(four);
  });

  it('a wrong partition key deletes nothing and returns undefined', async () => {
    expect(await table.deleteItem('del-other', '1')).to.equal(undefined);
    expect(await remaining()).to.deep.equal(four);
  });

  it('without a sort key it fails naming sk, before any request, deleting nothing', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.deleteItem('del'), ValidationError);
      expect(error.message).to.equal(
        'Key attribute "sk" is missing: give it a string, number or Uint8Array value.',
      );
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
    expect(await remaining()).to.deep.equal(four);
  });

  it('a failing condition throws ConditionFailedError with the item, which stays', async () => {
    const error = await rejects(
      table.deleteItem('del', '3', { condition: { expression: 'n > :min', values: { ':min': 3 } } }),
      ConditionFailedError,
    );
    expect(error).not.to.be.instanceOf(OptimisticLockError);
    expect(error.item).to.deep.equal({ pk: 'del', sk: '3', n: 3 });
    expect(await remaining()).to.deep.equal(four);
  });

  it('a holding condition deletes', async () => {
    expect(
      await table.deleteItem('del', '4', { condition: { expression: 'n > :min', values: { ':min': 3 } } }),
    ).to.deep.equal({ pk: 'del', sk: '4', n: 4 });
    expect(await remaining()).to.deep.equal(four.slice(0, 3));
  });

  it('a condition on a missing item (attribute_exists) fails without an item', async () => {
    const error = await rejects(
      table.deleteItem('del', '9', { condition: { expression: 'attribute_exists(pk)' } }),
      ConditionFailedError,
    );
    expect(error.item).to.equal(undefined);
  });
});
