/**
 * Messages a user tripped over, on DynamoDB Local: a Table whose key names are not the table's, a
 * second createTable, an EventStore on a table whose sort key is a string, and `data: undefined`. Each
 * is a typed error (or a documented rule) whose message says what was wrong and what to do.
 * The endpoint cases (no scheme, a server that never answers or is not DynamoDB, a refused connection)
 * need no DynamoDB: test/unit/endpoint.test.ts.
 */
import { expect } from 'chai';
import {
  EventStore,
  KeySchemaError,
  Table,
  TableExistsError,
  TableNotFoundError,
  ValidationError,
} from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { collect, countRequests, rejects } from '../support/helpers.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

/** A Table on the tests' DynamoDB with these names. */
function tableNamed(tableName: string, partitionKeyName: string, sortKeyName?: string): Table {
  const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
  return new Table({
    tableName,
    partitionKeyName,
    ...(sortKeyName !== undefined ? { sortKeyName } : {}),
    region,
    endpoint: { url, accessKeyId, secretAccessKey },
  });
}

describe('messages: Table key names that do not match the table', () => {
  let table: Table; // the real one: pk (S), sk (S)
  let wrong: Table; // the same table, configured as id / version

  before(async () => {
    table = await createTestTable({ prefix: 'keynames' });
    wrong = tableNamed(table.tableName, 'id', 'version');
  });
  after(async () => {
    await table.deleteTable();
  });

  const calls: [string, (t: Table) => Promise<unknown>][] = [
    ['getItem', (t) => t.getItem('a', 'b')],
    ['putItem', (t) => t.putItem('a', 'b', { n: 1 })],
    ['updateItem', (t) => t.updateItem('a', 'b', { set: { n: 1 } })],
    ['deleteItem', (t) => t.deleteItem('a', 'b')],
    ['query', (t) => t.query('#pk = :pk', { ':pk': 'a' }, { names: { '#pk': t.partitionKeyName } })],
  ];
  for (const [what, call] of calls) {
    it(`${what}: KeySchemaError naming the configured key names and the table's, after one DescribeTable`, async () => {
      const requests = countRequests(wrong.client);
      try {
        const error = await rejects(call(wrong), KeySchemaError);
        expect(error).to.be.instanceOf(ValidationError);
        expect(error.code).to.equal('validation.keySchema');
        expect(error.message).to.contain('configured with partition key "id" and sort key "version"');
        expect(error.message).to.contain(
          `the table's key is partition key "pk" (S, a string) and sort key "sk" (S, a string)`,
        );
        expect(error.message).to.contain("partitionKeyName: 'pk', sortKeyName: 'sk'");
        expect(error.actual).to.deep.equal({
          partitionKey: { name: 'pk', type: 'S' },
          sortKey: { name: 'sk', type: 'S' },
        });
        expect(requests.counts.DescribeTableCommand, 'one DescribeTable, on the failure path').to.equal(1);
        expect(requests.total()).to.equal(2);
      } finally {
        requests.detach();
      }
    });
  }

  it('a Table without the sort key the table has: names the missing sort key', async () => {
    const noSort = tableNamed(table.tableName, 'pk');
    const error = await rejects(noSort.getItem('a'), KeySchemaError);
    expect(error.message).to.contain('configured with partition key "pk" and no sort key');
    expect(error.message).to.contain('sort key "sk" (S, a string)');
  });

  it('a key value of the wrong type: names the types the table declares', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.putItem('a', 1, { n: 1 }), KeySchemaError);
      expect(error.message).to.contain('PutItem on table');
      expect(error.message).to.contain('a key value does not have the type the table declares');
      expect(error.message).to.contain('sort key "sk" (S, a string)');
      expect(error.message).to.contain('createTable({ partitionKeyType, sortKeyType })');
      expect(requests.counts.DescribeTableCommand).to.equal(1);
    } finally {
      requests.detach();
    }
  });

  it('the calls that succeed send no DescribeTable', async () => {
    const requests = countRequests(table.client);
    try {
      await table.putItem('a', 'b', { n: 1 });
      await table.getItem('a', 'b');
      expect(requests.counts.DescribeTableCommand ?? 0).to.equal(0);
    } finally {
      requests.detach();
    }
  });
});

