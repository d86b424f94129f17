/**
 * The contract of reads: read, readPage (cursors and tokens), version and head, aborts, and every stream
 * or one category with readAll and readAllSegments.
 */
import { expect } from 'chai';
import { InvalidCursorError, type StoredEvent, ValidationError } from '../../src/index.js';
import { collect, rejects } from '../support/helpers.js';
import {
  type ContractContext,
  type ContractStores,
  numbered,
  range,
  uniqueCategory,
  uniqueId,
  versionsOf,
} from './stores.js';

export function readContract(context: ContractContext): void {
  const store = () => context.shared().events;

  describe('reads of one stream', () => {
    /** A stream of 35 events, data { n: version }, appended 20 + 15. */
    let long: string;
    let longEvents: StoredEvent[];

    before(async () => {
      long = uniqueId('long');
      longEvents = [];
      for (const [from, count] of [
        [1, 20],
        [21, 15],
      ] as const) {
        const { events } = await store().append(
          long,
          range(from, from + count - 1).map((n) => ({ type: 'Step', data: { n } })),
          { expectedVersion: from - 1 },
        );
        longEvents.push(...events);
      }
    });

    const versions = async (options: Parameters<ReturnType<typeof store>['read']>[1]) =>
      versionsOf(await collect(store().read(long, options)));

    it('read: every event in version order, as appended', async () => {
      expect(await collect(store().read(long))).to.deep.equal(longEvents);
    });

    it('from / to select an inclusive range; past the end reads nothing', async () => {
      expect(await versions({ from: 5, to: 10 })).to.deep.equal(range(5, 10));
      expect(await versions({ from: 30 })).to.deep.equal(range(30, 35));
      expect(await versions({ to: 3 })).to.deep.equal([1, 2, 3]);
      expect(await versions({ from: 7, to: 7 })).to.deep.equal([7]);
      expect(await versions({ from: 34, to: 99 })).to.deep.equal([34, 35]);
      expect(await versions({ from: 36 })).to.deep.equal([]);
    });

    it("'backward' reads newest first, within from / to; limit caps either way", async () => {
      expect(await versions({ direction: 'backward' })).to.deep.equal(range(35, 1));
      expect(await versions({ direction: 'backward', from: 5, to: 10 })).to.deep.equal(range(10, 5));
      expect(await versions({ direction: 'backward', from: 33, to: 80 })).to.deep.equal([35, 34, 33]);
      expect(await versions({ limit: 4 })).to.deep.equal([1, 2, 3, 4]);
      expect(await versions({ direction: 'backward', limit: 3 })).to.deep.equal([35, 34, 33]);
      expect(await versions({ from: 10, limit: 2 })).to.deep.equal([10, 11]);
      expect(await versions({ limit: 100, parallel: 1 })).to.deep.equal(range(1, 35));
    });

    it('an absent stream reads as empty, in both directions', async () => {
      const absent = uniqueId('absent');
      expect(await collect(store().read(absent))).to.deep.equal([]);
      expect(await collect(store().read(absent, { direction: 'backward' }))).to.deep.equal([]);
    });

    it('bad options → ValidationError naming the option (read and readPage)', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ from: 0 }, /from must be a whole number >= 1, got 0/],
        [{ from: 1.5 }, /from must be a whole number >= 1, got 1.5/],
        [{ to: -1 }, /to must be a whole number >= 1, got -1/],
        [{ from: '3' }, /from must be a whole number >= 1, got "3"/],
        [{ from: 5, to: 4 }, /from \(5\) is after to \(4\)/],
        [{ direction: 'sideways' }, /direction must be 'forward' or 'backward', got sideways/],
        [{ limit: 0 }, /limit must be a whole number >= 1, got 0/],
        [{ limit: Number.NaN }, /limit must be a whole number >= 1, got NaN/],
      ];
      for (const [options, message] of cases) {
        const error = await rejects(collect(store().read(long, options)), ValidationError);
        expect(error.message, JSON.stringify(options)).to.match(message);
        const pageError = await rejects(store().readPage(long, options), ValidationError);
        expect(pageError.message, JSON.stringify(options)).to.match(message);
      }
      const parallel = await rejects(collect(store().read(long, { parallel: 0 })), ValidationError);
      expect(parallel.message).to.match(/parallel must be a whole number from 1 to 64, got 0/);
      const id = await rejects(collect(store().read('')), ValidationError);
      expect(id.message).to.include('streamId must be a non-empty string, got an empty string');
    });

    /** Every page of a read, following cursors. */
    async function pages(options: Parameters<ReturnType<typeof store>['readPage']>[1] = {}) {
      const found: { versions: number[]; cursor: boolean; token: unknown }[] = [];
      let cursor: string | undefined;
      do {
        const page = await store().readPage(long, { ...options, ...(cursor ? { cursor } : {}) });
        found.push({
          versions: versionsOf(page.events),
          cursor: page.cursor !== undefined,
          token: page.token,
        });
        cursor = page.cursor;
        expect(found.length).to.be.at.most(10);
      } while (cursor !== undefined);
      return found;
    }

    it('readPage, limit 10 over 35 events: 10, 10, 10, 5 forward and backward, each event once', async () => {
      expect((await pages({ limit: 10 })).map((page) => page.versions)).to.deep.equal([
        range(1, 10),
        range(11, 20),
        range(21, 30),
        range(31, 35),
      ]);
      expect((await pages({ limit: 10, direction: 'backward' })).map((page) => page.versions)).to.deep.equal([
        range(35, 26),
        range(25, 16),
        range(15, 6),
        range(5, 1),
      ]);
      const first = await store().readPage(long, { limit: 10 });
      expect(first.events).to.deep.equal(longEvents.slice(0, 10));
    });

    it('readPage within from / to; a page that limit fills has a cursor, even when nothing follows', async () => {
      expect((await pages({ from: 8, to: 20, limit: 5 })).map((page) => page.versions)).to.deep.equal([
        range(8, 12),
        range(13, 17),
        range(18, 20),
      ]);
      expect(await pages({ from: 26, limit: 5 })).to.deep.equal([
        { versions: range(26, 30), cursor: true, token: undefined },
        { versions: range(31, 35), cursor: true, token: undefined },
        { versions: [], cursor: false, token: undefined },
      ]);
      const last = await store().readPage(long, { from: 30, limit: 10 });
      expect(versionsOf(last.events)).to.deep.equal(range(30, 35));
      expect(last).to.not.have.property('cursor');
    });

    it('readPage to the end of the stream returns a token for its head; with to or limit, none', async () => {
      const all = await pages();
      expect(all.at(-1)?.token).to.deep.equal({ streamId: long, version: 35 });
      expect(all.flatMap((page) => page.versions)).to.deep.equal(range(1, 35));
      expect((await store().readPage(long, { from: 35 })).token).to.deep.equal({
        streamId: long,
        version: 35,
      });
      expect(await store().readPage(long, { to: 35 })).to.not.have.property('token');
      expect((await pages({ limit: 10 })).every((page) => page.token === undefined)).to.equal(true);
      expect(await store().readPage(long, { from: 36 })).to.deep.equal({ events: [] });
      const absent = uniqueId('absent');
      expect(await store().readPage(absent)).to.deep.equal({
        events: [],
        token: { streamId: absent, version: 0 },
      });
    });

    it('a cursor of another stream, direction or range, edited, cut short or made up → InvalidCursorError', async () => {
      const other = uniqueId('other');
      await store().append(other, numbered(25), { expectedVersion: 0 });
      const foreign = (await store().readPage(other, { limit: 10 })).cursor as string;
      const { cursor } = await store().readPage(long, { limit: 10 });
      if (cursor === undefined || foreign === undefined) throw new Error('expected cursors');
      const flip = cursor.at(-5) === 'A' ? 'B' : 'A';
      const bad: [string, Record<string, unknown>][] = [
        ['another stream', { cursor: foreign }],
        ['other direction', { direction: 'backward', cursor }],
        ['other range', { from: 2, cursor }],
        ['edited', { cursor: `${cursor.slice(0, -5)}${flip}${cursor.slice(-4)}` }],
        ['cut short', { cursor: cursor.slice(0, 40) }],
        ['made up', { cursor: 'x'.repeat(60) }],
        ['not a string', { cursor: 42 }],
      ];
      for (const [label, options] of bad) {
        const error = await rejects(store().readPage(long, { limit: 10, ...options }), InvalidCursorError);
        expect(error.code, label).to.equal('cursor.invalid');
        expect(error.message, label).to.match(/Invalid cursor/);
      }
    });

    it('version and head: the current version, 0 for an absent stream; a bad id → ValidationError', async () => {
      expect(await store().version(long)).to.equal(35);
      expect(await store().head(long)).to.deep.equal({ streamId: long, version: 35 });
      expect(await store().version(uniqueId('absent'))).to.equal(0);
      const error = await rejects(store().version(''), ValidationError);
      expect(error.message).to.include('streamId must be a non-empty string, got an empty string');
      await rejects(store().head(5 as unknown as string), ValidationError);
    });

    it('a read aborted after 10 events yields no 11th: it rejects with the reason itself', async () => {
      const controller = new AbortController();
      const reason = new Error('enough');
      const seen: number[] = [];
      const error = await rejects(
        (async () => {
          for await (const event of store().read(long, { signal: controller.signal })) {
            seen.push(event.version);
            if (seen.length === 10) controller.abort(reason);
          }
        })(),
      );
      expect(error).to.equal(reason);
      expect(seen).to.deep.equal(range(1, 10));
      expect(await rejects(store().readPage(long, { signal: controller.signal }))).to.equal(reason);
      expect(await rejects(store().version(long, { signal: controller.signal }))).to.equal(reason);
    });

    it('tail: the newest events up to a limit (at least 2), with a token for the head', async () => {
      const tail = await store().tail(long, { limit: 3 });
      expect(tail.snapshot).to.equal(undefined);
      expect(tail.events).to.deep.equal(longEvents.slice(-3));
      expect(tail.token).to.deep.equal({ streamId: long, version: 35 });
      expect(versionsOf((await store().tail(long, { limit: 1 })).events)).to.deep.equal([34, 35]);
      const absent = uniqueId('absent');
      expect(await store().tail(absent, { limit: 5 })).to.deep.equal({
        events: [],
        token: { streamId: absent, version: 0 },
      });
    });
  });

  describe('categories, readAll and readAllSegments', () => {
    let stores: ContractStores;
    /** Every event appended to the fresh store, by id. */
    const appended = new Map<string, StoredEvent>();
    const byStream = (events: StoredEvent[]) => {
      const streams = new Map<string, number[]>();
      for (const event of events)
        streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event.version]);
      return Object.fromEntries(streams);
    };

    before(async () => {
      stores = await context.fresh();
      const streams: [string, number][] = [
        ['cart-1', 3],
        ['cart-2', 2],
        ['cart', 1], // the singleton stream of the category
        ['carts-1', 2], // another category that starts the same
        ['order-1', 4],
        ['order-2', 1],
      ];
      for (const [streamId, count] of streams) {
        // in two appends where there are two events or more
        const appends = count === 1 ? [numbered(1)] : [numbered(count - 1), numbered(1, 'Later')];
        for (const events of appends) {
          for (const event of (await stores.events.append(streamId, events)).events)
            appended.set(event.id, event);
        }
      }
      // snapshots live with the events and must never come back from readAll
      await stores.snapshots<{ n: number }>().save('cart-1', { n: 3 }, { version: 3 });
      await stores.snapshots<{ n: number }>().save('order-1', { n: 4 }, { version: 4 });
    });

    it('every event carries its stream’s category: the text before the first -', async () => {
      const [event] = await collect(stores.events.read('carts-1'));
      expect(event?.category).to.equal('carts');
      expect((await collect(stores.events.read('cart')))[0]?.category).to.equal('cart');
    });

    for (const segments of [1, 3, undefined]) {
      it(`readAll (segments ${segments ?? 'default'}): every event once, each stream in version order, no snapshots`, async () => {
        const events = await collect(stores.events.readAll(segments === undefined ? {} : { segments }));
        expect(events).to.have.length(appended.size);
        for (const event of events) expect(event).to.deep.equal(appended.get(event.id));
        expect(byStream(events)).to.deep.equal({
          'cart-1': [1, 2, 3],
          'cart-2': [1, 2],
          cart: [1],
          'carts-1': [1, 2],
          'order-1': [1, 2, 3, 4],
          'order-2': [1],
        });
      });
    }

    it("readAll({ category }): that category's streams only, the singleton stream included", async () => {
      const cart = await collect(stores.events.readAll({ category: 'cart', segments: 2 }));
      expect(byStream(cart)).to.deep.equal({ 'cart-1': [1, 2, 3], 'cart-2': [1, 2], cart: [1] });
      expect(byStream(await collect(stores.events.readAll({ category: 'order' })))).to.deep.equal({
        'order-1': [1, 2, 3, 4],
        'order-2': [1],
      });
      expect(await collect(stores.events.readAll({ category: uniqueCategory('none') }))).to.deep.equal([]);
    });

    it('readAllSegments: each segment yields whole streams, one after the other; together, everything', async () => {
      const segments = stores.events.readAllSegments({ segments: 4 });
      expect(segments).to.have.length(4);
      const perSegment = await Promise.all(segments.map((segment) => collect(segment)));
      expect(perSegment.flat()).to.have.length(appended.size);
      for (const events of perSegment) {
        const order: string[] = [];
        for (const event of events) if (order.at(-1) !== event.streamId) order.push(event.streamId);
        expect(new Set(order).size, 'a stream came in two pieces').to.equal(order.length);
        for (const streamId of order) {
          expect(versionsOf(events.filter((event) => event.streamId === streamId))[0]).to.equal(1);
        }
      }
      const cart = stores.events.readAllSegments({ category: 'cart', segments: 2 });
      expect(byStream((await Promise.all(cart.map((segment) => collect(segment)))).flat())).to.deep.equal({
        'cart-1': [1, 2, 3],
        'cart-2': [1, 2],
        cart: [1],
      });
    });

    it('a bad category or segment count → ValidationError at once, before any read', () => {
      for (const category of ['a-b', '', 'with space', 7]) {
        expect(() => stores.events.readAll({ category: category as string })).to.throw(
          ValidationError,
          /category must be letters, digits and _/,
        );
        expect(() => stores.events.readAllSegments({ category: category as string })).to.throw(
          ValidationError,
        );
      }
      for (const segments of [0, 1.5, -1]) {
        expect(() => stores.events.readAll({ segments })).to.throw(
          ValidationError,
          /segments must be a whole number/,
        );
      }
    });

    it('readAll stops within one event of an abort, with the reason', async () => {
      const controller = new AbortController();
      const reason = new Error('stop scanning');
      let seen = 0;
      const error = await rejects(
        (async () => {
          for await (const _ of stores.events.readAll({ signal: controller.signal, segments: 1 })) {
            seen++;
            if (seen === 5) controller.abort(reason);
          }
        })(),
      );
      expect(error).to.equal(reason);
      expect(seen).to.equal(5);
    });

    it('an empty store reads as nothing', async () => {
      const empty = await context.fresh();
      expect(await collect(empty.events.readAll({ segments: 2 }))).to.deep.equal([]);
    });
  });
}
