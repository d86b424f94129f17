import { expect } from 'chai';
import {
  EventStore,
  InvalidCursorError,
  type StoredEvent,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { countRequests } from '../support/tables.js';
import { collect, createEventTable, numbered, range, rejects, uniqueId, versionsOf } from './helpers.js';

describe('EventStore.read, readPage and version', () => {
  let table: Table;
  let store: EventStore;
  /** A stream of 35 events, data { n: version }. */
  let long: string;
  let longEvents: StoredEvent[];
  /** Another stream, to take cursors from. */
  let other: string;

  before(async () => {
    table = await createEventTable('read');
    store = new EventStore({ table });
    long = uniqueId('long');
    longEvents = [];
    for (const [from, count] of [
      [1, 20],
      [21, 15],
    ] as const) {
      const { events } = await store.append(
        long,
        Array.from({ length: count }, (_, index) => ({ type: 'Step', data: { n: from + index } })),
        { expectedVersion: from - 1 },
      );
      longEvents.push(...events);
    }
    other = uniqueId('other');
    await store.append(other, numbered(25), { expectedVersion: 0 });
  });

  after(async () => {
    await table.deleteTable();
  });

  describe('read', () => {
    it('streams every event in version order, as appended', async () => {
      const events = await collect(store.read(long));
      expect(versionsOf(events)).to.deep.equal(range(1, 35));
      expect(events).to.deep.equal(longEvents);
      expect(events.every((event) => (event.data as { n: number }).n === event.version)).to.equal(true);
    });

    it('from / to select an inclusive range', async () => {
      expect(versionsOf(await collect(store.read(long, { from: 5, to: 10 })))).to.deep.equal(range(5, 10));
      expect(versionsOf(await collect(store.read(long, { from: 30 })))).to.deep.equal(range(30, 35));
      expect(versionsOf(await collect(store.read(long, { to: 3 })))).to.deep.equal([1, 2, 3]);
      expect(versionsOf(await collect(store.read(long, { from: 7, to: 7 })))).to.deep.equal([7]);
      expect(versionsOf(await collect(store.read(long, { from: 34, to: 99 })))).to.deep.equal([34, 35]);
      expect(await collect(store.read(long, { from: 36 }))).to.deep.equal([]);
    });

    it("direction 'backward' reads newest first, within from / to", async () => {
      expect(versionsOf(await collect(store.read(long, { direction: 'backward' })))).to.deep.equal(
        range(35, 1),
      );
      expect(
        versionsOf(await collect(store.read(long, { direction: 'backward', from: 5, to: 10 }))),
      ).to.deep.equal(range(10, 5));
      expect(
        versionsOf(await collect(store.read(long, { direction: 'backward', from: 33, to: 80 }))),
      ).to.deep.equal([35, 34, 33]);
      expect(versionsOf(await collect(store.read(long, { direction: 'forward', from: 33 })))).to.deep.equal([
        33, 34, 35,
      ]);
    });

    it('limit caps the number of events in either direction', async () => {
      expect(versionsOf(await collect(store.read(long, { limit: 4 })))).to.deep.equal([1, 2, 3, 4]);
      expect(versionsOf(await collect(store.read(long, { direction: 'backward', limit: 3 })))).to.deep.equal([
        35, 34, 33,
      ]);
      expect(versionsOf(await collect(store.read(long, { from: 10, limit: 2 })))).to.deep.equal([10, 11]);
      expect(versionsOf(await collect(store.read(long, { limit: 100 })))).to.deep.equal(range(1, 35));
    });

    it('the last event, cheaply: backward with limit 1 is one Query', async () => {
      const requests = countRequests(table.client);
      try {
        const [last] = await collect(store.read(long, { direction: 'backward', limit: 1 }));
        expect(last).to.deep.equal(longEvents[34]);
        expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('an absent stream reads as empty, in both directions', async () => {
      const absent = uniqueId('absent');
      expect(await collect(store.read(absent))).to.deep.equal([]);
      expect(await collect(store.read(absent, { direction: 'backward' }))).to.deep.equal([]);
    });

    it('bad options → ValidationError naming the option, before any request', async () => {
      const requests = countRequests(table.client);
      try {
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
          const error = await rejects(collect(store.read(long, options)), ValidationError);
          expect(error.message, JSON.stringify(options)).to.match(message);
          const pageError = await rejects(store.readPage(long, options), ValidationError);
          expect(pageError.message, JSON.stringify(options)).to.match(message);
        }
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });
  });

  describe('readPage', () => {
    it('limit 10 over 35 events: pages of 10, 10, 10, 5, each event once, in order', async () => {
      const pages: StoredEvent[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.readPage(long, { limit: 10, ...(cursor ? { cursor } : {}) });
        pages.push(page.events);
        cursor = page.cursor;
        expect(pages.length).to.be.at.most(4);
      } while (cursor !== undefined);
      expect(pages.map((page) => page.length)).to.deep.equal([10, 10, 10, 5]);
      const all = pages.flat();
      expect(versionsOf(all)).to.deep.equal(range(1, 35));
      expect(new Set(all.map((event) => event.id)).size).to.equal(35);
      expect(all).to.deep.equal(longEvents);
    });

    it('backward, limit 10: pages 35..26, 25..16, 15..6, 5..1', async () => {
      const pages: number[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.readPage(long, {
          direction: 'backward',
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        pages.push(versionsOf(page.events));
        cursor = page.cursor;
        expect(pages.length).to.be.at.most(4);
      } while (cursor !== undefined);
      expect(pages).to.deep.equal([range(35, 26), range(25, 16), range(15, 6), range(5, 1)]);
    });

    it('with from / to: pages within the range only', async () => {
      const first = await store.readPage(long, { from: 8, to: 20, limit: 5 });
      expect(versionsOf(first.events)).to.deep.equal(range(8, 12));
      const second = await store.readPage(long, {
        from: 8,
        to: 20,
        limit: 5,
        cursor: first.cursor as string,
      });
      expect(versionsOf(second.events)).to.deep.equal(range(13, 17));
      const third = await store.readPage(long, {
        from: 8,
        to: 20,
        limit: 5,
        cursor: second.cursor as string,
      });
      expect(versionsOf(third.events)).to.deep.equal(range(18, 20));
      expect(third.cursor).to.equal(undefined);
    });

    it('one page costs one Query; a page that ends the stream has no cursor', async () => {
      const requests = countRequests(table.client);
      try {
        const page = await store.readPage(long, { from: 30, limit: 10 });
        expect(versionsOf(page.events)).to.deep.equal(range(30, 35));
        expect(page).to.not.have.property('cursor');
        expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('a page from past the end of the stream has no token: its head is unknown, a token could leave a gap', async () => {
      const page = await store.readPage(other, { from: 40 });
      expect(page).to.deep.equal({ events: [] });
      const head = await store.readPage(other, { from: 25 });
      expect(head.token).to.deep.equal({ streamId: other, version: 25 });
      const absent = uniqueId('absent');
      expect(await store.readPage(absent)).to.deep.equal({
        events: [],
        token: { streamId: absent, version: 0 },
      });
    });

    it('an absent stream: one empty page, no cursor', async () => {
      expect(await store.readPage(uniqueId('absent'), { limit: 10 })).to.deep.equal({ events: [] });
    });

    it('a cursor from another stream → InvalidCursorError, no request', async () => {
      const { cursor } = await store.readPage(other, { limit: 10 });
      expect(cursor).to.be.a('string');
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          store.readPage(long, { limit: 10, cursor: cursor as string }),
          InvalidCursorError,
        );
        expect(error.code).to.equal('cursor.invalid');
        expect(error.message).to.match(/Invalid cursor/);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });

    it('a cursor used with another direction or range, edited, cut short or made up → InvalidCursorError', async () => {
      const { cursor } = await store.readPage(long, { limit: 10 });
      if (cursor === undefined) throw new Error('expected a cursor');
      const flip = cursor.at(-5) === 'A' ? 'B' : 'A';
      const bad: [string, Record<string, unknown>][] = [
        ['other direction', { direction: 'backward', cursor }],
        ['other range', { from: 2, cursor }],
        ['edited', { cursor: `${cursor.slice(0, -5)}${flip}${cursor.slice(-4)}` }],
        ['cut short', { cursor: cursor.slice(0, 40) }],
        ['made up', { cursor: 'x'.repeat(60) }],
        ['not a string', { cursor: 42 }],
      ];
      for (const [label, options] of bad) {
        const error = await rejects(store.readPage(long, { limit: 10, ...options }), InvalidCursorError);
        expect(error.message, label).to.match(/Invalid cursor/);
      }
    });
  });

  describe('version', () => {
    it('is the current version, and 0 when the stream is absent, in one Query', async () => {
      const requests = countRequests(table.client);
      try {
        expect(await store.version(long)).to.equal(35);
        expect(await store.version(other)).to.equal(25);
        expect(await store.version(uniqueId('absent'))).to.equal(0);
        expect(requests.counts).to.deep.equal({ QueryCommand: 3 });
      } finally {
        requests.detach();
      }
    });

    it('follows appends by another store', async () => {
      const streamId = uniqueId('follow');
      await new EventStore({ table }).append(streamId, numbered(2));
      expect(await store.version(streamId)).to.equal(2);
      await new EventStore({ table }).append(streamId, numbered(1), { expectedVersion: 2 });
      expect(await store.version(streamId)).to.equal(3);
    });

    it('a bad stream id → ValidationError', async () => {
      const error = await rejects(store.version(''), ValidationError);
      expect(error.message).to.include('streamId must be a non-empty string, got an empty string');
    });
  });
});
