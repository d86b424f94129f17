/**
 * Security: caller values and names never become expression syntax; a cursor cannot move a read to
 * another stream, partition, index or table; credentials never appear in errors or logs.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'chai';
import {
  ConcurrencyError,
  ConditionFailedError,
  type DynagoError,
  DynamoDBError,
  DynamoDBUnavailableError,
  EventStore,
  InvalidCursorError,
  OptimisticLockError,
  SnapshotStore,
  Table,
  TableNotFoundError,
  TransactionCanceledError,
  ValidationError,
} from '../../src/index.js';
import { MAX_EVENT_VERSION } from '../../src/internal/layout.js';
import { CursorCodec, fingerprint } from '../../src/table/cursor.js';
import { createTestTableName } from '../../src/testing/index.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { countRequests } from '../support/helpers.js';
import { failureOf } from '../support/reliability.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

/** A value that would widen a condition if it were pasted into the expression. */
const VALUE = ':v OR attribute_exists(pk)';
/** Attribute names that mean something else in expression syntax. */
const NAMES = ['#x', 'a.b', 'size', 'name[0]', 'pk) OR (attribute_exists(pk)', ':v'];

const EXPRESSION_FIELDS = [
  'ConditionExpression',
  'KeyConditionExpression',
  'FilterExpression',
  'UpdateExpression',
  'ProjectionExpression',
] as const;
const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'BETWEEN',
  'SET',
  'ADD',
  'REMOVE',
  'attribute_not_exists',
  'attribute_exists',
  'begins_with',
]);

interface Recorded {
  command: string;
  input: Record<string, unknown>;
}

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

let recorderSequence = 0;

