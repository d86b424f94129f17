import { expect } from 'chai';
import { EventStore, StreamCorruptedError, type Table } from '../../src/index.js';
import {
  collect,
  createEventTable,
  numbered,
  putRawEvent,
  range,
  rejects,
  rejectsWhileIterating,
  uniqueId,
  versionsOf,
} from './helpers.js';

/** Versions are gapless; a read that meets a gap throws StreamCorruptedError and never skips silently. */
describe('EventStore: a gap written directly through the table is detected', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('gaps');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  function expectCorrupted(
    error: StreamCorruptedError,
    streamId: string,
    expected: number,
    found: number | undefined,
  ): void {
    expect(error.code).to.equal('events.streamCorrupted');
    expect(error.streamId).to.equal(streamId);
    expect(error.expectedVersion).to.equal(expected);
    expect(error.foundVersion).to.equal(found);
    expect(error.message).to.include(`Stream "${streamId}"`);
    expect(error.message).to.include(`expected version ${expected}`);
    expect(error.message).to.include(
      found === undefined ? 'the end of the stream' : `found version ${found}`,
    );
  }

  /** Versions 1-2 through the store, then 4 through the table: 3 is missing. */
  async function streamMissing3(): Promise<string> {
    const streamId = uniqueId('gap3');
    await store.append(streamId, numbered(2), { expectedVersion: 0 });
    await putRawEvent(table, streamId, 4);
    return streamId;
  }

  /** Versions 2-3 through the table only: 1 is missing. */
  async function streamMissing1(): Promise<string> {
    const streamId = uniqueId('gap1');
    await putRawEvent(table, streamId, 2);
    await putRawEvent(table, streamId, 3);
    return streamId;
  }

  describe('read', () => {
    it('forward: yields 1, 2, then throws expected 3, found 4', async () => {
      const streamId = await streamMissing3();
      const { error, before } = await rejectsWhileIterating(store.read(streamId), StreamCorruptedError);
      expect(versionsOf(before)).to.deep.equal([1, 2]);
      expectCorrupted(error, streamId, 3, 4);
    });

    it('backward: yields 4, then throws expected 3, found 2', async () => {
      const streamId = await streamMissing3();
      const { error, before } = await rejectsWhileIterating(
        store.read(streamId, { direction: 'backward' }),
        StreamCorruptedError,
      );
      expect(versionsOf(before)).to.deep.equal([4]);
      expectCorrupted(error, streamId, 3, 2);
    });

    it('forward from 3 (the missing version): throws expected 3, found 4', async () => {
      const streamId = await streamMissing3();
      const { error, before } = await rejectsWhileIterating(
        store.read(streamId, { from: 3 }),
        StreamCorruptedError,
      );
      expect(before).to.deep.equal([]);
      expectCorrupted(error, streamId, 3, 4);
    });

    it('a stream missing version 1: forward throws expected 1, found 2', async () => {
      const streamId = await streamMissing1();
      const { error } = await rejectsWhileIterating(store.read(streamId), StreamCorruptedError);
      expectCorrupted(error, streamId, 1, 2);
    });

    it('a stream missing version 1: backward yields 3, 2, then throws expected 1, found the end', async () => {
      const streamId = await streamMissing1();
      const { error, before } = await rejectsWhileIterating(
        store.read(streamId, { direction: 'backward' }),
        StreamCorruptedError,
      );
      expect(versionsOf(before)).to.deep.equal([3, 2]);
      expectCorrupted(error, streamId, 1, undefined);
    });

    it('a gap outside the range read is not reported (the range is gapless)', async () => {
      const streamId = await streamMissing3();
      expect(versionsOf(await collect(store.read(streamId, { to: 2 })))).to.deep.equal([1, 2]);
      expect(versionsOf(await collect(store.read(streamId, { from: 4 })))).to.deep.equal([4]);
      expect(
        versionsOf(await collect(store.read(streamId, { direction: 'backward', limit: 1 }))),
      ).to.deep.equal([4]);
    });

    it('a gap deep in a long stream, past the first DynamoDB page: still detected', async () => {
      const streamId = uniqueId('gap-deep');
      // ~8 KB per event: 200 events are past DynamoDB's 1 MB page
      const payload = 'x'.repeat(8_000);
      for (let from = 1; from <= 200; from += 100) {
        await store.append(
          streamId,
          range(from, from + 99).map((n) => ({ type: 'Big', data: { n, payload } })),
          { expectedVersion: from - 1 },
        );
      }
      await table.deleteItem(`event#${streamId}`, 170);
      const { error, before } = await rejectsWhileIterating(store.read(streamId), StreamCorruptedError);
      expect(versionsOf(before)).to.deep.equal(range(1, 169));
      expectCorrupted(error, streamId, 170, 171);
    });
  });

  describe('readPage', () => {
    it('a gap inside the first page: throws expected 3, found 4', async () => {
      const streamId = await streamMissing3();
      const error = await rejects(store.readPage(streamId, { limit: 10 }), StreamCorruptedError);
      expectCorrupted(error, streamId, 3, 4);
    });

    it('a first page missing version 1: throws expected 1, found 2', async () => {
      const streamId = await streamMissing1();
      const error = await rejects(store.readPage(streamId), StreamCorruptedError);
      expectCorrupted(error, streamId, 1, 2);
    });

    it('backward, one page, missing version 1: throws expected 1, found the end', async () => {
      const streamId = await streamMissing1();
      const error = await rejects(store.readPage(streamId, { direction: 'backward' }), StreamCorruptedError);
      expectCorrupted(error, streamId, 1, undefined);
    });

    it('a gap right at a page boundary (versions 1-10, 12-20): the second page throws, never skips 11', async () => {
      const streamId = uniqueId('gap-boundary');
      await store.append(streamId, numbered(20), { expectedVersion: 0 });
      await table.deleteItem(`event#${streamId}`, 11);
      const first = await store.readPage(streamId, { limit: 10 });
      expect(versionsOf(first.events)).to.deep.equal(range(1, 10));
      expect(first.cursor).to.be.a('string');
      const error = await rejects(
        store.readPage(streamId, { limit: 10, cursor: first.cursor as string }),
        StreamCorruptedError,
      );
      expectCorrupted(error, streamId, 11, 12);
    });

    it('backward, a gap right at a page boundary (versions 1-9, 11-20): the second page throws', async () => {
      const streamId = uniqueId('gap-boundary-back');
      await store.append(streamId, numbered(20), { expectedVersion: 0 });
      await table.deleteItem(`event#${streamId}`, 10);
      const first = await store.readPage(streamId, { direction: 'backward', limit: 10 });
      expect(versionsOf(first.events)).to.deep.equal(range(20, 11));
      const error = await rejects(
        store.readPage(streamId, { direction: 'backward', limit: 10, cursor: first.cursor as string }),
        StreamCorruptedError,
      );
      expectCorrupted(error, streamId, 10, 9);
    });

    it('backward, paged, missing version 1: the last page throws expected 1, found the end', async () => {
      const streamId = uniqueId('gap-back-last');
      await store.append(streamId, numbered(15), { expectedVersion: 0 });
      await table.deleteItem(`event#${streamId}`, 1);
      const first = await store.readPage(streamId, { direction: 'backward', limit: 10 });
      expect(versionsOf(first.events)).to.deep.equal(range(15, 6));
      const error = await rejects(
        store.readPage(streamId, { direction: 'backward', limit: 10, cursor: first.cursor as string }),
        StreamCorruptedError,
      );
      expectCorrupted(error, streamId, 1, undefined);
    });
  });

  describe('readAll', () => {
    it('a stream with a gap makes readAll throw, naming it (segments 1 and 4)', async () => {
      const gapTable = await createEventTable('gapsall');
      try {
        const gapStore = new EventStore({ table: gapTable });
        for (let index = 0; index < 5; index++) {
          await gapStore.append(`healthy-${index}`, numbered(3), { expectedVersion: 0 });
        }
        await gapStore.append('broken', numbered(2), { expectedVersion: 0 });
        await putRawEvent(gapTable, 'broken', 4);
        for (const segments of [1, 4]) {
          const { error, before } = await rejectsWhileIterating(
            gapStore.readAll({ segments }),
            StreamCorruptedError,
          );
          expectCorrupted(error, 'broken', 3, 4);
          expect(before.filter((event) => event.streamId === 'broken' && event.version > 2)).to.deep.equal(
            [],
          );
        }
      } finally {
        await gapTable.deleteTable();
      }
    });

    it('a stream missing version 1 makes readAll throw expected 1, found 2', async () => {
      const gapTable = await createEventTable('gapsall1');
      try {
        const gapStore = new EventStore({ table: gapTable });
        await gapStore.append('fine', numbered(2), { expectedVersion: 0 });
        await putRawEvent(gapTable, 'headless', 2);
        await putRawEvent(gapTable, 'headless', 3);
        const { error } = await rejectsWhileIterating(
          gapStore.readAll({ segments: 1 }),
          StreamCorruptedError,
        );
        expectCorrupted(error, 'headless', 1, 2);
      } finally {
        await gapTable.deleteTable();
      }
    });
  });
});
