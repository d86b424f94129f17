/**
 * The contract of appends: what is stored and returned, expected versions and conflicts, idempotent
 * re-sends, appendMany all or nothing, and bad input that stores nothing.
 */
import { expect } from 'chai';
import {
  ConcurrencyError,
  type DynagoError,
  IdempotencyError,
  ItemTooLargeError,
  type StoredEvent,
  TransactionLimitError,
  ValidationError,
} from '../../src/index.js';
import { collect, type ErrorClass, rejects } from '../support/helpers.js';
import { type ContractContext, numbered, range, uniqueId, versionsOf } from './stores.js';

/** A UUID v7 (version nibble 7, RFC 4122 variant), lower case as the `uuid` package writes it. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function appendContract(context: ContractContext): void {
  const store = () => context.shared().events;
  const read = (streamId: string) => collect(store().read(streamId));

  describe('append and read', () => {
    it('stores an event and reads it back exactly: stream, category, version, UUID v7 id, timestamp', async () => {
      const streamId = uniqueId('round');
      const before = Date.now();
      const { version, token, events } = await store().append(streamId, [
        { type: 'Deposited', data: { amount: 10, note: 'pay day' }, metadata: { user: 'ada' } },
      ]);
      const after = Date.now();
      expect(version).to.equal(1);
      expect(token).to.deep.equal({ streamId, version: 1 });
      const [event] = events;
      expect(event?.id).to.match(UUID_V7);
      expect(event?.timestamp).to.be.within(before, after);
      expect(event).to.deep.equal({
        streamId,
        category: 'round',
        version: 1,
        id: event?.id,
        type: 'Deposited',
        data: { amount: 10, note: 'pay day' },
        metadata: { user: 'ada' },
        schemaVersion: 1,
        timestamp: event?.timestamp,
      });
      expect(await read(streamId)).to.deep.equal(events);
    });

    it('leaves metadata and commandId out when none is given', async () => {
      const streamId = uniqueId('nometa');
      const { events } = await store().append(streamId, [
        { type: 'A', data: { x: 1 } },
        { type: 'B', data: { x: 2 }, metadata: { traceId: 't-1' } },
      ]);
      expect(events[0]).to.not.have.property('metadata');
      expect(events[0]).to.not.have.property('commandId');
      expect(events[1]?.metadata).to.deep.equal({ traceId: 't-1' });
      const stored = await read(streamId);
      expect(stored[0]).to.not.have.property('metadata');
      expect(stored).to.deep.equal(events);
    });

    it('keeps caller-given ids; one timestamp for the events of one append; null and arrays as data', async () => {
      const streamId = uniqueId('given');
      const { events } = await store().append(streamId, [
        { id: 'cmd-1/a', type: 'A', data: null },
        { id: 'cmd-1/b', type: 'B', data: [1, 'two', { three: 3 }] },
      ]);
      expect(events.map((event) => event.id)).to.deep.equal(['cmd-1/a', 'cmd-1/b']);
      expect(events[0]?.timestamp).to.equal(events[1]?.timestamp);
      expect(events.map((event) => event.data)).to.deep.equal([null, [1, 'two', { three: 3 }]]);
      expect(await read(streamId)).to.deep.equal(events);
    });

    it('gives events without ids distinct UUID v7s, in increasing order', async () => {
      const { events } = await store().append(uniqueId('ids'), numbered(5));
      const ids = events.map((event) => event.id);
      for (const id of ids) expect(id).to.match(UUID_V7);
      expect(new Set(ids).size).to.equal(5);
      expect([...ids].sort()).to.deep.equal(ids);
    });

    it('numbers the events of successive appends 1, 2, 3 …; version() follows', async () => {
      const streamId = uniqueId('seq');
      expect((await store().append(streamId, numbered(1))).version).to.equal(1);
      const second = await store().append(streamId, numbered(3));
      expect(versionsOf(second.events)).to.deep.equal([2, 3, 4]);
      expect((await store().append(streamId, numbered(1), { expectedVersion: 4 })).version).to.equal(5);
      expect(await store().version(streamId)).to.equal(5);
      expect(versionsOf(await read(streamId))).to.deep.equal(range(1, 5));
    });

    it('stores commandId on every event of the append, and the timestamp it is given', async () => {
      const streamId = uniqueId('command');
      const { events } = await store().append(streamId, numbered(2), {
        commandId: 'order-7/ship',
        timestamp: 1_700_000_000_000,
      });
      expect(events.map((event) => [event.commandId, event.timestamp])).to.deep.equal([
        ['order-7/ship', 1_700_000_000_000],
        ['order-7/ship', 1_700_000_000_000],
      ]);
      expect(await read(streamId)).to.deep.equal(events);
    });

    it('stores what the data says as DynamoDB does: undefined properties dropped, sets and bytes kept', async () => {
      const streamId = uniqueId('shapes');
      const data = {
        kept: 1,
        dropped: undefined,
        tags: new Set(['a', 'b']),
        bytes: new Uint8Array([1, 2, 3]),
      };
      await store().append(streamId, [{ type: 'Shapes', data }]);
      const [event] = await read(streamId);
      expect(event?.data).to.deep.equal({
        kept: 1,
        tags: new Set(['a', 'b']),
        bytes: new Uint8Array([1, 2, 3]),
      });
      expect(event?.data).to.not.have.property('dropped');
    });

    it('what was appended or read is a copy: mutating it changes nothing stored', async () => {
      const streamId = uniqueId('copies');
      const data = { list: [1, 2], nested: { n: 1 } };
      const metadata = { by: 'ada' };
      const { events } = await store().append(streamId, [{ type: 'Copied', data, metadata }]);
      data.list.push(3);
      data.nested.n = 99;
      metadata.by = 'eve';
      ((events[0] as StoredEvent).data as { nested: { n: number } }).nested.n = 42;
      const [first] = await read(streamId);
      ((first as StoredEvent).data as { list: number[] }).list.push(4);
      const [again] = await read(streamId);
      expect(again?.data).to.deep.equal({ list: [1, 2], nested: { n: 1 } });
      expect(again?.metadata).to.deep.equal({ by: 'ada' });
    });

    it('stream ids may hold any characters, # and unicode included, and stay apart', async () => {
      const a = `${uniqueId('odd')}#sub/é✓ space`;
      const b = `${a}#`;
      await store().append(a, [{ type: 'A', data: 1 }], { expectedVersion: 0 });
      await store().append(b, [{ type: 'B', data: 2 }], { expectedVersion: 0 });
      expect((await read(a)).map((event) => [event.streamId, event.type])).to.deep.equal([[a, 'A']]);
      expect(await store().version(b)).to.equal(1);
    });

    it('an aborted append rejects with the signal’s reason and stores nothing', async () => {
      const streamId = uniqueId('aborted');
      const reason = new Error('gave up');
      const controller = new AbortController();
      controller.abort(reason);
      for (const expectedVersion of [0, 'any'] as const) {
        const error = await rejects(
          store().append(streamId, numbered(1), { expectedVersion, signal: controller.signal }),
        );
        expect(error).to.equal(reason);
      }
      expect(await store().version(streamId)).to.equal(0);
    });
  });

  describe('expected versions and conflicts', () => {
    function expectConcurrency(
      error: ConcurrencyError,
      streamId: string,
      expectedVersion: number | 'any',
      actualVersion: number | undefined,
    ): void {
      expect(error).to.be.instanceOf(ConcurrencyError);
      expect(error.code).to.equal('events.concurrency');
      expect([error.retryable, error.reloadable]).to.deep.equal([false, true]);
      expect([error.streamId, error.expectedVersion, error.actualVersion]).to.deep.equal([
        streamId,
        expectedVersion,
        actualVersion,
      ]);
      expect(error.message).to.include(`Stream "${streamId}" was expected at version ${expectedVersion}`);
    }

    it('0 creates a stream; 0 on an existing stream → ConcurrencyError, nothing written (one event and many)', async () => {
      const streamId = uniqueId('zero');
      const { events } = await store().append(streamId, numbered(2), { expectedVersion: 0 });
      for (const count of [1, 3]) {
        const error = await rejects(
          store().append(streamId, numbered(count, 'Late'), { expectedVersion: 0 }),
          ConcurrencyError,
        );
        expectConcurrency(error, streamId, 0, undefined);
        expect(error.message).to.include('version 1 is already taken');
      }
      expect(await read(streamId)).to.deep.equal(events);
    });

    it('a stale version → ConcurrencyError, nothing written', async () => {
      const streamId = uniqueId('stale');
      await store().append(streamId, numbered(3), { expectedVersion: 0 });
      for (const count of [1, 2]) {
        const error = await rejects(
          store().append(streamId, numbered(count, 'Stale'), { expectedVersion: 1 }),
          ConcurrencyError,
        );
        expectConcurrency(error, streamId, 1, undefined);
        expect(error.message).to.include('version 2 is already taken');
      }
      expect((await read(streamId)).map((event) => event.type)).to.deep.equal([
        'Counted',
        'Counted',
        'Counted',
      ]);
    });

    it('a version ahead of the stream → ConcurrencyError with the actual version, no gap written', async () => {
      const streamId = uniqueId('ahead');
      await store().append(streamId, numbered(3), { expectedVersion: 0 });
      for (const [expectedVersion, count] of [
        [7, 1],
        [7, 2],
        [4, 1],
      ] as const) {
        const error = await rejects(
          store().append(streamId, numbered(count), { expectedVersion }),
          ConcurrencyError,
        );
        expectConcurrency(error, streamId, expectedVersion, 3);
        expect(error.message).to.include('it is at version 3');
      }
      const absent = uniqueId('ahead-absent');
      expectConcurrency(
        await rejects(store().append(absent, numbered(1), { expectedVersion: 5 }), ConcurrencyError),
        absent,
        5,
        0,
      );
      expect(await store().version(streamId)).to.equal(3);
      expect(await store().version(absent)).to.equal(0);
    });

    it("'any' (the default) appends after whatever is there", async () => {
      const streamId = uniqueId('any');
      expect((await store().append(streamId, numbered(2), { expectedVersion: 'any' })).version).to.equal(2);
      await store().append(streamId, numbered(3));
      const { version, events } = await store().append(streamId, numbered(2));
      expect(version).to.equal(7);
      expect(versionsOf(events)).to.deep.equal([6, 7]);
    });

    it('tokens from an append, a read to the end and head() are expected versions; a stale one conflicts', async () => {
      const streamId = uniqueId('token');
      const first = await store().append(streamId, numbered(1), { expectedVersion: 0 });
      const second = await store().append(streamId, numbered(2), { expectedVersion: first.token });
      expect(second.token).to.deep.equal({ streamId, version: 3 });
      const page = await store().readPage(streamId);
      expect(page.token).to.deep.equal({ streamId, version: 3 });
      const third = await store().append(streamId, numbered(1), { expectedVersion: page.token });
      const head = await store().head(streamId);
      expect(head).to.deep.equal({ streamId, version: 4 });
      expect((await store().append(streamId, numbered(1), { expectedVersion: head })).version).to.equal(5);
      const error = await rejects(
        store().append(streamId, numbered(1), { expectedVersion: third.token }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 4, undefined);
      expect(await store().version(streamId)).to.equal(5);
    });

    it('a token of another stream → ValidationError; a plain object is not a token', async () => {
      const a = uniqueId('tok-a');
      const b = uniqueId('tok-b');
      const { token } = await store().append(a, numbered(1));
      const error = await rejects(
        store().append(b, numbered(1), { expectedVersion: token }),
        ValidationError,
      );
      expect(error.message).to.include(`expectedVersion is a token of stream "${a}", not of "${b}"`);
      await rejects(
        store().append(a, numbered(1), { expectedVersion: { streamId: a, version: 1 } as unknown as number }),
        ValidationError,
      );
      expect(await store().version(b)).to.equal(0);
      expect(await store().version(a)).to.equal(1);
    });

    it("8 parallel 'any' appends → versions 1..8, every event stored once", async () => {
      const streamId = uniqueId('any-par');
      const results = await Promise.all(
        range(1, 8).map((n) => store().append(streamId, [{ id: `any-${n}`, type: 'Parallel', data: { n } }])),
      );
      expect(results.map((result) => result.version).sort((a, b) => a - b)).to.deep.equal(range(1, 8));
      const stored = await read(streamId);
      expect(versionsOf(stored)).to.deep.equal(range(1, 8));
      for (const result of results) expect(stored[result.version - 1]).to.deep.equal(result.events[0]);
    });

    it('of 8 concurrent appends at one expected version, exactly one wins; the rest get ConcurrencyError', async () => {
      const streamId = uniqueId('race');
      await store().append(streamId, numbered(2), { expectedVersion: 0 });
      const outcomes = await Promise.allSettled(
        range(1, 8).map((n) =>
          store().append(
            streamId,
            range(1, n % 2 === 0 ? 1 : 3).map((k) => ({ id: `w${n}-${k}`, type: 'Race', data: { n, k } })),
            { expectedVersion: 2 },
          ),
        ),
      );
      const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      expect(won).to.have.length(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expectConcurrency(outcome.reason, streamId, 2, undefined);
      }
      expect((await read(streamId)).slice(2)).to.deep.equal(won[0]?.events);
    });
  });

  describe('idempotent re-sends', () => {
    const event = (id: string, n = 1) => ({ id, type: 'Noted', data: { n } });

    it('an exact re-send returns the stored result (also with keys in another order), nothing duplicated', async () => {
      const stream = uniqueId('exact');
      const first = await store().append(stream, [
        { id: 'P', type: 'Noted', data: { a: 1, b: [1, 2] } },
        { id: 'Q', type: 'Noted', data: { n: 2 } },
      ]);
      const again = await store().append(stream, [
        { id: 'P', type: 'Noted', data: { b: [1, 2], a: 1 } },
        { id: 'Q', type: 'Noted', data: { n: 2 } },
      ]);
      expect(again).to.deep.equal(first);
      const atZero = await store().append(
        stream,
        [
          { id: 'P', type: 'Noted', data: { a: 1, b: [1, 2] } },
          { id: 'Q', type: 'Noted', data: { n: 2 } },
        ],
        { expectedVersion: 0 },
      );
      expect(atZero).to.deep.equal(first);
      expect(await store().version(stream)).to.equal(2);
    });

    it('[A,B,C] stored, a re-send of [A,X] → IdempotencyError, nothing written', async () => {
      const stream = uniqueId('ax');
      await store().append(stream, [event('A'), event('B'), event('C')]);
      const error = await rejects(store().append(stream, [event('A'), event('X')]), IdempotencyError);
      expect(error.code).to.equal('events.idempotency');
      expect(error.streamId).to.equal(stream);
      expect(error.message).to.match(/not this append's events in this order/);
      await rejects(store().append(stream, [event('B'), event('C'), event('D')]), IdempotencyError);
      await rejects(store().append(stream, [event('C'), event('B')]), IdempotencyError);
      await rejects(
        store().append(stream, [event('A'), { type: 'Noted', data: { n: 2 } }]),
        IdempotencyError,
      );
      expect(await store().version(stream)).to.equal(3);
    });

    for (const [what, changed] of [
      ['data', { id: 'E', type: 'Noted', data: { n: 2 } }],
      ['type', { id: 'E', type: 'Renamed', data: { n: 1 } }],
      ['metadata', { id: 'E', type: 'Noted', data: { n: 1 }, metadata: { by: 'someone else' } }],
    ] as const) {
      it(`the same id with other ${what} → IdempotencyError ('any' and numeric), the stored event unchanged`, async () => {
        const stream = uniqueId(`other_${what}`);
        const { events } = await store().append(stream, [event('E')], { expectedVersion: 0 });
        const error = await rejects(store().append(stream, [changed]), IdempotencyError);
        expect(error.message).to.match(/other type, data or metadata|has type/);
        await rejects(store().append(stream, [changed], { expectedVersion: 0 }), IdempotencyError);
        expect(await read(stream)).to.deep.equal(events);
      });
    }

    it('a re-send under another command id → IdempotencyError; under the same one, the stored result', async () => {
      const stream = uniqueId('command');
      await store().append(stream, [event('K')], { commandId: 'cmd-1' });
      await rejects(store().append(stream, [event('K')], { commandId: 'cmd-2' }), IdempotencyError);
      await rejects(store().append(stream, [event('K')]), IdempotencyError);
      const again = await store().append(stream, [event('K')], { commandId: 'cmd-1' });
      expect(again.events[0]?.commandId).to.equal('cmd-1');
      expect(await store().version(stream)).to.equal(1);
    });

    it('appendMany re-sent (same ids, same expected versions): the same results, nothing duplicated', async () => {
      const a = uniqueId('resend-a');
      const b = uniqueId('resend-b');
      const request = [
        { streamId: a, events: [{ id: `${a}-1`, type: 'A', data: 1 }], expectedVersion: 0 },
        { streamId: b, events: [{ id: `${b}-1`, type: 'B', data: 1 }], expectedVersion: 0 },
      ];
      const first = await store().appendMany(request);
      expect(await store().appendMany(request)).to.deep.equal(first);
      expect(await store().appendMany(request.map(({ expectedVersion: _, ...rest }) => rest))).to.deep.equal(
        first,
      );
      expect([await store().version(a), await store().version(b)]).to.deep.equal([1, 1]);
    });
  });

  describe('appendMany', () => {
    it('appends to several streams at once and returns each stream’s result, with one timestamp', async () => {
      const from = uniqueId('from');
      const to = uniqueId('to');
      const third = uniqueId('third');
      const fromHead = await store().append(from, numbered(2), { expectedVersion: 0 });
      const toHead = await store().append(to, numbered(1), { expectedVersion: 0 });
      const results = await store().appendMany([
        {
          streamId: from,
          events: [{ type: 'TransferredOut', data: { amount: 5, to } }],
          expectedVersion: fromHead.token,
        },
        { streamId: to, events: [{ type: 'TransferredIn', data: { amount: 5, from } }], expectedVersion: 1 },
        { streamId: third, events: numbered(2), expectedVersion: 0, commandId: 'c-1' },
      ]);
      expect(results.map((result) => [result.streamId, result.version, result.token])).to.deep.equal([
        [from, 3, { streamId: from, version: 3 }],
        [to, 2, { streamId: to, version: 2 }],
        [third, 2, { streamId: third, version: 2 }],
      ]);
      expect(
        new Set(results.flatMap((result) => result.events.map((event) => event.timestamp))).size,
      ).to.equal(1);
      expect(results[2]?.events.map((event) => event.commandId)).to.deep.equal(['c-1', 'c-1']);
      expect((await read(from)).at(-1)).to.deep.equal(results[0]?.events[0]);
      expect((await read(to)).at(-1)).to.deep.equal(results[1]?.events[0]);
      expect(await read(third)).to.deep.equal(results[2]?.events);
      expect(toHead.version).to.equal(1);
    });

    it('one stale stream: ConcurrencyError naming it, and nothing written in any stream', async () => {
      const a = uniqueId('atomic-a');
      const b = uniqueId('atomic-b');
      const c = uniqueId('atomic-c');
      await store().append(a, numbered(1), { expectedVersion: 0 });
      await store().append(b, numbered(3), { expectedVersion: 0 });
      const error = await rejects(
        store().appendMany([
          { streamId: a, events: numbered(1), expectedVersion: 1 },
          { streamId: b, events: numbered(2), expectedVersion: 2 },
          { streamId: c, events: numbered(1), expectedVersion: 0 },
        ]),
        ConcurrencyError,
      );
      expect([error.streamId, error.expectedVersion, error.actualVersion]).to.deep.equal([b, 2, undefined]);
      expect([await store().version(a), await store().version(b), await store().version(c)]).to.deep.equal([
        1, 3, 0,
      ]);
    });

    it('one stream ahead of its expected version: ConcurrencyError with its actual version, nothing written', async () => {
      const a = uniqueId('ahead-a');
      const b = uniqueId('ahead-b');
      await store().append(b, numbered(2), { expectedVersion: 0 });
      const error = await rejects(
        store().appendMany([
          { streamId: a, events: numbered(1), expectedVersion: 0 },
          { streamId: b, events: numbered(1), expectedVersion: 9 },
        ]),
        ConcurrencyError,
      );
      expect([error.streamId, error.expectedVersion, error.actualVersion]).to.deep.equal([b, 9, 2]);
      expect(await store().version(a)).to.equal(0);
    });

    it('the same stream twice, no entries, an entry without events or with a bad id → ValidationError', async () => {
      const a = uniqueId('twice');
      const twice = await rejects(
        store().appendMany([
          { streamId: a, events: numbered(1), expectedVersion: 0 },
          { streamId: a, events: numbered(1), expectedVersion: 1 },
        ]),
        ValidationError,
      );
      expect(twice.message).to.include(`stream "${a}" appears twice`);
      expect((await rejects(store().appendMany([]), ValidationError)).message).to.match(/at least one/);
      const empty = uniqueId('empty-entry');
      const noEvents = await rejects(
        store().appendMany([
          { streamId: a, events: numbered(1) },
          { streamId: empty, events: [] },
        ]),
        ValidationError,
      );
      expect(noEvents.message).to.include(`append to "${empty}": give at least one event`);
      const badId = await rejects(
        store().appendMany([
          { streamId: a, events: numbered(1) },
          { streamId: '', events: numbered(1) },
        ]),
        ValidationError,
      );
      expect(badId.message).to.include('appendMany[1].streamId must be a non-empty string');
      expect(await store().version(a)).to.equal(0);
    });

    it('100 events over 3 streams are one append; 101 → TransactionLimitError, nothing written', async () => {
      const [a, b, c] = [uniqueId('h1'), uniqueId('h2'), uniqueId('h3')];
      const results = await store().appendMany([
        { streamId: a, events: numbered(50), expectedVersion: 0 },
        { streamId: b, events: numbered(49), expectedVersion: 0 },
        { streamId: c, events: numbered(1), expectedVersion: 0 },
      ]);
      expect(results.map((result) => result.version)).to.deep.equal([50, 49, 1]);
      const [d, e] = [uniqueId('t101a'), uniqueId('t101b')];
      const error = await rejects(
        store().appendMany([
          { streamId: d, events: numbered(60), expectedVersion: 0 },
          { streamId: e, events: numbered(41), expectedVersion: 0 },
        ]),
        TransactionLimitError,
      );
      expect(error.message).to.include('101 events is over the limit of 100');
      expect([await store().version(d), await store().version(e)]).to.deep.equal([0, 0]);
    });
  });

  describe('bad input stores nothing, with the same typed errors', () => {
    const streamId = uniqueId('bad');
    type Append = Parameters<ReturnType<typeof store>['append']>;
    const cases: [string, () => Append, ErrorClass<DynagoError>, RegExp][] = [
      ['an empty stream id', () => ['', numbered(1)], ValidationError, /streamId must be a non-empty string/],
      [
        'a stream id over 1024 bytes',
        () => ['é'.repeat(513), numbered(1)],
        ValidationError,
        /streamId is 1026 bytes long/,
      ],
      ['no events', () => [streamId, []], ValidationError, /give at least one event/],
      ['events not an array', () => [streamId, {} as never], ValidationError, /give at least one event/],
      [
        'an event without a type',
        () => [streamId, [{ data: 1 } as never]],
        ValidationError,
        /events\[0\]: type must be a non-empty string/,
      ],
      [
        'an id twice',
        () => [
          streamId,
          [
            { id: 'x', type: 'A', data: 1 },
            { id: 'x', type: 'B', data: 2 },
          ],
        ],
        ValidationError,
        /id "x" appears twice/,
      ],
      [
        'metadata that is not a plain object',
        () => [streamId, [{ type: 'A', data: 1, metadata: [] as never }]],
        ValidationError,
        /metadata must be a plain object/,
      ],
      [
        'a function in the data',
        () => [streamId, [{ type: 'A', data: { f: () => 1 } }]],
        ValidationError,
        /data\.f is a function/,
      ],
      [
        'a Date in the data',
        () => [streamId, [{ type: 'A', data: { at: new Date() } }]],
        ValidationError,
        /Date/,
      ],
      ['NaN in the data', () => [streamId, [{ type: 'A', data: { n: Number.NaN } }]], ValidationError, /NaN/],
      [
        'expectedVersion -1',
        () => [streamId, numbered(1), { expectedVersion: -1 }],
        ValidationError,
        /expectedVersion must be 'any' or a whole number >= 0/,
      ],
      [
        'an empty commandId',
        () => [streamId, numbered(1), { commandId: '' }],
        ValidationError,
        /commandId must be/,
      ],
      [
        'a negative timestamp',
        () => [streamId, numbered(1), { timestamp: -1 }],
        ValidationError,
        /timestamp must be epoch milliseconds/,
      ],
      [
        'an event over 400 KB',
        () => [streamId, [{ type: 'Big', data: 'x'.repeat(410_000) }]],
        ItemTooLargeError,
        /over DynamoDB's item limit/,
      ],
      ['101 events', () => [streamId, numbered(101)], TransactionLimitError, /over the limit of 100/],
      [
        'events over 4 MB in all',
        () => [
          streamId,
          Array.from({ length: 11 }, () => ({ type: 'Big', data: { blob: 'x'.repeat(390_000) } })),
        ],
        TransactionLimitError,
        /4 MB/,
      ],
    ];
    for (const [what, args, type, message] of cases) {
      it(`${what} → ${type.name}`, async () => {
        const error = await rejects(store().append(...args()), type);
        expect(error.message).to.match(message);
        expect(error.retryable).to.equal(false);
      });
    }

    it('the catalogue stored nothing', async () => {
      // runs the catalogue itself, so it checks something when run alone too
      const outcomes = await Promise.allSettled(cases.map(([, args]) => store().append(...args())));
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(cases.map(() => 'rejected'));
      expect(await store().version(streamId)).to.equal(0);
      expect(await collect(store().read(streamId))).to.deep.equal([] as StoredEvent[]);
    });
  });
}
