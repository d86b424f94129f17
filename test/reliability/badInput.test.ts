/**
 * The bad-input catalogue: each input expects one specific DynagoError subclass, a message naming the
 * problem, and nothing written. Inputs rejected by the library itself send no request at all; the few
 * only DynamoDB can judge (a wrong key type, a missing table) send one and write nothing (a wrong key
 * type then one DescribeTable more, to name the table's key types).
 */
import { expect } from 'chai';
import { Ledger } from '../../examples/ledger/ledger.js';
import {
  AggregateRepository,
  DynagoError,
  EventStore,
  InvalidCursorError,
  ItemTooLargeError,
  KeySchemaError,
  SnapshotStore,
  Table,
  TableNotFoundError,
  TransactionLimitError,
  ValidationError,
} from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { countRequests } from '../support/helpers.js';
import { tableFingerprint } from '../support/reliability.js';
import { createTestTable } from '../support/tables.js';

// biome-ignore lint/suspicious/noExplicitAny: error classes take different constructor arguments
type ErrorClass = new (...args: any[]) => DynagoError;

/** What a rejected input may send: nothing at all, reads but no write, or exactly this many requests. */
type Sends = 'nothing' | 'no writes' | number;

/** The four public classes the catalogue covers; each input names the one it is given to. */
const SUBJECTS = ['Table', 'EventStore', 'SnapshotStore', 'AggregateRepository'] as const;
type Subject = (typeof SUBJECTS)[number];

interface BadInput {
  /** The class the bad input is given to: the error must come from one of its constructors or methods. */
  subject: Subject;
  input: string;
  run: () => unknown;
  error: ErrorClass;
  message: RegExp;
  sends?: Sends;
}

const WRITE_COMMANDS = [
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
];

const NOTHING = Symbol('no error');

/** Runs `run`, draining it when it returns an async iterable (reads are lazy), and returns what it threw. */
async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    const result = run();
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) {
        // drain
      }
    } else {
      await result;
    }
  } catch (error) {
    return error;
  }
  return NOTHING;
}

/**
 * How a case's `run` reaches each subject: its constructor, or a method of the test's instance of it.
 * (The source is as transpiled: an imported class may read `new import_src.Table`.)
 */
const REACHES: Record<Subject, RegExp> = {
  Table: /\bnew (?:[\w$]+\.)?Table\b|\btable\.[a-zA-Z]/,
  EventStore: /\bnew (?:[\w$]+\.)?EventStore\b|\bstore\.[a-zA-Z]/,
  SnapshotStore: /\bnew (?:[\w$]+\.)?SnapshotStore\b|\bsnapshots\.[a-zA-Z]/,
  AggregateRepository: /\bnew (?:[\w$]+\.)?AggregateRepository\b|\brepository\.[a-zA-Z]/,
};

/** The subjects whose constructor or methods `run`'s source calls. */
function subjectsCalledBy(run: () => unknown): Subject[] {
  const source = run.toString();
  return SUBJECTS.filter((subject) => REACHES[subject].test(source));
}

const cyclic = (): Record<string, unknown> => {
  const data: Record<string, unknown> = { amount: 1 };
  data.self = data;
  return data;
};

/** Flips one character in the middle of a cursor, keeping it well-formed base64url. */
const edited = (cursor: string) => {
  const middle = Math.floor(cursor.length / 2);
  const flipped = cursor[middle] === 'A' ? 'B' : 'A';
  return `${cursor.slice(0, middle)}${flipped}${cursor.slice(middle + 1)}`;
};

