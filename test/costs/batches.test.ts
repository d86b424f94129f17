/**
 * The request minimum of batches: batchGetItems sends ceil(n / 100) BatchGetItem requests and
 * batchWriteItems ceil(n / 25) BatchWriteItem requests when DynamoDB leaves nothing unprocessed (as
 * DynamoDB Local never throttles).
 */
import { expect } from 'chai';
import type { Table } from '../../src/index.js';
import { countRequests } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';

const item = (n: number) => ({ pk: `item#${n}`, sk: 'v1', n });
const key = (n: number) => ({ pk: `item#${n}`, sk: 'v1' });

describe('request minimum: batches', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'costs-batch' });
  });

  after(async () => {
    await table.deleteTable();
  });

  for (const n of [1, 25, 26, 100, 101, 250]) {
    it(`batchWriteItems of ${n} items sends ceil(${n} / 25) = ${Math.ceil(n / 25)} requests`, async () => {
      const requests = countRequests(table.client);
      try {
        await table.batchWriteItems(Array.from({ length: n }, (_, i) => item(1_000 * n + i)));
        expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: Math.ceil(n / 25) });
      } finally {
        requests.detach();
      }
    });
  }

  describe('batchGetItems', () => {
    before(async () => {
      await table.batchWriteItems(Array.from({ length: 250 }, (_, i) => item(i)));
    });

    for (const n of [1, 100, 101, 250]) {
      it(`of ${n} keys sends ceil(${n} / 100) = ${Math.ceil(n / 100)} requests and returns them all`, async () => {
        const requests = countRequests(table.client);
        try {
          const items = await table.batchGetItems(Array.from({ length: n }, (_, i) => key(i)));
          expect(items).to.have.length(n);
          expect(requests.counts).to.deep.equal({ BatchGetItemCommand: Math.ceil(n / 100) });
        } finally {
          requests.detach();
        }
      });
    }

    it('of 250 keys with duplicates reads each key once: ceil(unique / 100) requests', async () => {
      const requests = countRequests(table.client);
      try {
        const keys = [
          ...Array.from({ length: 150 }, (_, i) => key(i)),
          ...Array.from({ length: 100 }, (_, i) => key(i)),
        ];
        const items = await table.batchGetItems(keys);
        expect(items).to.have.length(150);
        expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 2 });
      } finally {
        requests.detach();
      }
    });
  });
});
