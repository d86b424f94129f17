import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import {
  DynagoError,
  DynamoDBUnavailableError,
  ItemTooLargeError,
  MAX_ITEM_BYTES,
  Table,
  TableNotFoundError,
  ValidationError,
} from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { collect, type ErrorClass, rejects } from '../support/helpers.js';
import { countRequests, createTestTable, testEndpoint } from '../support/tables.js';

describe('Table errors', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'errors' });
  });

  after(async () => {
    await table.deleteTable();
  });

  /** Asserts `call` rejects with `type` whose message contains `message`, without any request. */
  async function rejectsLocally<E extends Error>(
    call: () => Promise<unknown>,
    type: ErrorClass<E>,
    message: string | RegExp,
  ): Promise<E> {
    const requests = countRequests(table.client);
    try {
      const error = await rejects(call(), type);
      if (typeof message === 'string') expect(error.message).to.contain(message);
      else expect(error.message).to.match(message);
      expect(requests.total(), 'requests sent').to.equal(0);
      return error;
    } finally {
      requests.detach();
    }
  }

  describe('item size', () => {
    // pk "big" + sk "<sk>" + attribute "data": 2 + 3 + 2 + sk.length + 4 bytes besides the data itself.
    const overhead = (sk: string) => 2 + 3 + 2 + sk.length + 4;

    it('an item of exactly 400 KB is written', async () => {
      const data = 'x'.repeat(MAX_ITEM_BYTES - overhead('at'));
      await table.putItem('big', 'at', { data });
      const read = await table.getItem<{ data: string }>('big', 'at', { consistentRead: true });
      expect(read?.data.length).to.equal(data.length);
    });

    it('one byte more throws ItemTooLargeError with the size, before any request, and writes nothing', async () => {
      const data = 'x'.repeat(MAX_ITEM_BYTES - overhead('over') + 1);
      const error = await rejectsLocally(
        () => table.putItem('big', 'over', { data }),
        ItemTooLargeError,
        'The item "big"/"over" is 409601 bytes, over DynamoDB\'s item limit of 409600 bytes (400 KB)',
      );
      expect(error.sizeBytes).to.equal(409_601);
      expect(error.code).to.equal('validation.itemTooLarge');
      expect(await table.getItem('big', 'over', { consistentRead: true })).to.equal(undefined);
    });

    it('sizes strings in UTF-8 bytes, not characters', async () => {
      const data = 'é'.repeat(MAX_ITEM_BYTES / 2); // 204 800 characters, 409 600 bytes
      const error = await rejectsLocally(
        () => table.putItem('big', 'utf8', { data }),
        ItemTooLargeError,
        'is 409615 bytes',
      );
      expect(error.sizeBytes).to.equal(MAX_ITEM_BYTES + overhead('utf8'));
      expect(await table.getItem('big', 'utf8', { consistentRead: true })).to.equal(undefined);
    });

    it('an update whose own values are over 400 KB throws before any request', async () => {
      await table.putItem('big', 'upd1', { n: 1 });
      const error = await rejectsLocally(
        () => table.updateItem('big', 'upd1', { set: { data: 'x'.repeat(MAX_ITEM_BYTES) } }),
        ItemTooLargeError,
        'The update is',
      );
      expect(error.sizeBytes).to.equal(MAX_ITEM_BYTES + 4);
      expect(await table.getItem('big', 'upd1', { consistentRead: true })).to.deep.equal({
        pk: 'big',
        sk: 'upd1',
        n: 1,
      });
    });

    it('an update that makes the stored item too large throws ItemTooLargeError (from DynamoDB), item unchanged', async () => {
      const stored = { pk: 'big', sk: 'upd2', first: 'a'.repeat(300_000) };
      await table.putItem('big', 'upd2', stored);
      const error = await rejects(
        table.updateItem('big', 'upd2', { set: { second: 'b'.repeat(200_000) } }),
        ItemTooLargeError,
      );
      expect(error.message).to.contain('too large');
      expect((error.cause as Error).name).to.equal('ValidationException');
      expect(await table.getItem('big', 'upd2', { consistentRead: true })).to.deep.equal(stored);
    });
  });

  it('an item that only DynamoDB finds too large (numbers it sizes higher) still throws ItemTooLargeError, writing nothing', async () => {
    // 10 000 numbers: the library's estimate stays under 400 KB, DynamoDB Local's own count does not.
    const numbers = Array.from({ length: 10_000 }, (_, i) => i * 1.5);
    const error = await rejects(
      table.putItem('big', 'numbers', { numbers, f: 'x'.repeat(362_400) }),
      ItemTooLargeError,
    );
    expect(error.code).to.equal('validation.itemTooLarge');
    expect(await table.getItem('big', 'numbers', { consistentRead: true })).to.equal(undefined);
  });

  describe('key values', () => {
    const badValues: [string, unknown, string][] = [
      ['an empty string', '', 'cannot be an empty string'],
      ['null', null, 'is missing'],
      ['undefined', undefined, 'is missing'],
      ['a boolean', true, 'must be a string, number or Uint8Array, got a boolean'],
      ['an object', { S: 'x' }, 'must be a string, number or Uint8Array, got an object'],
      ['an array', ['x'], 'must be a string, number or Uint8Array, got an object'],
      ['NaN', Number.NaN, 'must be a finite number, got NaN'],
      ['Infinity', Number.POSITIVE_INFINITY, 'must be a finite number, got Infinity'],
      ['empty binary', new Uint8Array(0), 'cannot be empty binary'],
    ];
    for (const [what, value, message] of badValues) {
      it(`${what} as pk or sk is a ValidationError naming the attribute, before any request`, async () => {
        await rejectsLocally(
          () => table.getItem(value, 'sk-1'),
          ValidationError,
          `Key attribute "pk" ${message}`,
        );
        await rejectsLocally(
          () => table.getItem('pk-1', value),
          ValidationError,
          `Key attribute "sk" ${message}`,
        );
        await rejectsLocally(
          () => table.putItem('pk-1', value, { n: 1 }),
          ValidationError,
          `"sk" ${message}`,
        );
        await rejectsLocally(
          () => table.updateItem(value, 'x', { set: { n: 1 } }),
          ValidationError,
          `"pk" ${message}`,
        );
      });
    }

    it('a partition key over 2048 bytes or a sort key over 1024 bytes fails naming it; at the limit it works', async () => {
      await rejectsLocally(
        () => table.putItem('p'.repeat(2049), 's', {}),
        ValidationError,
        'Key attribute "pk" is 2049 bytes long; DynamoDB allows at most 2048',
      );
      await rejectsLocally(
        () => table.putItem('p', 'é'.repeat(513), {}),
        ValidationError,
        'Key attribute "sk" is 1026 bytes long; DynamoDB allows at most 1024',
      );
      await table.putItem('p'.repeat(2048), 's'.repeat(1024), { n: 1 });
      expect(await table.getItem('p'.repeat(2048), 's'.repeat(1024), { consistentRead: true })).to.deep.equal(
        {
          pk: 'p'.repeat(2048),
          sk: 's'.repeat(1024),
          n: 1,
        },
      );
    });

    it('a number for a string partition key is a ValidationError naming pk, and writes nothing', async () => {
      const error = await rejects(table.putItem(5, 'typed', { n: 1 }), ValidationError);
      expect((error.cause as Error | undefined)?.name).to.equal('ValidationException');
      expect(error.message, error.message).to.match(/\bpk\b/);
      expect(await table.getItem('5', 'typed', { consistentRead: true })).to.equal(undefined);
    });

    it('a number for a string sort key is a ValidationError naming sk', async () => {
      const error = await rejects(table.getItem('typed', 7), ValidationError);
      expect(error.message, error.message).to.match(/\bsk\b/);
    });
  });

  describe('a missing table', () => {
    let missing: Table;

    before(() => {
      const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
      missing = new Table({
        tableName: createTestTableName('never-created'),
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        region,
        endpoint: { url, accessKeyId, secretAccessKey },
      });
    });

    const calls: [string, (t: Table) => Promise<unknown>][] = [
      ['getItem', (t) => t.getItem('a', 'b')],
      ['putItem', (t) => t.putItem('a', 'b', { n: 1 })],
      ['updateItem', (t) => t.updateItem('a', 'b', { add: { n: 1 } })],
      ['deleteItem', (t) => t.deleteItem('a', 'b')],
      ['query', (t) => t.query('pk = :pk', { ':pk': 'a' })],
      ['queryAll', (t) => collect(t.queryAll('pk = :pk', { ':pk': 'a' }))],
      ['batchGetItems', (t) => t.batchGetItems([{ pk: 'a', sk: 'b' }])],
      ['batchWriteItems', (t) => t.batchWriteItems([{ pk: 'a', sk: 'b' }])],
      ['batchDeleteItems', (t) => t.batchDeleteItems([{ pk: 'a', sk: 'b' }])],
      ['transactWrite', (t) => t.transactWrite([t.putOp('a', 'b', {})])],
    ];
    for (const [name, call] of calls) {
      it(`${name} throws TableNotFoundError naming the table`, async () => {
        const error = await rejects(call(missing), TableNotFoundError);
        expect(error.code).to.equal('table.notFound');
        expect(error.tableName).to.equal(missing.tableName);
        expect(error.message).to.contain(`Table "${missing.tableName}" does not exist`);
        expect((error.cause as Error).name).to.equal('ResourceNotFoundException');
        expect(DynagoError.is(error, 'table.')).to.equal(true);
      });
    }
  });

  it('an unreachable DynamoDB is DynamoDBUnavailableError, retryable', async () => {
    const base = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const unreachable = new Table({
      tableName: 'unreachable',
      partitionKeyName: 'pk',
      client: DynamoDBDocumentClient.from(base),
    });
    try {
      const error = await rejects(unreachable.getItem('a'), DynamoDBUnavailableError);
      expect(error.code).to.equal('dynamodb.unavailable');
      expect(error.retryable).to.equal(true);
      expect(error.message).to.contain('GetItem on table "unreachable"');
    } finally {
      base.destroy();
    }
  });

  describe('AbortSignal', () => {
    const aborted = () => {
      const controller = new AbortController();
      controller.abort();
      return controller.signal;
    };

    it('an aborted signal rejects getItem, query and batchGetItems with an AbortError', async () => {
      for (const call of [
        () => table.getItem('a', 'b', { signal: aborted() }),
        () => table.query('pk = :pk', { ':pk': 'a' }, { signal: aborted() }),
        () => table.batchGetItems([{ pk: 'a', sk: 'b' }], { signal: aborted() }),
      ]) {
        const error = await rejects(call(), Error);
        expect(error.name).to.equal('AbortError');
      }
    });

    it('an aborted signal rejects putItem, updateItem and transactWrite, and nothing is written', async () => {
      for (const call of [
        () => table.putItem('abort', '1', { n: 1 }, { signal: aborted() }),
        () => table.updateItem('abort', '2', { set: { n: 1 } }, { signal: aborted() }),
        () => table.transactWrite([table.putOp('abort', '3', {})], { signal: aborted() }),
      ]) {
        const error = await rejects(call(), Error);
        expect(error.name).to.equal('AbortError');
      }
      expect(
        (await table.query('pk = :pk', { ':pk': 'abort' }, { consistentRead: true })).items,
      ).to.deep.equal([]);
    });

    it('aborting right after a batch write starts rejects it with an AbortError', async () => {
      const controller = new AbortController();
      const items = Array.from({ length: 100 }, (_, i) => ({ pk: 'abort-batch', sk: String(i) }));
      const writing = table.batchWriteItems(items, { signal: controller.signal });
      controller.abort();
      const error = await rejects(writing, Error);
      expect(error.name).to.equal('AbortError');
    });
  });

  describe('every error is a DynagoError with a code and the SDK error as cause', () => {
    it('a DynamoDB validation failure', async () => {
      const error = await rejects(table.query('pk - invalid', {}), ValidationError);
      expect(error).to.be.instanceOf(DynagoError);
      expect(error.name).to.equal('ValidationError');
      expect(error.code).to.equal('validation.invalidInput');
      expect(error.retryable).to.equal(false);
      expect((error.cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).to.equal(
        400,
      );
    });

    it('a local validation failure has no cause', async () => {
      const error = await rejects(table.getItem('', 'x'), ValidationError);
      expect(error.cause).to.equal(undefined);
      expect(DynagoError.is(error, 'validation.invalidInput')).to.equal(true);
      expect(DynagoError.is(error, 'condition.')).to.equal(false);
    });
  });
});