describe('reliability: the bad-input catalogue — a specific error, a message, nothing written', () => {
  let table: Table;
  let store: EventStore;
  let snapshots: SnapshotStore<Record<string, unknown>>;
  let repository: AggregateRepository<{ count: number }>;
  let noSortKey: Table;
  let cursorOfS: string;
  let cursorOfT: string;
  let backwardCursorOfS: string;
  let queryCursor: string;

  before(async () => {
    table = await createTestTable({ prefix: 'bad', sortKeyType: 'N' });
    store = new EventStore({ table });
    snapshots = new SnapshotStore({ table });
    repository = new AggregateRepository<{ count: number }>({
      category: 'thing',
      events: store,
      snapshots: snapshots as unknown as SnapshotStore<{ count: number }>,
      initialState: () => ({ count: 0 }),
      reduce: (state) => ({ count: state.count + 1 }),
    });
    noSortKey = new Table({ tableName: 'no-sort-key', partitionKeyName: 'pk', client: table.client });
    for (const streamId of ['s', 't']) {
      await store.append(
        streamId,
        [1, 2, 3].map((n) => ({ type: 'Counted', data: { n } })),
      );
    }
    await snapshots.save('s', { count: 3 }, { version: 3 });
    // the repository's aggregate 's' (category 'thing'): an existing aggregate with a snapshot
    await store.append(
      repository.streamId('s'),
      [1, 2, 3].map((n) => ({ type: 'Counted', data: { n } })),
    );
    await snapshots.save(repository.streamId('s'), { count: 3 }, { version: 3 });
    await table.putItem('item', 1, { n: 1 });
    await table.putItem('item', 2, { n: 2 });
    cursorOfS = (await store.readPage('s', { limit: 1 })).cursor as string;
    cursorOfT = (await store.readPage('t', { limit: 1 })).cursor as string;
    backwardCursorOfS = (await store.readPage('s', { limit: 1, direction: 'backward' })).cursor as string;
    queryCursor = (await table.query('#pk = :pk', { ':pk': 'item' }, { names: { '#pk': 'pk' }, limit: 1 }))
      .cursor as string;
    for (const cursor of [cursorOfS, cursorOfT, backwardCursorOfS, queryCursor])
      expect(cursor).to.be.a('string');
  });

  after(async () => {
    await table.deleteTable();
  });

  const event = (data: unknown, type = 'Counted') => [{ type, data }];
  const big = 'x'.repeat(410 * 1024);

  const catalogue: BadInput[] = [
    {
      subject: 'Table',
      input: 'new Table: empty tableName',
      run: () => new Table({ tableName: '', partitionKeyName: 'pk' }),
      error: ValidationError,
      message: /tableName must be a non-empty string/,
    },
    {
      subject: 'Table',
      input: 'new Table: non-string partitionKeyName',
      run: () => new Table({ tableName: 'x', partitionKeyName: 42 as unknown as string }),
      error: ValidationError,
      message: /partitionKeyName must be a non-empty string/,
    },
    {
      subject: 'Table',
      input: 'new Table: empty sortKeyName',
      run: () => new Table({ tableName: 'x', partitionKeyName: 'pk', sortKeyName: '' }),
      error: ValidationError,
      message: /sortKeyName must be a non-empty string/,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: empty partition key',
      run: () => table.putItem('', 1, { n: 1 }),
      error: ValidationError,
      message: /"pk" cannot be an empty string/,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: object as partition key',
      run: () => table.putItem({ id: 1 }, 1, { n: 1 }),
      error: ValidationError,
      message: /"pk" must be a string, number or Uint8Array, got an object/,
    },
    {
      subject: 'Table',
      input: 'Table.getItem: boolean as sort key (a wrong key type, caught before sending)',
      run: () => table.getItem('item', true),
      error: ValidationError,
      message: /"sk" must be a string, number or Uint8Array, got a boolean/,
    },
    {
      subject: 'Table',
      input:
        'Table.putItem: string sort key on a numeric sort key (a wrong key type, judged by DynamoDB; one DescribeTable names the key types)',
      run: () => table.putItem('item', 'one', { n: 1 }),
      error: KeySchemaError,
      message: /PutItem.*sort key "sk" \(N, a number\).*Type mismatch for key/,
      sends: 2,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: partition key over 2048 bytes',
      run: () => table.putItem('k'.repeat(2049), 1, { n: 1 }),
      error: ValidationError,
      message: /"pk" is 2049 bytes long; DynamoDB allows at most 2048/,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: item over 400 KB',
      run: () => table.putItem('item', 3, { big }),
      error: ItemTooLargeError,
      message: /over DynamoDB's item limit of 409600 bytes/,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: a function inside the item',
      run: () => table.putItem('item', 3, { nested: { fn: () => 1 } }),
      error: ValidationError,
      message: /item\.nested\.fn is a function/,
    },
    {
      subject: 'Table',
      input: 'Table.putItem: a Date (class instance)',
      run: () => table.putItem('item', 3, { when: new Date(0) }),
      error: ValidationError,
      message: /item\.when is an instance of Date/,
    },
    {
      subject: 'Table',
      input: 'Table.query: a value placeholder with no value',
      run: () => table.query('#pk = :pk', {}, { names: { '#pk': 'pk' } }),
      error: ValidationError,
      message: /value placeholder ":pk" but no value was given/,
    },
    {
      subject: 'Table',
      input: 'Table.query: a name placeholder with no name',
      run: () => table.query('#pk = :pk', { ':pk': 'item' }),
      error: ValidationError,
      message: /name placeholder "#pk" but no name was given/,
    },
    {
      subject: 'Table',
      input: 'Table.query: a placeholder defined but never used',
      run: () => table.query('#pk = :pk', { ':pk': 'item', ':unused': 1 }, { names: { '#pk': 'pk' } }),
      error: ValidationError,
      message: /":unused" is defined but not used/,
    },
    {
      subject: 'Table',
      input: 'Table.query: a random cursor',
      run: () =>
        table.query(
          '#pk = :pk',
          { ':pk': 'item' },
          { names: { '#pk': 'pk' }, cursor: 'bm90LWEtY3Vyc29yLWF0LWFsbC1yZWFsbHk' },
        ),
      error: InvalidCursorError,
      message: /Invalid cursor/,
    },
    {
      subject: 'Table',
      input: 'Table.query: a cursor of another partition',
      run: () => table.query('#pk = :pk', { ':pk': 's' }, { names: { '#pk': 'pk' }, cursor: queryCursor }),
      error: InvalidCursorError,
      message: /belongs to another query/,
    },
    {
      subject: 'Table',
      input: 'Table.transactWrite: 101 operations',
      run: () =>
        table.transactWrite(Array.from({ length: 101 }, (_, i) => table.putOp('many', i + 1, { i }))),
      error: TransactionLimitError,
      message: /101 operations, but DynamoDB allows at most 100/,
    },
    {
      subject: 'Table',
      input: 'Table: a missing table',
      run: () =>
        new Table({
          tableName: createTestTableName('missing'),
          partitionKeyName: 'pk',
          sortKeyName: 'sk',
          client: table.client,
        }).putItem('item', 1, { n: 1 }),
      error: TableNotFoundError,
      message: /Table "missing-[^"]+" does not exist/,
      sends: 1,
    },
    {
      subject: 'Table',
      input: 'Table.updateItem: changing a key attribute',
      run: () => table.updateItem('item', 1, { set: { pk: 'other' } }),
      error: ValidationError,
      message: /cannot change the key attribute "pk"/,
    },
    {
      subject: 'Table',
      input: 'Table.batchWriteItems: two items with one key',
      run: () =>
        table.batchWriteItems([
          { pk: 'dup', sk: 1, n: 1 },
          { pk: 'dup', sk: 1, n: 2 },
        ]),
      error: ValidationError,
      message: /items\[1\] has the same key as an earlier item/,
    },
    {
      subject: 'EventStore',
      input: 'new EventStore: a table without a sort key',
      run: () => new EventStore({ table: noSortKey }),
      error: ValidationError,
      message: /needs a numeric sort key/,
    },
    {
      subject: 'EventStore',
      input: 'append: empty stream id',
      run: () => store.append('', event({ n: 1 })),
      error: ValidationError,
      message: /streamId must be a non-empty string, got an empty string/,
    },
    {
      subject: 'EventStore',
      input: 'append: non-string stream id',
      run: () => store.append(42 as unknown as string, event({ n: 1 })),
      error: ValidationError,
      message: /streamId must be a non-empty string, got 42/,
    },
    {
      subject: 'EventStore',
      input: 'append: stream id over the key limit',
      run: () => store.append('s'.repeat(1025), event({ n: 1 })),
      error: ValidationError,
      message: /streamId is 1025 bytes long; stream and aggregate ids may be at most 1024 bytes/,
    },
    {
      subject: 'EventStore',
      input: 'append: empty event type',
      run: () => store.append('s', event({ n: 1 }, '')),
      error: ValidationError,
      message: /events\[0\]: type must be a non-empty string/,
    },
    {
      subject: 'EventStore',
      input: 'append: no events',
      run: () => store.append('s', []),
      error: ValidationError,
      message: /give at least one event/,
    },
    {
      subject: 'EventStore',
      input: 'append: expectedVersion -1',
      run: () => store.append('s', event({ n: 1 }), { expectedVersion: -1 }),
      error: ValidationError,
      message: /expectedVersion must be 'any' or a whole number >= 0.*got -1/,
    },
    {
      subject: 'EventStore',
      input: 'append: expectedVersion 1.5',
      run: () => store.append('s', event({ n: 1 }), { expectedVersion: 1.5 }),
      error: ValidationError,
      message: /expectedVersion must be .*got 1\.5/,
    },
    {
      subject: 'EventStore',
      input: "append: expectedVersion 'foo'",
      run: () => store.append('s', event({ n: 1 }), { expectedVersion: 'foo' as unknown as number }),
      error: ValidationError,
      message: /expectedVersion must be .*got "foo"/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with a function',
      run: () => store.append('s', event({ fn: () => 1 })),
      error: ValidationError,
      message: /data\.fn is a function/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with a symbol',
      run: () => store.append('s', event({ tag: Symbol('x') })),
      error: ValidationError,
      message: /data\.tag is a symbol/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with a BigInt',
      run: () => store.append('s', event({ amount: 10n })),
      error: ValidationError,
      message: /data\.amount is a BigInt/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with NaN',
      run: () => store.append('s', event({ amount: Number.NaN })),
      error: ValidationError,
      message: /data\.amount is NaN/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with Infinity',
      run: () => store.append('s', event({ amount: Number.POSITIVE_INFINITY })),
      error: ValidationError,
      message: /data\.amount is Infinity/,
    },
    {
      subject: 'EventStore',
      input: 'append: data with a cycle',
      run: () => store.append('s', event(cyclic())),
      error: ValidationError,
      message: /refers back to one of its own parents \(a cycle\)/,
    },
    {
      subject: 'EventStore',
      input: 'append: an event over 400 KB',
      run: () => store.append('s', event({ big }, 'Huge')),
      error: ItemTooLargeError,
      message: /Event "Huge" in stream "s" is \d+ bytes, over DynamoDB's item limit/,
    },
    {
      subject: 'EventStore',
      input: 'append: 101 events',
      run: () =>
        store.append(
          'u',
          Array.from({ length: 101 }, (_, n) => ({ type: 'Counted', data: { n } })),
        ),
      error: TransactionLimitError,
      message: /101 events is over the limit of 100/,
    },
    {
      subject: 'EventStore',
      input: 'appendMany: 101 events across two streams',
      run: () =>
        store.appendMany([
          { streamId: 'u', events: Array.from({ length: 60 }, (_, n) => ({ type: 'Counted', data: { n } })) },
          { streamId: 'v', events: Array.from({ length: 41 }, (_, n) => ({ type: 'Counted', data: { n } })) },
        ]),
      error: TransactionLimitError,
      message: /101 events is over the limit of 100/,
    },
    {
      subject: 'EventStore',
      input: 'appendMany: one stream twice',
      run: () =>
        store.appendMany([
          { streamId: 'u', events: event({ n: 1 }) },
          { streamId: 'u', events: event({ n: 2 }) },
        ]),
      error: ValidationError,
      message: /stream "u" appears twice/,
    },
    {
      subject: 'EventStore',
      input: 'append: one event id twice',
      run: () =>
        store.append('u', [
          { type: 'Counted', data: {}, id: 'same' },
          { type: 'Counted', data: {}, id: 'same' },
        ]),
      error: ValidationError,
      message: /id "same" appears twice in one append/,
    },
    {
      subject: 'EventStore',
      input: 'readPage: a random cursor',
      run: () => store.readPage('s', { limit: 1, cursor: 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA' }),
      error: InvalidCursorError,
      message: /Invalid cursor/,
    },
    {
      subject: 'EventStore',
      input: 'readPage: a truncated cursor',
      run: () => store.readPage('s', { limit: 1, cursor: cursorOfS.slice(0, -6) }),
      error: InvalidCursorError,
      message: /Invalid cursor/,
    },
    {
      subject: 'EventStore',
      input: 'readPage: a cursor from another stream',
      run: () => store.readPage('s', { limit: 1, cursor: cursorOfT }),
      error: InvalidCursorError,
      message: /belongs to another query/,
    },
    {
      subject: 'EventStore',
      input: 'readPage: an edited cursor',
      run: () => store.readPage('s', { limit: 1, cursor: edited(cursorOfS) }),
      error: InvalidCursorError,
      message: /was edited/,
    },
    {
      subject: 'EventStore',
      input: 'readPage: a backward cursor in a forward read',
      run: () => store.readPage('s', { limit: 1, cursor: backwardCursorOfS }),
      error: InvalidCursorError,
      message: /belongs to another query/,
    },
    {
      subject: 'EventStore',
      input: 'read: from 0',
      run: () => store.read('s', { from: 0 }),
      error: ValidationError,
      message: /from must be a whole number >= 1, got 0/,
    },
    {
      subject: 'EventStore',
      input: 'version: empty stream id',
      run: () => store.version(''),
      error: ValidationError,
      message: /streamId must be a non-empty string/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot save: version 0',
      run: () => snapshots.save('s', { count: 0 }, { version: 0 }),
      error: ValidationError,
      message: /version must be a positive integer, got 0/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot save: version 1.5',
      run: () => snapshots.save('s', { count: 0 }, { version: 1.5 }),
      error: ValidationError,
      message: /version must be a positive integer, got 1\.5/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot save: empty stream id',
      run: () => snapshots.save('', { count: 0 }, { version: 4 }),
      error: ValidationError,
      message: /streamId must be a non-empty string/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot save: state with a BigInt',
      run: () => snapshots.save('s', { count: 4n }, { version: 4 }),
      error: ValidationError,
      message: /state\.count is a BigInt/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot save: expectedVersion -1',
      run: () => snapshots.save('s', { count: 4 }, { version: 4, expectedVersion: -1 }),
      error: ValidationError,
      message: /expectedVersion must be .*got -1/,
    },
    {
      subject: 'SnapshotStore',
      input: 'snapshot load: non-string stream id',
      run: () => snapshots.load(42 as unknown as string),
      error: ValidationError,
      message: /streamId must be a non-empty string, got 42/,
    },
    {
      subject: 'AggregateRepository',
      input: 'new AggregateRepository: no event store',
      run: () =>
        new AggregateRepository({
          category: 'thing',
          events: undefined as unknown as EventStore,
          initialState: () => 0,
          reduce: () => 0,
        }),
      error: ValidationError,
      message: /events \(an EventStore\) is required/,
    },
    {
      subject: 'AggregateRepository',
      input: 'new AggregateRepository: snapshotEvery 0',
      run: () =>
        new AggregateRepository({
          category: 'thing',
          events: store,
          initialState: () => 0,
          reduce: () => 0,
          snapshotEvery: 0,
        }),
      error: ValidationError,
      message: /snapshotEvery must be a whole number from 1 to 10000, got 0/,
    },
    {
      subject: 'AggregateRepository',
      input: 'repository load: empty aggregate id',
      run: () => repository.load(''),
      error: ValidationError,
      message: /aggregateId must be a non-empty string/,
    },
    {
      subject: 'AggregateRepository',
      input: 'repository load: aggregate id whose stream is over the id limit',
      // 'thing-' (6 bytes) + 1019 = 1025 bytes
      run: () => repository.load('a'.repeat(1019)),
      error: ValidationError,
      message:
        /aggregateId \(as stream "thing-…"\) is 1025 bytes long; stream and aggregate ids may be at most 1024 bytes/,
    },
    {
      subject: 'AggregateRepository',
      input: 'repository execute: empty aggregate id',
      run: () => repository.execute('', () => []),
      error: ValidationError,
      message: /aggregateId must be a non-empty string/,
    },
    {
      subject: 'AggregateRepository',
      input: 'repository execute: decide is not a function',
      run: () => repository.execute('s', 'decide' as unknown as () => []),
      error: ValidationError,
      message: /decide must be a function/,
    },
    {
      subject: 'AggregateRepository',
      input: 'repository execute: decide returns no array',
      run: () => repository.execute('s', () => 'Counted' as unknown as []),
      error: ValidationError,
      message: /decide must return an array of events/,
      sends: 'no writes',
    },
    {
      subject: 'AggregateRepository',
      input: 'repository execute: decide returns an event without a type',
      run: () => repository.execute('s', () => [{ type: '', data: {} }]),
      error: ValidationError,
      message: /events\[0\]: type must be a non-empty string/,
      sends: 'no writes',
    },
    {
      subject: 'AggregateRepository',
      input: 'repository execute: decide returns data with NaN',
      run: () => repository.execute('s', () => [{ type: 'Counted', data: { n: Number.NaN } }]),
      error: ValidationError,
      message: /data\.n is NaN/,
      sends: 'no writes',
    },
    {
      subject: 'AggregateRepository',
      input: 'repository rebuildAll: concurrency 0',
      run: () => repository.rebuildAll({ concurrency: 0 }),
      error: ValidationError,
      message: /concurrency must be a positive integer, got 0/,
    },
  ];

  it(`holds at least 30 inputs across Table, EventStore, SnapshotStore and AggregateRepository`, () => {
    expect(catalogue.length).to.be.at.least(30);
    const perSubject = new Map<Subject, BadInput[]>(SUBJECTS.map((subject) => [subject, []]));
    for (const bad of catalogue) {
      expect(SUBJECTS, `${bad.input}: an unknown subject`).to.include(bad.subject);
      // the case really gives its input to the class it names (and to no other of the four)
      expect(subjectsCalledBy(bad.run), `${bad.input}: the classes it calls`).to.deep.equal([bad.subject]);
      perSubject.get(bad.subject)?.push(bad);
    }
    for (const [subject, cases] of perSubject) {
      expect(cases.length, `inputs given to ${subject}`).to.be.at.least(5);
      // each subject's inputs include its constructor or methods rejecting before any request
      expect(
        cases.filter((bad) => (bad.sends ?? 'nothing') === 'nothing').length,
        `${subject} inputs rejected before any request`,
      ).to.be.at.least(5);
    }
    for (const bad of catalogue) {
      // a specific error (a subclass, never the bare base class) and a pattern for its message
      expect(bad.error.prototype, `${bad.input}: error`).to.be.instanceOf(DynagoError);
      expect(bad.error, `${bad.input}: error`).to.not.equal(DynagoError);
      expect(bad.message, `${bad.input}: message`).to.be.instanceOf(RegExp);
      expect(bad.message.source.length, `${bad.input}: message`).to.be.at.least(8);
    }
    expect(new Set(catalogue.map((bad) => bad.input)).size, 'every input named once').to.equal(
      catalogue.length,
    );
  });

  for (const bad of catalogue) {
    it(`${bad.input} → ${bad.error.name}`, async () => {
      const before = await tableFingerprint(table);
      const requests = countRequests(table.client);
      let error: unknown;
      try {
        error = await thrownBy(bad.run);
      } finally {
        requests.detach();
      }
      expect(error, 'it must fail').to.not.equal(NOTHING);
      expect(error).to.be.instanceOf(DynagoError);
      expect((error as Error).constructor, `${String(error)}`).to.equal(bad.error);
      expect((error as Error).message).to.match(bad.message);
      const sends = bad.sends ?? 'nothing';
      if (sends === 'nothing') expect(requests.counts, 'rejected before any request').to.deep.equal({});
      else if (sends === 'no writes') {
        for (const command of WRITE_COMMANDS) expect(requests.counts[command] ?? 0, command).to.equal(0);
      } else expect(requests.total()).to.equal(sends);
      expect(await tableFingerprint(table), 'nothing written').to.equal(before);
    });
  }

  it('the harness itself notices a request and a write (so the checks above can fail)', async () => {
    const before = await tableFingerprint(table);
    const requests = countRequests(table.client);
    try {
      await table.putItem('harness', 1, { n: 1 });
      expect(requests.total()).to.equal(1);
      expect(await tableFingerprint(table)).to.not.equal(before);
    } finally {
      requests.detach();
      await table.deleteItem('harness', 1);
    }
    expect(await tableFingerprint(table)).to.equal(before);
  });

  it('attribute names that are reserved words (name, status, size, data) simply work', async () => {
    const item = { name: 'Ada', status: 'open', size: 3, data: { name: 'inner', size: 1 }, comment: 'x' };
    await table.putItem('reserved', 1, item);
    expect(await table.getItem('reserved', 1, { consistentRead: true })).to.deep.equal({
      pk: 'reserved',
      sk: 1,
      ...item,
    });
    const { items } = await table.query(
      '#pk = :pk',
      { ':pk': 'reserved', ':open': 'open', ':three': 3 },
      {
        names: { '#pk': 'pk', '#status': 'status', '#size': 'size' },
        filter: '#status = :open AND #size = :three',
        fields: ['name', 'status', 'size', 'data'],
        consistentRead: true,
      },
    );
    expect(items).to.deep.equal([{ name: 'Ada', status: 'open', size: 3, data: { name: 'inner', size: 1 } }]);
    const updated = await table.updateItem('reserved', 1, {
      set: { status: 'closed', data: { name: 'changed' } },
      add: { size: 2 },
      remove: ['name'],
    });
    expect(updated).to.deep.equal({
      pk: 'reserved',
      sk: 1,
      status: 'closed',
      size: 5,
      data: { name: 'changed' },
      comment: 'x',
    });
    await table.putItem(
      'reserved',
      2,
      { status: 'v' },
      { optimisticLock: { attribute: 'size', current: 0 } },
    );
    const locked = await table.putItem(
      'reserved',
      2,
      { status: 'w' },
      { optimisticLock: { attribute: 'size', current: 1 } },
    );
    expect(locked).to.include({ status: 'w', size: 2 });
    const scanned: Record<string, unknown>[] = [];
    for await (const found of table.scanAll({
      filter: '#data.#name = :changed',
      names: { '#data': 'data', '#name': 'name' },
      values: { ':changed': 'changed' },
      consistentRead: true,
    }))
      scanned.push(found);
    expect(scanned.map((found) => found.sk)).to.deep.equal([1]);

    await store.append('reserved-stream', [
      { type: 'Named', data: { name: 'n', status: 's', size: 1, data: 'd' } },
    ]);
    const [stored] = (await store.readPage('reserved-stream')).events;
    expect(stored?.data).to.deep.equal({ name: 'n', status: 's', size: 1, data: 'd' });
    await snapshots.save('reserved-stream', { name: 'n', status: 's', size: 1, data: 'd' }, { version: 1 });
    expect((await snapshots.load('reserved-stream'))?.state).to.deep.equal({
      name: 'n',
      status: 's',
      size: 1,
      data: 'd',
    });
  });

  it('the ledger accepts owners and accounts whose names look like reserved words', async () => {
    const ledger = new Ledger(table);
    await ledger.open('status', 'name');
    await ledger.deposit('status', 5);
    expect((await ledger.accounts.load('status')).state).to.deep.equal({
      open: true,
      owner: 'name',
      balance: 5,
    });
  });
});
