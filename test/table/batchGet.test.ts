import { expect } from 'chai';
import { type Table, ValidationError } from '../../src/index.js';
import { pad, recordInputs, rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

type Stored = {
  pk: string;
  sk: string;
  n: number;
};

const STORED = 150;
const stored = (n: number): Stored => ({ pk: `item#${pad(n)}`, sk: 'v1', n });
const key = (n: number) => ({ pk: `item#${pad(n)}`, sk: 'v1' });

/** A fixed shuffle (a permutation of 0 … length-1), so that request order is not sort order. */
function shuffled(length: number): number[] {
  return Array.from({ length }, (_, i) => (i * 97 + 13) % length);
}

describe('Table.batchGetItems', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'batch-get' });
    await table.batchWriteItems(Array.from({ length: STORED }, (_, n) => stored(n)));
  });

  after(async () => {
    await table.deleteTable();
  });

  it('250 keys (150 stored, 100 missing) take 3 requests of at most 100 keys; results keep request order', async () => {
    // 250 is coprime with 97, so this is a permutation: numbers 150-249 are the missing items.
    const order = shuffled(250);
    expect(new Set(order).size).to.equal(250);
    const inputs = recordInputs(table.client, 'BatchGetItemCommand');
    const requests = countRequests(table.client);
    try {
      const items = await table.batchGetItems<Stored>(order.map(key));
      expect(items).to.deep.equal(order.filter((n) => n < STORED).map(stored));
      expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 3 });
      const sizes = inputs.inputs.map(
        (input) => (input.RequestItems as Record<string, { Keys: unknown[] }>)[table.tableName]?.Keys.length,
      );
      expect(sizes.sort((a, b) => (b ?? 0) - (a ?? 0))).to.deep.equal([100, 100, 50]);
    } finally {
      inputs.detach();
      requests.detach();
    }
  });

  it('duplicate keys are read once and returned once, at their first position', async () => {
    const keys = [key(5), key(3), key(5), key(200), key(9), key(3), key(3), key(0)];
    const inputs = recordInputs(table.client, 'BatchGetItemCommand');
    try {
      const items = await table.batchGetItems<Stored>(keys);
      expect(items).to.deep.equal([stored(5), stored(3), stored(9), stored(0)]);
      expect(inputs.inputs).to.have.length(1);
      expect(inputs.inputs[0]).to.deep.equal({
        RequestItems: { [table.tableName]: { Keys: [key(5), key(3), key(200), key(9), key(0)] } },
      });
    } finally {
      inputs.detach();
    }
  });

  it('120 keys with 30 duplicates need only one request of 90 keys', async () => {
    const unique = shuffled(90);
    const keys = [...unique, ...unique.slice(0, 30)].map(key);
    const requests = countRequests(table.client);
    try {
      const items = await table.batchGetItems<Stored>(keys);
      expect(items).to.deep.equal(unique.map(stored));
      expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('keys that differ only in where a NUL character splits them are two keys, not duplicates', async () => {
    const first = { pk: 'nul\u0000string:x', sk: 'y', which: 'first' };
    const second = { pk: 'nul', sk: 'x\u0000string:y', which: 'second' };
    await table.putItem(first.pk, first.sk, first);
    await table.putItem(second.pk, second.sk, second);
    expect(await table.getItem(first.pk, first.sk, { consistentRead: true })).to.deep.equal(first);
    expect(await table.getItem(second.pk, second.sk, { consistentRead: true })).to.deep.equal(second);
    const items = await table.batchGetItems([
      { pk: first.pk, sk: first.sk },
      { pk: second.pk, sk: second.sk },
    ]);
    expect(items).to.deep.equal([first, second]);
  });

  it('exactly 100 keys take one request, 101 take two', async () => {
    const requests = countRequests(table.client);
    try {
      expect(await table.batchGetItems(Array.from({ length: 100 }, (_, n) => key(n)))).to.have.length(100);
      expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 1 });
      requests.reset();
      expect(await table.batchGetItems(Array.from({ length: 101 }, (_, n) => key(n)))).to.have.length(101);
      expect(requests.counts).to.deep.equal({ BatchGetItemCommand: 2 });
    } finally {
      requests.detach();
    }
  });

  it('only missing keys: an empty list', async () => {
    expect(await table.batchGetItems([key(500), key(501)])).to.deep.equal([]);
  });

  it('an empty list of keys sends no request', async () => {
    const requests = countRequests(table.client);
    try {
      expect(await table.batchGetItems([])).to.deep.equal([]);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('keys may be whole items: only the key attributes are sent', async () => {
    const inputs = recordInputs(table.client, 'BatchGetItemCommand');
    try {
      const items = await table.batchGetItems<Stored>([{ ...stored(7), extra: 'ignored' }, stored(8)]);
      expect(items).to.deep.equal([stored(7), stored(8)]);
      expect(inputs.inputs[0]).to.deep.equal({
        RequestItems: { [table.tableName]: { Keys: [key(7), key(8)] } },
      });
    } finally {
      inputs.detach();
    }
  });

  it('consistentRead asks DynamoDB for strongly consistent reads', async () => {
    await table.putItem('fresh', 'v1', { n: -1 });
    const inputs = recordInputs(table.client, 'BatchGetItemCommand');
    try {
      const items = await table.batchGetItems([{ pk: 'fresh', sk: 'v1' }], { consistentRead: true });
      expect(items).to.deep.equal([{ pk: 'fresh', sk: 'v1', n: -1 }]);
      expect(inputs.inputs[0]).to.deep.equal({
        RequestItems: { [table.tableName]: { Keys: [{ pk: 'fresh', sk: 'v1' }], ConsistentRead: true } },
      });
    } finally {
      inputs.detach();
    }
  });

  for (const [what, keys, message] of [
    [
      'a key without sk',
      [key(1), key(2), { pk: 'item#0003' }],
      'batchGetItems keys[2]: Key attribute "sk" is missing',
    ],
    [
      'a key with an empty pk',
      [{ pk: '', sk: 'v1' }],
      'batchGetItems keys[0]: Key attribute "pk" cannot be an empty string',
    ],
    [
      'a key with an object as sk',
      [key(1), { pk: 'a', sk: { S: 'v1' } }],
      'keys[1]: Key attribute "sk" must be a string',
    ],
    ['a null key', [key(1), null as unknown as Record<string, unknown>], 'keys[1] must be an object'],
  ] as const) {
    it(`rejects ${what}, naming it, before any request`, async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(table.batchGetItems([...keys]), ValidationError);
        expect(error.message).to.contain(message);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });
  }

  it('rejects keys that are not an array, before any request', async () => {
    const error = await rejects(
      table.batchGetItems(key(1) as unknown as Record<string, unknown>[]),
      ValidationError,
    );
    expect(error.message).to.contain('keys must be an array');
  });
});
