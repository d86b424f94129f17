import { expect } from 'chai';
import type { Table } from '../../src/index.js';
import { recordInputs } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

describe('Table.getItem', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'get' });
  });

  after(async () => {
    await table.deleteTable();
  });

  it('returns the item just put, equal to it (eventually consistent read)', async () => {
    const item = { pk: 'user#1', sk: 'profile', name: 'Ada', age: 36, admin: true };
    await table.putItem('user#1', 'profile', item);
    const inputs = recordInputs(table.client, 'GetItemCommand');
    try {
      const read = await table.getItem('user#1', 'profile');
      expect(read).to.deep.equal(item);
      expect(inputs.inputs).to.have.length(1);
      expect(inputs.inputs[0]).to.deep.equal({
        TableName: table.tableName,
        Key: { pk: 'user#1', sk: 'profile' },
      });
    } finally {
      inputs.detach();
    }
  });

  it('returns the item just put with a strongly consistent read, and asks DynamoDB for one', async () => {
    const item = { pk: 'user#2', sk: 'profile', name: 'Grace', tags: ['navy', 'cobol'] };
    await table.putItem('user#2', 'profile', item);
    const inputs = recordInputs(table.client, 'GetItemCommand');
    try {
      expect(await table.getItem('user#2', 'profile', { consistentRead: true })).to.deep.equal(item);
      expect(inputs.inputs[0]?.ConsistentRead).to.equal(true);
    } finally {
      inputs.detach();
    }
  });

  it('returns undefined for a missing key, without an error, in one request', async () => {
    const requests = countRequests(table.client);
    try {
      expect(await table.getItem('user#404', 'profile')).to.equal(undefined);
      expect(await table.getItem('user#1', 'no-such-sort-key', { consistentRead: true })).to.equal(undefined);
      expect(requests.counts).to.deep.equal({ GetItemCommand: 2 });
    } finally {
      requests.detach();
    }
  });

  it('round-trips every kind of value DynamoDB stores, exactly', async () => {
    const item = {
      pk: 'types',
      sk: 'all',
      text: 'héllo wörld ✓',
      emptyText: '',
      integer: 42,
      negative: -7,
      fraction: 0.1,
      large: 9007199254740991,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two', { three: 3 }, [4], null, false],
      emptyList: [],
      map: { nested: { deeper: { value: 'x' } }, n: 1 },
      emptyMap: {},
      strings: new Set(['a', 'b']),
      numbers: new Set([1, 2, 3]),
      bytes: new Uint8Array([0, 1, 2, 255]),
    };
    await table.putItem('types', 'all', item);
    const read = await table.getItem<Record<string, unknown>>('types', 'all', { consistentRead: true });
    expect(read).to.deep.equal(item);
    expect(read?.bytes).to.be.instanceOf(Uint8Array);
    expect(read?.strings).to.be.instanceOf(Set);
  });

  it('leaves out undefined attributes instead of failing', async () => {
    await table.putItem('undef', '1', { kept: 1, dropped: undefined });
    const read = await table.getItem<Record<string, unknown>>('undef', '1');
    expect(read).to.deep.equal({ pk: 'undef', sk: '1', kept: 1 });
    expect(read).not.to.have.property('dropped');
  });
});
