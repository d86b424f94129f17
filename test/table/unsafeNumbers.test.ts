/**
 * Numbers a JavaScript number cannot hold exactly (beyond ±2^53 - 1) would be stored as something else
 * than the caller wrote, and the SDK refuses them while marshalling, which used to surface as an
 * opaque DynamoDBError. They are refused before any request, as a ValidationError naming the path.
 */
import { expect } from 'chai';
import { type Table, ValidationError } from '../../src/index.js';
import { rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table: numbers beyond the safe integer range', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'unsafeNumbers' });
  });

  after(async () => {
    await table.deleteTable();
  });

  const unsafe: [string, () => Promise<unknown>, string][] = [
    ['2^53 in putItem', () => table.putItem('n', '1', { big: 2 ** 53 }), 'item.big'],
    [
      '-(2^53) nested in putItem',
      () => table.putItem('n', '2', { a: { b: [1, -(2 ** 53)] } }),
      'item.a.b[1]',
    ],
    ['1e300 in putItem', () => table.putItem('n', '3', { huge: 1e300 }), 'item.huge'],
    ['a Set with 2^60 in putItem', () => table.putItem('n', '4', { ns: new Set([1, 2 ** 60]) }), 'item.ns[]'],
    [
      '2^53 + 2 in batchWriteItems',
      () => table.batchWriteItems([{ pk: 'n', sk: '5', v: 2 ** 53 + 2 }]),
      'items[0].v',
    ],
    ['2^53 in updateItem set', () => table.updateItem('n', '6', { set: { v: 2 ** 53 } }), 'changes.v'],
    ['2^53 in a putOp', () => table.transactWrite([table.putOp('n', '7', { v: 2 ** 53 })]), 'item.v'],
  ];
  for (const [what, call, path] of unsafe) {
    it(`rejects ${what} with a ValidationError naming ${path}, before any request`, async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          (async () => call())(), // putOp throws synchronously: turn that into a rejection too
          ValidationError,
        );
        expect(error.message).to.contain(path);
        expect(error.message).to.contain('safe integer');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });
  }

  it('still stores the largest safe integers and ordinary fractions exactly', async () => {
    const item = { pk: 'n', sk: 'ok', max: Number.MAX_SAFE_INTEGER, min: Number.MIN_SAFE_INTEGER, f: 0.1 };
    await table.putItem('n', 'ok', item);
    expect(await table.getItem('n', 'ok', { consistentRead: true })).to.deep.equal(item);
  });
});