/** Records the input of every request sent through `table`, as the library built it. */
function recordAll(table: Table): { requests: Recorded[]; detach(): void } {
  const requests: Recorded[] = [];
  const name = `securityRecorder${++recorderSequence}`;
  const stack = table.client.middlewareStack as unknown as {
    add(middleware: Middleware, options: { step: 'initialize'; name: string }): void;
    remove(name: string): boolean;
  };
  stack.add(
    (next, context) => async (args) => {
      requests.push({ command: context.commandName ?? 'unknown', input: structuredClone(args.input) });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { requests, detach: () => void stack.remove(name) };
}

/** Every expression of a request, top level and inside each transaction item. */
function expressionsOf(
  input: Record<string, unknown>,
): { where: string; expression: string; parent: Record<string, unknown> }[] {
  const parents: [string, Record<string, unknown>][] = [['', input]];
  for (const [index, item] of (
    (input.TransactItems as Record<string, Record<string, unknown>>[]) ?? []
  ).entries()) {
    for (const [kind, operation] of Object.entries(item))
      parents.push([`TransactItems[${index}].${kind}.`, operation]);
  }
  return parents.flatMap(([prefix, parent]) =>
    EXPRESSION_FIELDS.filter((field) => typeof parent[field] === 'string').map((field) => ({
      where: `${prefix}${field}`,
      expression: parent[field] as string,
      parent,
    })),
  );
}

/** The tokens of an expression that are neither placeholders nor DynamoDB keywords: should be none. */
function literalsIn(expression: string): string[] {
  return expression
    .split(/[\s,()=<>]+/)
    .filter(Boolean)
    .filter((token) => !/^[#:][A-Za-z0-9_]+$/.test(token) && !KEYWORDS.has(token));
}

function expectOnlyPlaceholders(requests: Recorded[]): { names: Set<string>; values: string[] } {
  const names = new Set<string>();
  const values: string[] = [];
  expect(requests.length).to.be.greaterThan(0);
  for (const { command, input } of requests) {
    for (const { where, expression, parent } of expressionsOf(input)) {
      expect(literalsIn(expression), `${command} ${where}: ${expression}`).to.deep.equal([]);
      expect(expression).to.not.include(VALUE);
      for (const name of Object.values((parent.ExpressionAttributeNames as Record<string, string>) ?? {}))
        names.add(name);
      values.push(JSON.stringify(parent.ExpressionAttributeValues ?? {}));
    }
  }
  return { names, values };
}

describe('reliability: security', () => {
  describe('caller values and names go through placeholders, never into expressions', () => {
    let table: Table;

    before(async () => {
      table = await createTestTable({ prefix: 'inject', sortKeyType: 'N' });
      await table.putItem('victim', 1, { secret: 'must stay unread' });
    });

    after(async () => {
      await table.deleteTable();
    });

    it('Table: put, update, query, scan, delete and a transaction with expression-like names and values', async () => {
      const recorder = recordAll(table);
      try {
        const item = Object.fromEntries(NAMES.map((name) => [name, VALUE]));
        await table.putItem('inj', 1, item, { optimisticLock: { attribute: 'a.b.lock', current: 0 } });
        await table.putItem('inj', 1, item, { optimisticLock: { attribute: 'a.b.lock', current: 1 } });
        await table.putItem('inj', 2, item, {
          condition: { expression: 'attribute_not_exists(#k)', names: { '#k': 'size' } },
        });
        const updated = await table.updateItem<Record<string, unknown>>('inj', 1, {
          set: { 'a.b': 'set', size: VALUE, '#x': ':x' },
          add: { 'n.m': 1 },
          remove: ['name[0]'],
        });
        expect(updated['a.b']).to.equal('set');
        expect(updated.size).to.equal(VALUE);
        expect(updated['#x']).to.equal(':x');
        expect(updated['n.m']).to.equal(1);
        expect(updated).to.not.have.property('name[0]');
        expect(updated).to.not.have.property('a');

        const wide = await table.query(
          '#pk = :pk',
          { ':pk': VALUE },
          { names: { '#pk': 'pk' }, consistentRead: true },
        );
        expect(wide.items, 'a value that looks like a condition matches nothing').to.deep.equal([]);

        const filtered = await table.query<Record<string, unknown>>(
          '#pk = :pk',
          { ':pk': 'inj', ':v': VALUE },
          {
            names: { '#pk': 'pk', '#f': 'pk) OR (attribute_exists(pk)' },
            filter: '#f = :v',
            fields: NAMES,
            consistentRead: true,
          },
        );
        expect(filtered.items).to.have.length(2);
        for (const found of filtered.items) expect(NAMES).to.include.members(Object.keys(found));
        expect(filtered.items.map((found) => Object.keys(found).length).sort()).to.deep.equal([
          NAMES.length - 1,
          NAMES.length,
        ]);
        for (const found of filtered.items) expect(found).to.not.have.property('secret');

        const scanned: Record<string, unknown>[] = [];
        for await (const found of table.scanAll<Record<string, unknown>>({
          filter: '#f = :v',
          names: { '#f': ':v' },
          values: { ':v': VALUE },
          fields: ['#x', 'size'],
          consistentRead: true,
        }))
          scanned.push(found);
        expect(scanned).to.have.length(2);
        expect(scanned.every((found) => !('secret' in found))).to.equal(true);

        await table.transactWrite([
          table.putOp('inj', 3, item, {
            condition: { expression: 'attribute_not_exists(#k)', names: { '#k': '#x' } },
          }),
          table.updateOp(
            'inj',
            2,
            { set: { 'a.b': VALUE } },
            { condition: { expression: '#s = :v', names: { '#s': 'size' }, values: { ':v': VALUE } } },
          ),
          table.conditionCheckOp('victim', 1, {
            expression: 'attribute_exists(#s)',
            names: { '#s': 'secret' },
          }),
        ]);

        const refused = await failureOf(
          table.deleteItem('victim', 1, {
            condition: { expression: '#s = :v', names: { '#s': 'secret' }, values: { ':v': VALUE } },
          }),
        );
        expect(refused, 'the condition compared the value, it did not widen').to.be.instanceOf(
          ConditionFailedError,
        );
        expect(await table.getItem('victim', 1, { consistentRead: true })).to.deep.equal({
          pk: 'victim',
          sk: 1,
          secret: 'must stay unread',
        });

        const { names, values } = expectOnlyPlaceholders(recorder.requests);
        for (const name of NAMES)
          expect([...names], `the name ${name} went through a name placeholder`).to.include(name);
        expect(names).to.include('a.b.lock');
        expect(values.join('\n')).to.include(JSON.stringify(VALUE));
        const stored = await table.getItem<Record<string, unknown>>('inj', 3, { consistentRead: true });
        for (const name of NAMES) expect(stored?.[name], name).to.equal(VALUE);
      } finally {
        recorder.detach();
      }
    });

    it('EventStore, SnapshotStore: stream ids, types and data that look like expressions are stored literally', async () => {
      const store = new EventStore({ table });
      const snapshots = new SnapshotStore<Record<string, unknown>>({ table });
      const recorder = recordAll(table);
      const streamId = 'x) OR attribute_exists(pk';
      try {
        const data = Object.fromEntries(NAMES.map((name) => [name, VALUE]));
        await store.append(streamId, [{ type: VALUE, data }], { expectedVersion: 0 });
        await store.append(streamId, [
          { type: '#type', data },
          { type: 'size', data },
        ]);
        await store.append(streamId, [{ type: VALUE, data }], { expectedVersion: 3 });
        const read = [];
        for await (const event of store.read(streamId)) read.push(event);
        expect(read.map((event) => [event.streamId, event.version, event.type])).to.deep.equal([
          [streamId, 1, VALUE],
          [streamId, 2, '#type'],
          [streamId, 3, 'size'],
          [streamId, 4, VALUE],
        ]);
        expect(read[0]?.data).to.deep.equal(data);
        expect(await store.version(streamId)).to.equal(4);
        expect(await store.version(VALUE)).to.equal(0);
        expect(await snapshots.save(VALUE, data, { version: 4 })).to.equal(true);
        expect(await snapshots.save(VALUE, data, { version: 5, expectedVersion: 4 })).to.equal(true);
        expect((await snapshots.load(VALUE))?.state).to.deep.equal(data);
        expectOnlyPlaceholders(recorder.requests);
        const conditions = recorder.requests
          .filter(({ command }) => command === 'PutItemCommand')
          .map(({ input }) => input.ConditionExpression);
        expect(conditions).to.include('attribute_not_exists(#pk)');
      } finally {
        recorder.detach();
      }
    });

    it('placeholder keys themselves cannot smuggle syntax', async () => {
      const requests = countRequests(table.client);
      try {
        const badName = await failureOf(
          table.query('#a = :pk', { ':pk': 'inj' }, { names: { '#a OR #b': 'pk', '#a': 'pk' } }),
        );
        expect(badName).to.be.instanceOf(ValidationError);
        expect((badName as Error).message).to.match(/name placeholder "#a OR #b" must look like "#name"/);
        const badValue = await failureOf(
          table.query('#pk = :pk', { ':pk': 'inj', ':v) OR (:w': 1 }, { names: { '#pk': 'pk' } }),
        );
        expect(badValue).to.be.instanceOf(ValidationError);
        expect((badValue as Error).message).to.match(
          /value placeholder ":v\) OR \(:w" must look like ":value"/,
        );
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });
  });

  describe('a cursor cannot move a read to another stream, partition, index or table', () => {
    let table: Table;
    let other: Table;
    const names = { '#pk': 'pk' };

    before(async () => {
      table = await createTestTable({
        prefix: 'cursor',
        sortKeyType: 'N',
        indexes: [
          { name: 'gsi1', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'rank', type: 'N' } },
        ],
      });
      other = await createTestTable({ prefix: 'cursor-other', sortKeyType: 'N' });
      for (const target of [table, other]) {
        for (const pk of ['a', 'b'])
          for (let sk = 1; sk <= 3; sk++) await target.putItem(pk, sk, { rank: sk, of: pk });
      }
    });

    after(async () => {
      await table.deleteTable();
      await other.deleteTable();
    });

    const firstPage = (target: Table, pk: string, options: Record<string, unknown> = {}) =>
      target.query(
        '#pk = :pk',
        { ':pk': pk },
        { names, limit: 1, consistentRead: !options.index, ...options },
      );

    const cases: [string, () => Promise<unknown>][] = [
      [
        'another partition',
        async () => firstPage(table, 'b', { cursor: (await firstPage(table, 'a')).cursor }),
      ],
      ['another table', async () => firstPage(other, 'a', { cursor: (await firstPage(table, 'a')).cursor })],
      [
        'the index, from the base table',
        async () => firstPage(table, 'a', { index: 'gsi1', cursor: (await firstPage(table, 'a')).cursor }),
      ],
      [
        'the base table, from the index',
        async () =>
          firstPage(table, 'a', { cursor: (await firstPage(table, 'a', { index: 'gsi1' })).cursor }),
      ],
      [
        'the other direction',
        async () => firstPage(table, 'a', { ascending: false, cursor: (await firstPage(table, 'a')).cursor }),
      ],
      [
        'a filtered query',
        async () =>
          firstPage(table, 'a', {
            filter: 'attribute_exists(#pk)',
            cursor: (await firstPage(table, 'a')).cursor,
          }),
      ],
    ];
    for (const [target, run] of cases) {
      it(`a cursor used for ${target} → InvalidCursorError, before any request of that read`, async () => {
        const requests = countRequests(table.client);
        const otherRequests = countRequests(other.client);
        try {
          const error = await failureOf(run());
          expect(error).to.be.instanceOf(InvalidCursorError);
          expect(requests.total() + otherRequests.total(), 'only the first page was read').to.equal(1);
        } finally {
          requests.detach();
          otherRequests.detach();
        }
      });
    }

    it('a forged cursor (sealed with the default secret) still cannot leave the partition of the key condition', async () => {
      // The default secret is derived from the table name, so anyone who knows it can seal a cursor; the
      // partition still comes from the key condition, and DynamoDB refuses a start key outside it.
      const print = fingerprint([table.tableName, '', '#pk = :pk', { ':pk': 'a' }, names, '', true]);
      const forged = new CursorCodec(table.tableName).encode({ pk: 'b', sk: 1 }, print);
      const outcome = await table
        .query<Record<string, unknown>>('#pk = :pk', { ':pk': 'a' }, { names, cursor: forged })
        .catch((error) => error);
      expect(outcome, 'the forged cursor opened (else this test proves nothing)').to.not.be.instanceOf(
        InvalidCursorError,
      );
      if (outcome instanceof Error) expect(outcome).to.be.instanceOf(ValidationError);
      else expect(outcome.items.every((item: Record<string, unknown>) => item.pk === 'a')).to.equal(true);
    });

    it('EventStore: a forged cursor pointing into another stream cannot read it', async () => {
      const store = new EventStore({ table });
      await store.append('mine', [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
      await store.append('theirs', [{ type: 'Secret', data: { pin: 1234 } }]);
      const print = fingerprint([
        table.tableName,
        '',
        '#pk = :pk AND #sk BETWEEN :from AND :to',
        // the query readPage sends: event reads stop below the snapshot item (MAX_EVENT_VERSION)
        { ':pk': 'event#mine', ':from': 1, ':to': MAX_EVENT_VERSION },
        { '#pk': 'pk', '#sk': 'sk' },
        '',
        true,
      ]);
      const forged = new CursorCodec(table.tableName).encode({ pk: 'event#theirs', sk: 0 }, print);
      const outcome = await store.readPage('mine', { cursor: forged }).catch((error) => error);
      expect(outcome).to.not.be.instanceOf(InvalidCursorError);
      if (outcome instanceof Error) expect(outcome).to.be.instanceOf(ValidationError);
      else
        expect(outcome.events.every((event: { streamId: string }) => event.streamId === 'mine')).to.equal(
          true,
        );
      const fromMine = (await store.readPage('mine', { limit: 1 })).cursor as string;
      expect(await failureOf(store.readPage('theirs', { cursor: fromMine }))).to.be.instanceOf(
        InvalidCursorError,
      );
    });

    it('a cursor sealed with another cursorSecret is refused', async () => {
      const a = new Table({
        tableName: table.tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        client: table.client,
        cursorSecret: 'one',
      });
      const b = new Table({
        tableName: table.tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        client: table.client,
        cursorSecret: 'two',
      });
      const cursor = (await firstPage(a, 'a')).cursor;
      expect(await failureOf(firstPage(b, 'a', { cursor }))).to.be.instanceOf(InvalidCursorError);
      expect((await firstPage(a, 'a', { cursor })).items).to.have.length(1);
    });
  });

  describe('credentials never appear in error messages or logs', () => {
    const ACCESS_KEY_ID = 'AKIA_TEST_SECRET_ID';
    /** DynamoDB Local accepts only letters and digits in an access key id: this one gets through. */
    const ACCEPTED_KEY_ID = 'AKIATESTSECRETID7';
    const SECRET = 'SECRET_VALUE_123';
    const SECRETS = [ACCESS_KEY_ID, ACCEPTED_KEY_ID, SECRET];
    let closedPort: number;

    before(async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      closedPort = (server.address() as { port: number }).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const tableAt = (url: string, accessKeyId: string, tableName = createTestTableName('creds')) =>
      new Table({
        tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        region: 'us-east-1',
        endpoint: { url, accessKeyId, secretAccessKey: SECRET },
      });

    /** Everything a caller or a logger (console, JSON) prints of an error, its causes included. */
    function surfaces(error: unknown): Record<string, string> {
      const all: Record<string, string> = {};
      let current: unknown = error;
      for (let depth = 0; current instanceof Error && depth < 5; depth++, current = current.cause) {
        all[`cause^${depth}.message`] = current.message;
        all[`cause^${depth}.String`] = String(current);
        all[`cause^${depth}.stack`] = String(current.stack);
        all[`cause^${depth}.JSON`] = safeJson(current);
      }
      all.inspect = inspect(error, { depth: Number.POSITIVE_INFINITY });
      return all;
    }

    /** JSON of every own property (enumerable or not) of the error and of each cause. */
    function ownProperties(error: unknown): Record<string, string> {
      const all: Record<string, string> = {};
      let current: unknown = error;
      for (let depth = 0; current instanceof Error && depth < 5; depth++, current = current.cause) {
        const record = current as unknown as Record<string, unknown>;
        for (const key of Object.getOwnPropertyNames(current)) {
          if (key !== 'cause') all[`cause^${depth}.${key}`] = safeJson(record[key]);
        }
      }
      return all;
    }

    function safeJson(value: unknown): string {
      const seen = new WeakSet<object>();
      const json = JSON.stringify(value, (_key, node: unknown) => {
        if (typeof node === 'bigint') return String(node);
        if (node !== null && typeof node === 'object') {
          if (seen.has(node)) return '[cycle]';
          seen.add(node);
        }
        return node;
      });
      return json ?? String(value);
    }

    /** Captures console.* and process stdout/stderr writes while `run` runs. */
    async function capturingOutput(run: () => Promise<void>): Promise<string> {
      const captured: string[] = [];
      const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
      const originals = methods.map((method) => console[method]);
      const writes = [process.stdout.write, process.stderr.write];
      const capture = (...args: unknown[]) => {
        captured.push(
          args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '),
        );
      };
      for (const method of methods) console[method] = capture;
      const write = ((chunk: unknown) => {
        captured.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      process.stdout.write = write;
      process.stderr.write = write;
      try {
        await run();
      } finally {
        methods.forEach((method, index) => {
          console[method] = originals[index] as (typeof console)[typeof method];
        });
        process.stdout.write = writes[0] as typeof process.stdout.write;
        process.stderr.write = writes[1] as typeof process.stderr.write;
      }
      return captured.join('\n');
    }

    it('missing table, refused connection, rejected key, throttling, validation, conditions, transactions, conflicts', async () => {
      const endpoint = testEndpoint().url;
      const proxy = await startFaultProxy({ target: endpoint, seed: 1 });
      const ok = tableAt(endpoint, ACCEPTED_KEY_ID);
      await ok.createTable({ sortKeyType: 'N' });
      const errors: [string, unknown, new (...args: never[]) => DynagoError][] = [];
      try {
        const output = await capturingOutput(async () => {
          const provoke = async (
            what: string,
            expected: new (...args: never[]) => DynagoError,
            call: () => Promise<unknown>,
          ) => {
            const error = await failureOf(call());
            errors.push([what, error, expected]);
            // What an application typically logs:
            console.error(error);
            console.error(String(error));
            console.error(`failed: ${(error as Error).message}`, { error });
          };
          await provoke('missing table', TableNotFoundError, () =>
            tableAt(endpoint, ACCEPTED_KEY_ID).getItem('a', 1),
          );
          await provoke('connection refused', DynamoDBUnavailableError, () =>
            tableAt(`http://127.0.0.1:${closedPort}`, ACCESS_KEY_ID).putItem('a', 1, { n: 1 }),
          );
          await provoke('access key rejected by DynamoDB', DynamoDBError, () =>
            tableAt(endpoint, ACCESS_KEY_ID, ok.tableName).getItem('a', 1),
          );
          // The library's own client keeps the SDK's default attempts: fault more requests than that.
          proxy.script('GetItem', Array(10).fill('throttling'));
          await provoke('throttled to the end', DynamoDBUnavailableError, () =>
            tableAt(proxy.url, ACCEPTED_KEY_ID, ok.tableName).getItem('a', 1),
          );
          proxy.clearScript();
          proxy.script('PutItem', Array(10).fill('reset'));
          await provoke('connection reset', DynamoDBUnavailableError, () =>
            tableAt(proxy.url, ACCEPTED_KEY_ID, ok.tableName).putItem('a', 1, { n: 1 }),
          );
          await provoke('validation by DynamoDB', ValidationError, () =>
            ok.putItem('a', 'not a number', { n: 1 }),
          );
          await provoke('validation by the library', ValidationError, () => ok.putItem('', 1, { n: 1 }));
          await ok.putItem('locked', 1, { v: 1 });
          await provoke('optimistic lock', OptimisticLockError, () =>
            ok.putItem('locked', 1, { v: 9 }, { optimisticLock: { attribute: 'v', current: 5 } }),
          );
          await provoke('condition', ConditionFailedError, () =>
            ok.putItem(
              'locked',
              1,
              {},
              { condition: { expression: 'attribute_not_exists(#pk)', names: { '#pk': 'pk' } } },
            ),
          );
          await provoke('transaction cancelled', TransactionCanceledError, () =>
            ok.transactWrite([
              ok.putOp('locked', 1, {}, { optimisticLock: { attribute: 'v', current: 7 } }),
              ok.putOp('t', 1, {}),
            ]),
          );
          const store = new EventStore({ table: ok });
          await store.append('s', [{ type: 'A', data: {} }]);
          await provoke('concurrency', ConcurrencyError, () =>
            store.append('s', [{ type: 'A', data: {} }], { expectedVersion: 0 }),
          );
        });
        proxy.clearScript();
        expect(errors).to.have.length(11);
        for (const [what, error, expected] of errors) {
          expect(error, what).to.be.instanceOf(expected);
          for (const [surface, text] of Object.entries(surfaces(error))) {
            for (const secret of SECRETS)
              expect(text.includes(secret), `${what}: ${secret} in ${surface}`).to.equal(false);
          }
        }
        expect(output.length, 'the errors were logged').to.be.greaterThan(1000);
        for (const secret of SECRETS)
          expect(output.includes(secret), `${secret} in the console output`).to.equal(false);
      } finally {
        await ok.deleteTable();
        await proxy.close();
      }
    });

    /** A DynamoDB service error (a failed condition), from a table with configured credentials. */
    async function serviceError(): Promise<unknown> {
      const ok = tableAt(testEndpoint().url, ACCEPTED_KEY_ID);
      await ok.createTable({ sortKeyType: 'N' });
      try {
        await ok.putItem('locked', 1, { v: 1 });
        return await failureOf(
          ok.putItem('locked', 1, {}, { optimisticLock: { attribute: 'v', current: 5 } }),
        );
      } finally {
        await ok.deleteTable();
      }
    }

    it('the secret access key is nowhere in the error object graph, hidden properties included', async () => {
      const error = await serviceError();
      expect(error).to.be.instanceOf(OptimisticLockError);
      const deep = inspect(error, {
        depth: 40,
        showHidden: true,
        maxArrayLength: null,
        maxStringLength: null,
      });
      expect(deep.length).to.be.greaterThan(1000);
      expect(deep.includes(SECRET), 'the secret key in a deep dump with hidden properties').to.equal(false);
      for (const [property, json] of Object.entries(ownProperties(error)))
        expect(json.includes(SECRET), `the secret key in ${property}`).to.equal(false);
    });

    it('the access key id is in no own property of the error or its cause (JSON of each, hidden ones included)', async () => {
      // Error serializers that walk Object.getOwnPropertyNames (or inspect with showHidden) print what
      // is found here. The SDK exception kept as `cause` holds `$response`, whose raw body keeps the
      // signed request: "authorization: AWS4-HMAC-SHA256 Credential=<access key id>/…".
      const error = await serviceError();
      const leaks = Object.entries(ownProperties(error))
        .filter(([, json]) => json.includes(ACCEPTED_KEY_ID))
        .map(([property]) => property);
      expect(leaks, 'properties whose JSON holds the access key id').to.deep.equal([]);
    });
  });
});
