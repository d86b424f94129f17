import { expect } from 'chai';
import {
  ConditionFailedError,
  EventStore,
  ItemTooLargeError,
  OptimisticLockError,
  SNAPSHOT_SORT_KEY,
  SnapshotStore,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { collect, createEventTable, partitionItems, rejects, uniqueId } from '../events/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

interface Account {
  balance: number;
  owner: string;
  name?: string;
  status?: string;
  size?: number;
  data?: unknown;
}

describe('SnapshotStore', () => {
  let table: Table;
  let snapshots: SnapshotStore<Account>;

  before(async () => {
    table = await createEventTable('snap');
    snapshots = new SnapshotStore<Account>({ table });
  });

  after(async () => {
    await table.deleteTable();
  });

  const stored = async (id: string) =>
    (await partitionItems(table, `event#${id}`)).filter((item) => item.sk === SNAPSHOT_SORT_KEY);

  describe('save and load', () => {
    it('round trip: state, version and timestamp (epoch ms), in one item in the stream partition event#<id>, sort key 2^53 - 1', async () => {
      const id = uniqueId('acct');
      const state = { balance: 42, owner: 'Ada', name: 'main', status: 'open', size: 3, data: { data: [1] } };
      const before = Date.now();
      const requests = countRequests(table.client);
      try {
        expect(await snapshots.save(id, state, { version: 7 })).to.equal(true);
        expect(requests.counts).to.deep.equal({ PutItemCommand: 1 });
        requests.reset();
        const loaded = await snapshots.load(id);
        expect(requests.counts).to.deep.equal({ GetItemCommand: 1 });
        expect(loaded?.state).to.deep.equal(state);
        expect(loaded?.version).to.equal(7);
        expect(Number.isInteger(loaded?.timestamp)).to.equal(true);
        expect(loaded?.timestamp).to.be.within(before, Date.now());
        expect(Object.keys(loaded ?? {}).sort()).to.deep.equal([
          'schemaVersion',
          'state',
          'timestamp',
          'version',
        ]);
      } finally {
        requests.detach();
      }
      const items = await stored(id);
      expect(items).to.have.length(1);
      expect(items[0]).to.deep.include({ pk: `event#${id}`, sk: Number.MAX_SAFE_INTEGER, version: 7, state });
    });

    it('load of an aggregate without a snapshot is undefined', async () => {
      expect(await snapshots.load(uniqueId('none'))).to.equal(undefined);
    });

    it('a newer snapshot replaces an older one, and an equal version replaces too', async () => {
      const id = uniqueId('newer');
      expect(await snapshots.save(id, { balance: 1, owner: 'a' }, { version: 3 })).to.equal(true);
      expect(await snapshots.save(id, { balance: 2, owner: 'a' }, { version: 9 })).to.equal(true);
      expect((await snapshots.load(id))?.state.balance).to.equal(2);
      expect(await snapshots.save(id, { balance: 3, owner: 'a' }, { version: 9 })).to.equal(true);
      expect(await snapshots.load(id)).to.deep.include({ version: 9, state: { balance: 3, owner: 'a' } });
      expect(await stored(id)).to.have.length(1);
    });

    it('a stale snapshot never replaces a newer one: save v10, then v5 → false, load gives v10', async () => {
      const id = uniqueId('stale');
      expect(await snapshots.save(id, { balance: 10, owner: 'new' }, { version: 10 })).to.equal(true);
      const before = await stored(id);
      expect(await snapshots.save(id, { balance: 5, owner: 'old' }, { version: 5 })).to.equal(false);
      expect(await snapshots.save(id, { balance: 9, owner: 'old' }, { version: 9 })).to.equal(false);
      const loaded = await snapshots.load(id);
      expect(loaded?.version).to.equal(10);
      expect(loaded?.state).to.deep.equal({ balance: 10, owner: 'new' });
      expect(await stored(id)).to.deep.equal(before);
    });

    it('concurrent savers of versions 1..20: the highest version is what stays', async () => {
      const id = uniqueId('race');
      const versions = Array.from({ length: 20 }, (_, index) => index + 1);
      const results = await Promise.all(
        [...versions]
          .reverse()
          .map((version) =>
            new SnapshotStore<Account>({ table }).save(id, { balance: version, owner: 'r' }, { version }),
          ),
      );
      expect(results[0]).to.equal(true); // version 20, sent first
      const loaded = await snapshots.load(id);
      expect(loaded?.version).to.equal(20);
      expect(loaded?.state.balance).to.equal(20);
    });

    it('a snapshot never appears among the events of the aggregate of the same id', async () => {
      const id = uniqueId('shared');
      const events = new EventStore({ table });
      await events.append(id, [{ type: 'Opened', data: {} }], { expectedVersion: 0 });
      await snapshots.save(id, { balance: 0, owner: 'x' }, { version: 1 });
      expect((await collect(events.read(id))).map((event) => event.version)).to.deep.equal([1]);
      expect(await events.version(id)).to.equal(1);
    });
  });

  describe('expectedVersion', () => {
    it('0 = there must be none: writes the first snapshot, then refuses with OptimisticLockError', async () => {
      const id = uniqueId('exp0');
      expect(
        await snapshots.save(id, { balance: 1, owner: 'a' }, { version: 4, expectedVersion: 0 }),
      ).to.equal(true);
      const error = await rejects(
        snapshots.save(id, { balance: 2, owner: 'b' }, { version: 8, expectedVersion: 0 }),
        OptimisticLockError,
      );
      expect(error).to.be.instanceOf(ConditionFailedError);
      expect(error.code).to.equal('condition.optimisticLock');
      expect(error.attribute).to.equal('version');
      expect(error.expected).to.equal(0);
      expect(error.item).to.deep.include({ version: 4, state: { balance: 1, owner: 'a' } });
      expect(error.message).to.include('expected no item, but the stored version is 4');
      expect(await snapshots.load(id)).to.deep.include({ version: 4, state: { balance: 1, owner: 'a' } });
    });

    it('a match writes (even a lower version: the caller asked for exactly that stored version)', async () => {
      const id = uniqueId('match');
      await snapshots.save(id, { balance: 1, owner: 'a' }, { version: 5 });
      expect(
        await snapshots.save(id, { balance: 2, owner: 'a' }, { version: 6, expectedVersion: 5 }),
      ).to.equal(true);
      expect(await snapshots.load(id)).to.deep.include({ version: 6, state: { balance: 2, owner: 'a' } });
      expect(
        await snapshots.save(id, { balance: 3, owner: 'a' }, { version: 2, expectedVersion: 6 }),
      ).to.equal(true);
      expect((await snapshots.load(id))?.version).to.equal(2);
    });

    it('a mismatch → OptimisticLockError with the stored item; nothing written', async () => {
      const id = uniqueId('mismatch');
      await snapshots.save(id, { balance: 1, owner: 'a' }, { version: 5 });
      const before = await stored(id);
      for (const expectedVersion of [4, 6]) {
        const error = await rejects(
          snapshots.save(id, { balance: 99, owner: 'z' }, { version: 7, expectedVersion }),
          OptimisticLockError,
        );
        expect(error.expected).to.equal(expectedVersion);
        expect(error.item).to.deep.include({ version: 5 });
        expect(error.message).to.include(`expected ${expectedVersion}, but the stored version is 5`);
      }
      expect(await stored(id)).to.deep.equal(before);
    });

    it('an expected version when there is no snapshot → OptimisticLockError, nothing written', async () => {
      const id = uniqueId('absent');
      const error = await rejects(
        snapshots.save(id, { balance: 1, owner: 'a' }, { version: 3, expectedVersion: 2 }),
        OptimisticLockError,
      );
      expect(error.expected).to.equal(2);
      expect(error.item).to.equal(undefined);
      expect(error.message).to.include('the item does not exist');
      expect(await snapshots.load(id)).to.equal(undefined);
    });

    it("'any' means no expectation: writes when newer, returns false (never throws) when stale", async () => {
      const id = uniqueId('any');
      const any = 'any' as unknown as number;
      expect(
        await snapshots.save(id, { balance: 1, owner: 'a' }, { version: 10, expectedVersion: any }),
      ).to.equal(true);
      expect(
        await snapshots.save(id, { balance: 2, owner: 'a' }, { version: 5, expectedVersion: any }),
      ).to.equal(false);
      expect(
        await snapshots.save(id, { balance: 3, owner: 'a' }, { version: 11, expectedVersion: any }),
      ).to.equal(true);
      expect(await snapshots.load(id)).to.deep.include({ version: 11, state: { balance: 3, owner: 'a' } });
    });

    it('the AddBalance pattern: of 5 concurrent read-modify-writes from one version, exactly one wins', async () => {
      const id = uniqueId('addbalance');
      await snapshots.save(id, { balance: 100, owner: 'a' }, { version: 1 });
      const outcomes = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((amount) =>
          snapshots.save(id, { balance: 100 + amount, owner: 'a' }, { version: 2, expectedVersion: 1 }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(OptimisticLockError);
      }
      expect((await snapshots.load(id))?.version).to.equal(2);
    });
  });

  describe('bad input', () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'version 0',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: 0 }),
        /version must be a positive integer, got 0/,
      ],
      [
        'version -1',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: -1 }),
        /version must be a positive integer, got -1/,
      ],
      [
        'version 1.5',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: 1.5 }),
        /version must be a positive integer, got 1\.5/,
      ],
      [
        'version NaN',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: Number.NaN }),
        /version must be a positive integer, got NaN/,
      ],
      [
        "version '3'",
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: '3' as unknown as number }),
        /version must be a positive integer, got 3/,
      ],
      [
        'no options',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, undefined as unknown as { version: number }),
        /version must be a positive integer, got undefined/,
      ],
      [
        'expectedVersion -1',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: 2, expectedVersion: -1 }),
        /expectedVersion must be .*, got -1/,
      ],
      [
        'expectedVersion 1.5',
        () => snapshots.save('x', { balance: 0, owner: 'x' }, { version: 2, expectedVersion: 1.5 }),
        /expectedVersion must be .*, got 1\.5/,
      ],
      [
        "expectedVersion 'foo'",
        () =>
          snapshots.save(
            'x',
            { balance: 0, owner: 'x' },
            { version: 2, expectedVersion: 'foo' as unknown as number },
          ),
        /expectedVersion must be .*, got "foo"/,
      ],
      [
        'empty aggregate id (save)',
        () => snapshots.save('', { balance: 0, owner: 'x' }, { version: 1 }),
        /streamId must be a non-empty string, got an empty string/,
      ],
      [
        'numeric aggregate id (load)',
        () => snapshots.load(5 as unknown as string),
        /streamId must be a non-empty string, got 5/,
      ],
      [
        'aggregate id over the id limit (1025 bytes)',
        () => snapshots.load('a'.repeat(1025)),
        /streamId is 1025 bytes long; stream and aggregate ids may be at most 1024 bytes \(UTF-8\)/,
      ],
      [
        'aggregate id of 513 two-byte characters (1026 bytes, save)',
        () => snapshots.save('é'.repeat(513), { balance: 0, owner: 'x' }, { version: 1 }),
        /streamId is 1026 bytes long; stream and aggregate ids may be at most 1024 bytes/,
      ],
      [
        'state with a function',
        () => snapshots.save('x', { balance: 0, owner: 'x', data: { f: () => 1 } }, { version: 1 }),
        /state\.data\.f is a function/,
      ],
      [
        'state with NaN',
        () => snapshots.save('x', { balance: Number.NaN, owner: 'x' }, { version: 1 }),
        /state\.balance is NaN/,
      ],
      [
        'state with a Date',
        () => snapshots.save('x', { balance: 0, owner: 'x', data: new Date() }, { version: 1 }),
        /state\.data is an instance of Date/,
      ],
    ];
    for (const [what, call, message] of cases) {
      it(`${what} → ValidationError naming it, nothing sent`, async () => {
        const requests = countRequests(table.client);
        try {
          const error = await rejects(call(), ValidationError);
          expect(error.message).to.match(message);
          expect(requests.total()).to.equal(0);
        } finally {
          requests.detach();
        }
      });
    }

    it('the catalogue wrote nothing', async () => {
      // runs the whole catalogue itself, so it checks something when run alone too
      const outcomes = await Promise.allSettled(cases.map(([, call]) => call()));
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(cases.map(() => 'rejected'));
      expect(await stored('x')).to.deep.equal([]);
    });

    it('an aggregate id of exactly 1024 bytes fits: saved and loaded', async () => {
      const id = `${'s'.repeat(1000)}${'é'.repeat(12)}`;
      expect(Buffer.byteLength(id)).to.equal(1024);
      expect(await snapshots.save(id, { balance: 1, owner: 'long' }, { version: 1 })).to.equal(true);
      expect(await snapshots.load(id)).to.deep.include({ version: 1, state: { balance: 1, owner: 'long' } });
    });

    it('a state over 400 KB → ItemTooLargeError, nothing sent or written', async () => {
      const id = uniqueId('huge');
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          snapshots.save(id, { balance: 0, owner: 'x'.repeat(410_000) }, { version: 1 }),
          ItemTooLargeError,
        );
        expect(error.sizeBytes).to.be.greaterThan(409_600);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await snapshots.load(id)).to.equal(undefined);
    });

    it('construction refuses a missing table, and a table without a sort key', async () => {
      expect(() => new SnapshotStore(undefined as unknown as { table: Table })).to.throw(
        ValidationError,
        /give it a table/,
      );
      const noSortKey = await createTestTable({ sortKey: false, prefix: 'snapnosk' });
      try {
        expect(() => new SnapshotStore({ table: noSortKey })).to.throw(ValidationError, /sort key/);
      } finally {
        await noSortKey.deleteTable();
      }
    });
  });
});
