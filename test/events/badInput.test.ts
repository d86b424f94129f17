import { expect } from 'chai';
import {
  DynagoError,
  type EventInput,
  EventStore,
  ItemTooLargeError,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { countRequests } from '../support/tables.js';
import { allItems, collect, createEventTable, rejects, uniqueId } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: error classes take different constructor arguments
type ErrorClass = abstract new (...args: any[]) => DynagoError;

interface BadInput {
  what: string;
  streamId?: unknown;
  events?: unknown;
  expectedVersion?: unknown;
  error: ErrorClass;
  message: RegExp;
}

const cycle: Record<string, unknown> = { a: 1 };
cycle.self = { back: cycle };
const listCycle: unknown[] = [1];
listCycle.push(listCycle);

/** One valid event with `data`. */
const withData = (data: unknown) => [{ type: 'Bad', data }];

const BAD_INPUTS: BadInput[] = [
  // stream ids
  {
    what: 'empty stream id',
    streamId: '',
    error: ValidationError,
    message: /streamId must be a non-empty string, got an empty string/,
  },
  {
    what: 'numeric stream id',
    streamId: 42,
    error: ValidationError,
    message: /streamId must be a non-empty string, got 42/,
  },
  {
    what: 'null stream id',
    streamId: null,
    error: ValidationError,
    message: /streamId must be a non-empty string, got null/,
  },
  {
    what: 'undefined stream id',
    streamId: undefined,
    error: ValidationError,
    message: /streamId must be a non-empty string, got undefined/,
  },
  {
    what: 'object stream id',
    streamId: { id: 'x' },
    error: ValidationError,
    message: /streamId must be a non-empty string/,
  },
  {
    what: 'stream id of 1025 bytes',
    streamId: 's'.repeat(1025),
    error: ValidationError,
    message: /streamId is 1025 bytes long; stream and aggregate ids may be at most 1024 bytes \(UTF-8\)/,
  },
  {
    what: 'stream id of 513 two-byte characters (1026 bytes)',
    streamId: 'é'.repeat(513),
    error: ValidationError,
    message: /streamId is 1026 bytes long; stream and aggregate ids may be at most 1024 bytes/,
  },
  // events
  { what: 'no events', events: [], error: ValidationError, message: /give at least one event/ },
  {
    what: 'events not an array',
    events: { type: 'A', data: 1 },
    error: ValidationError,
    message: /give at least one event/,
  },
  { what: 'events undefined', events: undefined, error: ValidationError, message: /give at least one event/ },
  {
    what: 'an event that is null',
    events: [null],
    error: ValidationError,
    message: /events\[0\] must be an object \{ type, data, metadata\?, id\? \}/,
  },
  {
    what: 'empty type',
    events: [{ type: '', data: 1 }],
    error: ValidationError,
    message: /events\[0\]: type must be a non-empty string, got ""/,
  },
  {
    what: 'blank type',
    events: [{ type: '   ', data: 1 }],
    error: ValidationError,
    message: /events\[0\]: type must be a non-empty string/,
  },
  {
    what: 'missing type',
    events: [{ data: 1 }],
    error: ValidationError,
    message: /events\[0\]: type must be a non-empty string, got undefined/,
  },
  {
    what: 'numeric type, second event',
    events: [
      { type: 'A', data: 1 },
      { type: 7, data: 1 },
    ],
    error: ValidationError,
    message: /events\[1\]: type must be a non-empty string, got 7/,
  },
  {
    what: 'empty event id',
    events: [{ id: '', type: 'A', data: 1 }],
    error: ValidationError,
    message: /events\[0\]: id must be a non-empty string of at most 256 characters/,
  },
  {
    what: 'event id of 257 characters',
    events: [{ id: 'i'.repeat(257), type: 'A', data: 1 }],
    error: ValidationError,
    message: /id must be a non-empty string of at most 256 characters/,
  },
  {
    what: 'the same event id twice',
    events: [
      { id: 'dup', type: 'A', data: 1 },
      { id: 'dup', type: 'B', data: 2 },
    ],
    error: ValidationError,
    message: /events\[1\]: id "dup" appears twice in one append/,
  },
  {
    what: 'metadata that is an array',
    events: [{ type: 'A', data: 1, metadata: ['x'] }],
    error: ValidationError,
    message: /events\[0\]: metadata must be a plain object/,
  },
  // expected versions
  {
    what: 'expectedVersion -1',
    expectedVersion: -1,
    error: ValidationError,
    message: /expectedVersion must be 'any' or a whole number >= 0 .*, got -1/,
  },
  {
    what: 'expectedVersion 1.5',
    expectedVersion: 1.5,
    error: ValidationError,
    message: /expectedVersion must be 'any' or a whole number >= 0 .*, got 1\.5/,
  },
  {
    what: "expectedVersion 'foo'",
    expectedVersion: 'foo',
    error: ValidationError,
    message: /expectedVersion must be 'any' or a whole number >= 0 .*, got "foo"/,
  },
  {
    what: 'expectedVersion NaN',
    expectedVersion: Number.NaN,
    error: ValidationError,
    message: /expectedVersion must be .*, got NaN/,
  },
  {
    what: 'expectedVersion Infinity',
    expectedVersion: Number.POSITIVE_INFINITY,
    error: ValidationError,
    message: /expectedVersion must be .*, got Infinity/,
  },
  {
    what: 'expectedVersion null',
    expectedVersion: null,
    error: ValidationError,
    message: /expectedVersion must be .*, got null/,
  },
  {
    what: "expectedVersion '3' (a string)",
    expectedVersion: '3',
    error: ValidationError,
    message: /expectedVersion must be .*, got "3"/,
  },
  // data DynamoDB cannot store
  {
    what: 'data with a function',
    events: withData({ ok: 1, fn: () => 1 }),
    error: ValidationError,
    message: /event "Bad"\.data\.fn is a function/,
  },
  {
    what: 'data that is a function',
    events: withData(() => 1),
    error: ValidationError,
    message: /event "Bad"\.data is a function/,
  },
  {
    what: 'data with a symbol',
    events: withData({ sym: Symbol('s') }),
    error: ValidationError,
    message: /event "Bad"\.data\.sym is a symbol/,
  },
  {
    what: 'data with a BigInt',
    events: withData({ big: 10n }),
    error: ValidationError,
    message: /event "Bad"\.data\.big is a BigInt/,
  },
  {
    what: 'data with NaN',
    events: withData({ amount: Number.NaN }),
    error: ValidationError,
    message: /event "Bad"\.data\.amount is NaN: DynamoDB cannot store NaN or Infinity/,
  },
  {
    what: 'data with Infinity',
    events: withData({ amount: Number.POSITIVE_INFINITY }),
    error: ValidationError,
    message: /event "Bad"\.data\.amount is Infinity/,
  },
  {
    what: 'data with -Infinity in a list',
    events: withData({ list: [1, Number.NEGATIVE_INFINITY] }),
    error: ValidationError,
    message: /event "Bad"\.data\.list\[1\] is -Infinity/,
  },
  {
    what: 'data with a cycle',
    events: withData(cycle),
    error: ValidationError,
    message: /event "Bad"\.data\.self\.back refers back to one of its own parents \(a cycle\)/,
  },
  {
    what: 'data with a cycle through a list',
    events: withData(listCycle),
    error: ValidationError,
    message: /event "Bad"\.data\[1\] refers back .*\(a cycle\)/,
  },
  {
    what: 'data with a Date',
    events: withData({ at: new Date(0) }),
    error: ValidationError,
    message: /event "Bad"\.data\.at is an instance of Date: only plain objects can be stored/,
  },
  {
    what: 'data with a Map',
    events: withData({ m: new Map([['a', 1]]) }),
    error: ValidationError,
    message: /event "Bad"\.data\.m is a Map: .*Object\.fromEntries\(map\)/,
  },
  {
    what: 'data with undefined inside a list',
    events: withData([1, undefined]),
    error: ValidationError,
    message: /event "Bad"\.data\[1\] is undefined inside a list/,
  },
  {
    what: 'data with an empty Set',
    events: withData({ tags: new Set() }),
    error: ValidationError,
    message: /event "Bad"\.data\.tags is an empty Set/,
  },
  {
    what: 'metadata with a Date',
    events: [{ type: 'Meta', data: 1, metadata: { at: new Date(0) } }],
    error: ValidationError,
    message: /event "Meta"\.metadata\.at is an instance of Date/,
  },
  {
    what: 'a bad second event after a good one',
    events: [
      { type: 'Good', data: 1 },
      { type: 'Bad', data: { f: () => 1 } },
    ],
    error: ValidationError,
    message: /event "Bad"\.data\.f is a function/,
  },
  // size
  {
    what: 'an event over 400 KB',
    events: [{ type: 'Huge', data: { blob: 'x'.repeat(400 * 1024) } }],
    error: ItemTooLargeError,
    message: /Event "Huge" in stream ".*" is \d+ bytes, over DynamoDB's item limit of 409600 bytes/,
  },
  {
    what: 'a good event, then one over 400 KB',
    events: [
      { type: 'Small', data: 1 },
      { type: 'Huge', data: { blob: 'é'.repeat(205_000) } },
    ],
    error: ItemTooLargeError,
    message: /Event "Huge" in stream ".*" is \d+ bytes/,
  },
];

describe('EventStore: bad input catalogue', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('badinput');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  for (const bad of BAD_INPUTS) {
    it(`${bad.what} → ${bad.error.name}, message names it, nothing sent or written`, async () => {
      const streamId = 'streamId' in bad ? bad.streamId : uniqueId('bad');
      const events = 'events' in bad ? bad.events : [{ type: 'Fine', data: { n: 1 } }];
      const options = 'expectedVersion' in bad ? { expectedVersion: bad.expectedVersion } : {};
      const requests = countRequests(table.client);
      try {
        for (const attempt of [
          () =>
            store.append(streamId as string, events as EventInput[], options as { expectedVersion: number }),
          () =>
            store.appendMany([
              { streamId: uniqueId('bystander'), events: [{ type: 'Fine', data: 1 }], expectedVersion: 0 },
              { streamId: streamId as string, events: events as EventInput[], ...options } as never,
            ]),
        ]) {
          const error = await rejects(attempt(), bad.error);
          expect(error).to.be.instanceOf(DynagoError);
          expect(error.retryable).to.equal(false);
          expect(error.message).to.match(bad.message);
          if (error instanceof ItemTooLargeError) {
            expect(error.message).to.include(`in stream "${streamId as string}"`);
            expect(error.sizeBytes).to.be.greaterThan(409_600);
          }
        }
        expect(requests.total(), 'requests sent').to.equal(0);
      } finally {
        requests.detach();
      }
    });
  }

  it('after the whole catalogue, the table is still empty', async () => {
    // runs the whole catalogue itself (append and appendMany), so it checks something when run alone too
    for (const bad of BAD_INPUTS) {
      const streamId = 'streamId' in bad ? bad.streamId : uniqueId('bad');
      const events = 'events' in bad ? bad.events : [{ type: 'Fine', data: { n: 1 } }];
      const options = 'expectedVersion' in bad ? { expectedVersion: bad.expectedVersion } : {};
      await rejects(
        store.append(streamId as string, events as EventInput[], options as { expectedVersion: number }),
        bad.error,
      );
      await rejects(
        store.appendMany([
          { streamId: uniqueId('bystander'), events: [{ type: 'Fine', data: 1 }], expectedVersion: 0 },
          { streamId: streamId as string, events: events as EventInput[], ...options } as never,
        ]),
        bad.error,
      );
    }
    expect(await allItems(table)).to.deep.equal([]);
  });

  it('a stream id of exactly 1024 bytes fits', async () => {
    const streamId = `${'s'.repeat(1000)}${'é'.repeat(12)}`;
    expect(Buffer.byteLength(streamId)).to.equal(1024);
    await store.append(streamId, [{ type: 'Long', data: 1 }], { expectedVersion: 0 });
    expect((await collect(store.read(streamId))).map((event) => event.streamId)).to.deep.equal([streamId]);
  });

  it('an event a few bytes under the limit is stored and reads back; a few bytes over is refused', async () => {
    // The item's size depends on its timestamp's digits (DynamoDB sizes numbers by significant digits),
    // so the edge moves by a few bytes from one millisecond to the next: stay 8 bytes either side of it.
    const streamId = uniqueId('edge');
    const id = uniqueId('edge-event');
    const append = (length: number) =>
      store.append(streamId, [{ id, type: 'Edge', data: { blob: 'x'.repeat(length) } }], {
        expectedVersion: 0,
      });
    const probe = await rejects(append(409_600), ItemTooLargeError);
    const fits = 409_600 - ((probe.sizeBytes as number) - 409_600);
    const over = await rejects(append(fits + 8), ItemTooLargeError);
    expect(over.sizeBytes).to.be.within(409_601, 409_616);
    expect(await store.version(streamId)).to.equal(0);
    const { events } = await append(fits - 8);
    const [read] = await collect(store.read(streamId));
    expect(read).to.deep.equal(events[0]);
    expect((read?.data as { blob?: string } | undefined)?.blob).to.have.length(fits - 8);
  });

  it('expectedVersion undefined means any', async () => {
    const streamId = uniqueId('undef');
    await store.append(streamId, [{ type: 'A', data: 1 }]);
    const { version } = await store.append(streamId, [{ type: 'B', data: 1 }], {
      expectedVersion: undefined,
    });
    expect(version).to.equal(2);
  });
});
