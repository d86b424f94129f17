/**
 * The contract of snapshots: version-conditional saves, loads, bad input, and the pairing with the
 * event store (a snapshot lives with its stream: `tail` returns it, reads never do).
 */
import { expect } from 'chai';
import { ItemTooLargeError, OptimisticLockError, ValidationError } from '../../src/index.js';
import { collect, rejects } from '../support/helpers.js';
import { type ContractContext, numbered, uniqueId, versionsOf } from './stores.js';

interface Account {
  balance: number;
  owner: string;
  data?: unknown;
}

export function snapshotContract(context: ContractContext): void {
  describe('snapshots', () => {
    const snapshots = () => context.shared().snapshots<Account>();

    it('save and load: state, version and timestamp (epoch ms); absent → undefined', async () => {
      const id = uniqueId('acct');
      const state = { balance: 42, owner: 'Ada', data: { list: [1, 2], set: new Set([1, 2]) } };
      const before = Date.now();
      expect(await snapshots().save(id, state, { version: 7 })).to.equal(true);
      const loaded = await snapshots().load(id);
      expect(loaded?.state).to.deep.equal(state);
      expect(loaded?.version).to.equal(7);
      expect(loaded?.timestamp).to.be.within(before, Date.now());
      expect(Object.keys(loaded ?? {}).sort()).to.deep.equal([
        'schemaVersion',
        'state',
        'timestamp',
        'version',
      ]);
      expect(await snapshots().load(uniqueId('none'))).to.equal(undefined);
    });

    it('the saved and the loaded state are copies: mutating them changes nothing stored', async () => {
      const id = uniqueId('copy');
      const state = { balance: 1, owner: 'a', data: { n: 1 } };
      await snapshots().save(id, state, { version: 1 });
      state.data.n = 2;
      const loaded = await snapshots().load(id);
      (loaded?.state.data as { n: number }).n = 3;
      expect((await snapshots().load(id))?.state).to.deep.equal({ balance: 1, owner: 'a', data: { n: 1 } });
    });

    it('a newer or equal version replaces; a stale one returns false and changes nothing; force writes anyway', async () => {
      const id = uniqueId('newer');
      expect(await snapshots().save(id, { balance: 1, owner: 'a' }, { version: 3 })).to.equal(true);
      expect(await snapshots().save(id, { balance: 2, owner: 'a' }, { version: 9 })).to.equal(true);
      expect(await snapshots().save(id, { balance: 3, owner: 'a' }, { version: 9 })).to.equal(true);
      expect(await snapshots().save(id, { balance: 4, owner: 'old' }, { version: 5 })).to.equal(false);
      expect(await snapshots().load(id)).to.deep.include({ version: 9, state: { balance: 3, owner: 'a' } });
      expect(
        await snapshots().save(id, { balance: 5, owner: 'rebuilt' }, { version: 2, force: true }),
      ).to.equal(true);
      expect(await snapshots().load(id)).to.deep.include({
        version: 2,
        state: { balance: 5, owner: 'rebuilt' },
      });
    });

    it('concurrent savers of versions 1..20: the highest version stays', async () => {
      const id = uniqueId('race');
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => 20 - index).map((version) =>
          snapshots().save(id, { balance: version, owner: 'r' }, { version }),
        ),
      );
      expect(await snapshots().load(id)).to.deep.include({ version: 20, state: { balance: 20, owner: 'r' } });
    });

    it('expectedVersion 0: the first snapshot only; then OptimisticLockError with the stored item', async () => {
      const id = uniqueId('exp0');
      expect(
        await snapshots().save(id, { balance: 1, owner: 'a' }, { version: 4, expectedVersion: 0 }),
      ).to.equal(true);
      const error = await rejects(
        snapshots().save(id, { balance: 2, owner: 'b' }, { version: 8, expectedVersion: 0 }),
        OptimisticLockError,
      );
      expect([error.code, error.attribute, error.expected]).to.deep.equal([
        'condition.optimisticLock',
        'version',
        0,
      ]);
      expect(error.item).to.deep.include({ version: 4, state: { balance: 1, owner: 'a' } });
      expect(error.message).to.include('expected no item, but the stored version is 4');
      expect(await snapshots().load(id)).to.deep.include({ version: 4, state: { balance: 1, owner: 'a' } });
    });

    it('expectedVersion N: a match writes (even a lower version); a mismatch or none stored → OptimisticLockError', async () => {
      const id = uniqueId('match');
      await snapshots().save(id, { balance: 1, owner: 'a' }, { version: 5 });
      for (const expectedVersion of [4, 6]) {
        const error = await rejects(
          snapshots().save(id, { balance: 99, owner: 'z' }, { version: 7, expectedVersion }),
          OptimisticLockError,
        );
        expect(error.item).to.deep.include({ version: 5 });
        expect(error.message).to.include(`expected ${expectedVersion}, but the stored version is 5`);
      }
      expect(
        await snapshots().save(id, { balance: 3, owner: 'a' }, { version: 2, expectedVersion: 5 }),
      ).to.equal(true);
      expect((await snapshots().load(id))?.version).to.equal(2);
      const absent = uniqueId('absent');
      const none = await rejects(
        snapshots().save(absent, { balance: 1, owner: 'a' }, { version: 3, expectedVersion: 2 }),
        OptimisticLockError,
      );
      expect(none.item).to.equal(undefined);
      expect(none.message).to.include('the item does not exist');
      expect(await snapshots().load(absent)).to.equal(undefined);
    });

    it('of 5 concurrent saves expecting one version, exactly one wins', async () => {
      const id = uniqueId('addbalance');
      await snapshots().save(id, { balance: 100, owner: 'a' }, { version: 1 });
      const outcomes = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((amount) =>
          snapshots().save(id, { balance: 100 + amount, owner: 'a' }, { version: 2, expectedVersion: 1 }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(OptimisticLockError);
      }
    });

    describe('bad input → the same typed errors, nothing stored', () => {
      const id = uniqueId('bad');
      const cases: [string, () => Promise<unknown>, RegExp][] = [
        [
          'version 0',
          () => snapshots().save(id, { balance: 0, owner: 'x' }, { version: 0 }),
          /version must be a positive integer, got 0/,
        ],
        [
          'version 1.5',
          () => snapshots().save(id, { balance: 0, owner: 'x' }, { version: 1.5 }),
          /version must be a positive integer, got 1\.5/,
        ],
        [
          'no options',
          () => snapshots().save(id, { balance: 0, owner: 'x' }, undefined as unknown as { version: number }),
          /version must be a positive integer, got undefined/,
        ],
        [
          'expectedVersion -1',
          () => snapshots().save(id, { balance: 0, owner: 'x' }, { version: 2, expectedVersion: -1 }),
          /expectedVersion must be .*, got -1/,
        ],
        [
          'an empty id',
          () => snapshots().save('', { balance: 0, owner: 'x' }, { version: 1 }),
          /streamId must be a non-empty string, got an empty string/,
        ],
        [
          'a numeric id (load)',
          () => snapshots().load(5 as unknown as string),
          /streamId must be a non-empty string, got 5/,
        ],
        [
          'a function in the state',
          () => snapshots().save(id, { balance: 0, owner: 'x', data: { f: () => 1 } }, { version: 1 }),
          /state\.data\.f is a function/,
        ],
        [
          'NaN in the state',
          () => snapshots().save(id, { balance: Number.NaN, owner: 'x' }, { version: 1 }),
          /state\.balance is NaN/,
        ],
        [
          'a Date in the state',
          () => snapshots().save(id, { balance: 0, owner: 'x', data: new Date() }, { version: 1 }),
          /state\.data is an instance of Date/,
        ],
      ];
      for (const [what, call, message] of cases) {
        it(`${what} → ValidationError`, async () => {
          expect((await rejects(call(), ValidationError)).message).to.match(message);
        });
      }

      it('a state over 400 KB → ItemTooLargeError', async () => {
        const error = await rejects(
          snapshots().save(id, { balance: 0, owner: 'x'.repeat(410_000) }, { version: 1 }),
          ItemTooLargeError,
        );
        expect(error.sizeBytes).to.be.greaterThan(409_600);
      });

      it('the catalogue stored nothing', async () => {
        const outcomes = await Promise.allSettled(cases.map(([, call]) => call()));
        expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(cases.map(() => 'rejected'));
        expect(await snapshots().load(id)).to.equal(undefined);
      });
    });

    it('a snapshot lives with its stream: never among its events; tail returns it, fromItem decodes it', async () => {
      const id = uniqueId('shared');
      const { events } = context.shared();
      await events.append(id, numbered(3), { expectedVersion: 0 });
      await snapshots().save(id, { balance: 7, owner: 'x' }, { version: 2 });
      expect(versionsOf(await collect(events.read(id)))).to.deep.equal([1, 2, 3]);
      expect(versionsOf(await collect(events.read(id, { direction: 'backward' })))).to.deep.equal([3, 2, 1]);
      expect(await events.version(id)).to.equal(3);
      const tail = await events.tail(id, { limit: 3 });
      expect(versionsOf(tail.events)).to.deep.equal([2, 3]); // the snapshot is one of the 3 records
      expect(tail.token).to.deep.equal({ streamId: id, version: 3 });
      if (tail.snapshot === undefined) throw new Error('expected the snapshot record in the tail');
      expect(snapshots().fromItem(tail.snapshot)).to.deep.include({
        version: 2,
        state: { balance: 7, owner: 'x' },
      });
    });
  });
}
