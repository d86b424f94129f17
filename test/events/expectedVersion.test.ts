import { expect } from 'chai';
import { ConcurrencyError, DynagoError, EventStore, type Table } from '../../src/index.js';
import { countRequests } from '../support/tables.js';
import {
  collect,
  createEventTable,
  numbered,
  partitionItems,
  range,
  rejects,
  storedVersions,
  uniqueId,
  versionsOf,
} from './helpers.js';

describe('EventStore.append: expected versions and concurrency', () => {
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createEventTable('expected');
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  /** A stream at version `count`, written by another store instance so `store` has not seen it. */
  async function streamAt(label: string, count: number): Promise<string> {
    const streamId = uniqueId(label);
    if (count > 0) await new EventStore({ table }).append(streamId, numbered(count), { expectedVersion: 0 });
    return streamId;
  }

  function expectConcurrency(
    error: ConcurrencyError,
    streamId: string,
    expectedVersion: number | 'any',
    actualVersion: number | undefined,
  ): void {
    expect(error).to.be.instanceOf(DynagoError);
    expect(error.code).to.equal('events.concurrency');
    // reload and decide again; sending the same append again would fail the same way
    expect(error.retryable).to.equal(false);
    expect(error.reloadable).to.equal(true);
    expect(error.streamId).to.equal(streamId);
    expect(error.expectedVersion).to.equal(expectedVersion);
    expect(error.actualVersion).to.equal(actualVersion);
    expect(error.message).to.include(`Stream "${streamId}" was expected at version ${expectedVersion}`);
  }

  describe('expectedVersion 0', () => {
    it('creates a stream that does not exist', async () => {
      const streamId = uniqueId('zero');
      const { version, events } = await store.append(streamId, numbered(1), { expectedVersion: 0 });
      expect(version).to.equal(1);
      expect(versionsOf(events)).to.deep.equal([1]);
    });

    it('on an existing stream: ConcurrencyError, and nothing written (single event)', async () => {
      const streamId = await streamAt('zero-exists', 2);
      const before = await partitionItems(table, `event#${streamId}`);
      const error = await rejects(
        store.append(streamId, [{ type: 'Late', data: {} }], { expectedVersion: 0 }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 0, undefined);
      expect(error.message).to.include('version 1 is already taken');
      expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal(before);
    });

    it('on an existing stream: ConcurrencyError, and nothing written (transaction)', async () => {
      const streamId = await streamAt('zero-exists-tx', 1);
      const before = await partitionItems(table, `event#${streamId}`);
      const error = await rejects(
        store.append(streamId, numbered(3), { expectedVersion: 0 }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 0, undefined);
      expect(await partitionItems(table, `event#${streamId}`)).to.deep.equal(before);
    });
  });

  describe('a stale expectedVersion', () => {
    it('warm store (saw the newer versions): ConcurrencyError, nothing written', async () => {
      const streamId = uniqueId('stale-warm');
      await store.append(streamId, numbered(3), { expectedVersion: 0 });
      const error = await rejects(
        store.append(streamId, [{ type: 'Stale', data: {} }], { expectedVersion: 1 }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 1, undefined);
      expect(error.message).to.include('version 2 is already taken');
      expect(await storedVersions(table, streamId)).to.deep.equal([1, 2, 3]);
      const types = (await collect(store.read(streamId))).map((event) => event.type);
      expect(types).to.deep.equal(['Counted', 'Counted', 'Counted']);
    });

    it('fresh store: ConcurrencyError, nothing written (single event and transaction)', async () => {
      const streamId = await streamAt('stale-cold', 3);
      const single = await rejects(
        new EventStore({ table }).append(streamId, numbered(1), { expectedVersion: 2 }),
        ConcurrencyError,
      );
      expectConcurrency(single, streamId, 2, undefined);
      const tx = await rejects(
        new EventStore({ table }).append(streamId, numbered(2), { expectedVersion: 1 }),
        ConcurrencyError,
      );
      expectConcurrency(tx, streamId, 1, undefined);
      expect(await storedVersions(table, streamId)).to.deep.equal([1, 2, 3]);
    });
  });

  describe('an expectedVersion ahead of the stream', () => {
    it('warm store: 7 on a stream at 3 → ConcurrencyError with actualVersion 3, no gap written', async () => {
      const streamId = uniqueId('ahead-warm');
      await store.append(streamId, numbered(3), { expectedVersion: 0 });
      for (const events of [numbered(1), numbered(2)]) {
        const error = await rejects(store.append(streamId, events, { expectedVersion: 7 }), ConcurrencyError);
        expectConcurrency(error, streamId, 7, 3);
        expect(error.message).to.include('it is at version 3');
      }
      expect(await storedVersions(table, streamId)).to.deep.equal([1, 2, 3]);
      expect(await store.version(streamId)).to.equal(3);
    });

    it('fresh store: 7 on a stream at 3 → ConcurrencyError with actualVersion 3, no gap written', async () => {
      const streamId = await streamAt('ahead-cold', 3);
      for (const events of [numbered(1), numbered(2)]) {
        const fresh = new EventStore({ table });
        const error = await rejects(fresh.append(streamId, events, { expectedVersion: 7 }), ConcurrencyError);
        expectConcurrency(error, streamId, 7, 3);
      }
      expect(await storedVersions(table, streamId)).to.deep.equal([1, 2, 3]);
    });

    it('one past the head (4 on a stream at 3) is ahead too', async () => {
      const streamId = await streamAt('ahead-one', 3);
      const error = await rejects(
        new EventStore({ table }).append(streamId, numbered(1), { expectedVersion: 4 }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 4, 3);
      expect(await storedVersions(table, streamId)).to.deep.equal([1, 2, 3]);
    });

    it('on a stream that does not exist: ConcurrencyError with actualVersion 0, nothing written', async () => {
      const streamId = uniqueId('ahead-absent');
      const error = await rejects(
        store.append(streamId, numbered(1), { expectedVersion: 5 }),
        ConcurrencyError,
      );
      expectConcurrency(error, streamId, 5, 0);
      expect(await storedVersions(table, streamId)).to.deep.equal([]);
    });

    it('proved absent with one GetItem and one head Query, and no write', async () => {
      const streamId = await streamAt('ahead-cost', 3);
      const fresh = new EventStore({ table });
      const requests = countRequests(table.client);
      try {
        await rejects(fresh.append(streamId, numbered(1), { expectedVersion: 7 }), ConcurrencyError);
        expect(requests.counts).to.deep.equal({ GetItemCommand: 1, QueryCommand: 1 });
      } finally {
        requests.detach();
      }
    });
  });

  describe("'any'", () => {
    it('appends after whatever is there, on an absent and on an existing stream', async () => {
      const streamId = uniqueId('any');
      expect((await store.append(streamId, numbered(2), { expectedVersion: 'any' })).version).to.equal(2);
      await new EventStore({ table }).append(streamId, numbered(3));
      const { version, events } = await store.append(streamId, numbered(2));
      expect(version).to.equal(7);
      expect(versionsOf(events)).to.deep.equal([6, 7]);
      expect(await storedVersions(table, streamId)).to.deep.equal(range(1, 7));
    });

    it('8 parallel appends through one store → versions 1..8, every event stored once', async () => {
      const streamId = uniqueId('any-par');
      const results = await Promise.all(
        range(1, 8).map((n) => store.append(streamId, [{ id: `any-${n}`, type: 'Parallel', data: { n } }])),
      );
      expect(results.map((result) => result.version).sort((a, b) => a - b)).to.deep.equal(range(1, 8));
      const stored = await collect(store.read(streamId));
      expect(versionsOf(stored)).to.deep.equal(range(1, 8));
      expect(stored.map((event) => event.id).sort()).to.deep.equal(
        range(1, 8)
          .map((n) => `any-${n}`)
          .sort(),
      );
      for (const result of results) {
        const [event] = result.events;
        expect(stored[result.version - 1]).to.deep.equal(event);
      }
    });

    it('8 parallel appends through 8 store instances, 2 events each → versions 1..16, none lost', async () => {
      const streamId = uniqueId('any-par-tx');
      const results = await Promise.all(
        range(1, 8).map((n) =>
          new EventStore({ table }).append(streamId, [
            { id: `w${n}-a`, type: 'A', data: { n } },
            { id: `w${n}-b`, type: 'B', data: { n } },
          ]),
        ),
      );
      expect(results.map((result) => result.version).sort((a, b) => a - b)).to.deep.equal(
        range(1, 8).map((n) => 2 * n),
      );
      const stored = await collect(store.read(streamId));
      expect(versionsOf(stored)).to.deep.equal(range(1, 16));
      // each writer's two events are adjacent: a transaction is all or nothing
      for (let index = 0; index < 16; index += 2) {
        const a = stored[index];
        const b = stored[index + 1];
        expect(a?.type).to.equal('A');
        expect(b?.id).to.equal(`${a?.id.slice(0, -2)}-b`);
      }
    });
  });

  describe('races at one expected version', () => {
    it('of 8 concurrent single-event appends at expectedVersion 0, exactly one wins', async () => {
      const streamId = uniqueId('race0');
      const outcomes = await Promise.allSettled(
        range(1, 8).map((n) =>
          new EventStore({ table }).append(streamId, [{ id: `r-${n}`, type: 'Race', data: { n } }], {
            expectedVersion: 0,
          }),
        ),
      );
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost).to.have.length(7);
      for (const outcome of lost) {
        expect(outcome.reason).to.be.instanceOf(ConcurrencyError);
        expectConcurrency(outcome.reason as ConcurrencyError, streamId, 0, undefined);
      }
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<EventStore['append']>>>).value;
      const stored = await collect(store.read(streamId));
      expect(stored).to.deep.equal(winner.events);
    });

    it('of 8 concurrent 3-event appends at expectedVersion 2, exactly one wins and nothing is overwritten', async () => {
      const streamId = uniqueId('race2');
      await store.append(streamId, numbered(2), { expectedVersion: 0 });
      const original = await partitionItems(table, `event#${streamId}`);
      const outcomes = await Promise.allSettled(
        range(1, 8).map((n) =>
          store.append(
            streamId,
            range(1, 3).map((k) => ({ id: `w${n}-${k}`, type: 'Race', data: { n, k } })),
            { expectedVersion: 2 },
          ),
        ),
      );
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(won).to.have.length(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expectConcurrency(outcome.reason, streamId, 2, undefined);
      }
      const items = await partitionItems(table, `event#${streamId}`);
      expect(items.slice(0, 2)).to.deep.equal(original);
      expect(items.map((item) => item.sk)).to.deep.equal([1, 2, 3, 4, 5]);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<EventStore['append']>>>).value;
      expect(winner.version).to.equal(5);
      const writer = (items[2]?.data as { n?: number } | undefined)?.n;
      expect(items.slice(2).map((item) => item.id)).to.deep.equal([
        `w${writer}-1`,
        `w${writer}-2`,
        `w${writer}-3`,
      ]);
    });
  });
});