describe('messages: a second createTable', () => {
  let table: Table;

  before(async () => {
    table = tableNamed(createTestTableName('exists'), 'pk', 'sk');
    await table.createTable({ sortKeyType: 'N' });
  });
  after(async () => {
    await table.deleteTable();
  });

  it('without ifNotExists: TableExistsError that says to pass ifNotExists: true', async () => {
    const error = await rejects(table.createTable({ sortKeyType: 'N' }), TableExistsError);
    expect(error.code).to.equal('table.exists');
    expect(error.tableName).to.equal(table.tableName);
    expect(error.message).to.contain(`Table "${table.tableName}" already exists`);
    expect(error.message).to.contain('createTable({ ifNotExists: true })');
    expect((error.cause as Error).name).to.equal('ResourceInUseException');
  });

  it('with ifNotExists: true and the same key, returns (CreateTable, then one DescribeTable)', async () => {
    const requests = countRequests(table.client);
    try {
      await table.createTable({ sortKeyType: 'N', ifNotExists: true });
      expect(requests.counts).to.deep.equal({ CreateTableCommand: 1, DescribeTableCommand: 1 });
    } finally {
      requests.detach();
    }
    await table.putItem('a', 1, { n: 1 });
  });

  it('with ifNotExists: true and another key type: KeySchemaError naming both keys', async () => {
    const error = await rejects(table.createTable({ ifNotExists: true }), KeySchemaError);
    expect(error.message).to.contain(
      'exists with partition key "pk" (S, a string) and sort key "sk" (N, a number)',
    );
    expect(error.message).to.contain(
      'this call would create partition key "pk" (S, a string) and sort key "sk" (S, a string)',
    );
    expect(error.actual.sortKey).to.deep.equal({ name: 'sk', type: 'N' });
  });

  it('with ifNotExists: true and other key names: KeySchemaError', async () => {
    const other = tableNamed(table.tableName, 'id', 'version');
    const error = await rejects(other.createTable({ sortKeyType: 'N', ifNotExists: true }), KeySchemaError);
    expect(error.message).to.contain('partition key "pk" (S, a string) and sort key "sk" (N, a number)');
    expect(error.message).to.contain('partition key "id" (S, a string) and sort key "version" (N, a number)');
  });

  it('with ifNotExists: true and no table yet, creates it', async () => {
    const fresh = tableNamed(createTestTableName('exists-new'), 'pk');
    await fresh.createTable({ ifNotExists: true });
    try {
      await fresh.putItem('a', undefined, { n: 1 });
      expect(await fresh.getItem('a', undefined, { consistentRead: true })).to.deep.equal({ pk: 'a', n: 1 });
    } finally {
      await fresh.deleteTable();
    }
    await rejects(fresh.getItem('a'), TableNotFoundError);
  });

  it('refuses an ifNotExists that is not a boolean, before any request', async () => {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(table.createTable({ ifNotExists: 'yes' as never }), ValidationError);
      expect(error.message).to.contain('ifNotExists must be true or false');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });
});

describe('messages: an EventStore on a table whose sort key is a string', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createTestTable({ prefix: 'string-sk' }); // sk is S: the default of createTable
    store = new EventStore({ table });
  });
  after(async () => {
    await table.deleteTable();
  });

  const appends: [string, () => Promise<unknown>][] = [
    [
      'one event, expectedVersion 0 (the first write)',
      () => store.append('order-1', [{ type: 'A', data: {} }], { expectedVersion: 0 }),
    ],
    [
      'two events, expectedVersion 0 (a transaction)',
      () =>
        store.append(
          'order-2',
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
          ],
          { expectedVersion: 0 },
        ),
    ],
    [
      "expectedVersion 'any' (the head's query first)",
      () => store.append('order-3', [{ type: 'A', data: {} }]),
    ],
    ['version()', () => store.version('order-4')],
  ];
  for (const [what, call] of appends) {
    it(`${what}: KeySchemaError that says to create the table with sortKeyType: 'N'`, async () => {
      const error = await rejects(call(), KeySchemaError);
      expect(error.message).to.contain('EventStore needs a table whose partition key "pk" is a string (S)');
      expect(error.message).to.contain('sort key "sk" is a number (N, the event version)');
      expect(error.message).to.contain(
        'has partition key "pk" (S, a string) and sort key "sk" (S, a string)',
      );
      expect(error.message).to.contain("table.createTable({ sortKeyType: 'N' })");
      expect(error.actual.sortKey).to.deep.equal({ name: 'sk', type: 'S' });
    });
  }

  it('wrote nothing', async () => {
    const items = await collect(table.scanAll());
    expect(items).to.deep.equal([]);
  });
});

describe('messages: an event whose data is undefined', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createTestTable({ prefix: 'undefined-data', sortKeyType: 'N' });
    store = new EventStore({ table });
  });
  after(async () => {
    await table.deleteTable();
  });

  it('is stored without a data attribute and reads back as undefined; null stays null', async () => {
    const { events } = await store.append('order-1', [
      { type: 'Nothing', data: undefined },
      { type: 'Null', data: null },
      { type: 'Object', data: { gone: undefined, kept: 1 } },
    ]);
    expect(events.map((event) => event.data).slice(0, 2)).to.deep.equal([undefined, null]);

    const items = await table.query<Record<string, unknown>>(
      '#pk = :pk',
      { ':pk': 'event#order-1' },
      { names: { '#pk': 'pk' }, consistentRead: true },
    );
    expect(items.items.map((item) => 'data' in item)).to.deep.equal([false, true, true]);

    const read = await collect(store.read('order-1'));
    expect(read.map((event) => event.data)).to.deep.equal([undefined, null, { kept: 1 }]);
    expect(read.slice(0, 2)).to.deep.equal(events.slice(0, 2));
    const [all] = await collect(store.readAll({ category: 'order' }));
    expect(all?.data).to.equal(undefined);
  });

  it('one event with undefined data (a single PutItem) reads back the same', async () => {
    const { events } = await store.append('order-2', [{ type: 'Nothing', data: undefined }]);
    expect(events[0]?.data).to.equal(undefined);
    const [read] = await collect(store.read('order-2'));
    expect(read?.data).to.equal(undefined);
  });
});
