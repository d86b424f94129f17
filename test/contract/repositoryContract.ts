/**
 * The contract of an AggregateRepository on the stores: execute and load, conflicts, command ids,
 * snapshots (used, distrusted, rebuilt), executeMany and rebuildAll. The repository only sees
 * `EventStoreLike` and `SnapshotStoreLike`: the same code must give the same results on either store.
 */
import { expect } from 'chai';
import {
  AggregateRepository,
  type AggregateRepositoryOptions,
  ConcurrencyError,
  type StoredOf,
} from '../../src/index.js';
import {
  added,
  type Counter,
  type CounterEvent,
  counterStream,
  initialCounter,
  reduceCounter,
} from '../aggregates/counter.js';
import { collect, rejects } from '../support/helpers.js';
import { type ContractContext, range, uniqueCategory, uniqueId, versionsOf } from './stores.js';

/** Fast backoff: the tests prove what happens, not how long it waits. */
const FAST = { minTimeout: 1, maxTimeout: 20, factor: 2, randomize: true };

export function repositoryContract(context: ContractContext): void {
  describe('AggregateRepository on the stores', () => {
    function repository(options: Partial<AggregateRepositoryOptions<Counter, CounterEvent>> = {}) {
      const stores = context.shared();
      return new AggregateRepository<Counter, CounterEvent>({
        category: 'counter',
        events: stores.events,
        snapshots: stores.snapshots<Counter>(),
        initialState: initialCounter,
        reduce: reduceCounter,
        snapshotEvery: 1000,
        retry: FAST,
        ...options,
      });
    }
    const read = (id: string) =>
      collect(context.shared().events.read<StoredOf<CounterEvent>>(counterStream(id)));
    /** The counter's id without its `counter-` category. */
    const newId = () => uniqueId('c').slice(2);

    it('execute on a new aggregate: decide sees the initial state at version 0; the events are stored', async () => {
      const id = newId();
      const seen: [Counter, number][] = [];
      const result = await repository().execute(id, (state, version) => {
        seen.push([structuredClone(state), version]);
        return added('first', 2, 5);
      });
      expect(seen).to.deep.equal([[initialCounter(), 0]]);
      expect([result.version, result.token]).to.deep.equal([2, { streamId: counterStream(id), version: 2 }]);
      expect(result.state).to.deep.equal({ total: 10, applied: ['first', 'first'], folded: [1, 2] });
      expect(
        result.events.map((event) => [event.streamId, event.category, event.version, event.type]),
      ).to.deep.equal([
        [counterStream(id), 'counter', 1, 'Added'],
        [counterStream(id), 'counter', 2, 'Added'],
      ]);
      expect(await read(id)).to.deep.equal(result.events);
    });

    it('decide sees the loaded state and version; load of an absent aggregate is the initial state at 0', async () => {
      const id = newId();
      const repo = repository();
      await repo.execute(id, () => added('a', 3));
      let seen: [number, number] | undefined;
      const result = await repo.execute(id, (state, version) => {
        seen = [state.total, version];
        return added('b');
      });
      expect(seen).to.deep.equal([3, 3]);
      expect(result.state.applied).to.deep.equal(['a', 'a', 'a', 'b']);
      const loaded = await repository({ cache: false }).load(id);
      expect([loaded.version, loaded.state.total]).to.deep.equal([4, 4]);
      expect(await repository().load(newId())).to.deep.include({ state: initialCounter(), version: 0 });
    });

    it('a domain error from decide, or from reduce on the decided events, passes through; nothing appended', async () => {
      const id = newId();
      const repo = repository();
      await repo.execute(id, () => added('a'));
      class InsufficientFunds extends Error {}
      await rejects(
        repo.execute(id, () => {
          throw new InsufficientFunds('no');
        }),
        InsufficientFunds,
      );
      const picky = repository({
        reduce: (state, event) => {
          if ((event.data as { command: string }).command === 'bad')
            throw new RangeError('refused by the reducer');
          return reduceCounter(state, event);
        },
      });
      await rejects(
        picky.execute(id, () => added('bad')),
        RangeError,
      );
      expect(versionsOf(await read(id))).to.deep.equal([1]);
    });

    it('a conflict (another repository appended first) is retried on the newer state, with onConflict', async () => {
      const id = newId();
      const conflicts: number[] = [];
      const mine = repository({ onConflict: (_error, _id, attempt) => conflicts.push(attempt) });
      const theirs = repository();
      await mine.execute(id, () => added('a')); // mine caches version 1
      await theirs.execute(id, () => added('theirs'));
      const decided: number[] = [];
      const result = await mine.execute(id, (state, version) => {
        decided.push(version);
        return added(`mine-at-${state.total}`);
      });
      expect(decided).to.deep.equal([1, 2]);
      expect(conflicts).to.deep.equal([1]);
      expect(result.version).to.equal(3);
      expect(result.state.applied).to.deep.equal(['a', 'theirs', 'mine-at-2']);
      expect((await read(id)).map((event) => event.data.command)).to.deep.equal(['a', 'theirs', 'mine-at-2']);
    });

    it('retries end: a conflict every time → ConcurrencyError after the last try, nothing of ours stored', async () => {
      const id = newId();
      const mine = repository({ retry: { ...FAST, retries: 2 } });
      const theirs = repository();
      await mine.execute(id, () => added('a'));
      let tries = 0;
      await rejects(
        mine.execute(id, async () => {
          tries++;
          await theirs.execute(id, () => added('theirs')); // someone always gets there first
          return added('mine');
        }),
        ConcurrencyError,
      );
      expect(tries).to.equal(3);
      expect((await read(id)).map((event) => event.data.command)).to.deep.equal([
        'a',
        'theirs',
        'theirs',
        'theirs',
      ]);
    });

    it('a commandId executed again returns the stored result: nothing decided or appended', async () => {
      const id = newId();
      const first = await repository().execute(id, () => added('pay', 2), { commandId: 'pay-1' });
      expect(first.events.map((event) => event.commandId)).to.deep.equal(['pay-1', 'pay-1']);
      await repository().execute(id, () => added('other'));
      let decided = false;
      for (const repo of [repository(), repository({ cache: false })]) {
        const again = await repo.execute(
          id,
          () => {
            decided = true;
            return added('pay', 2);
          },
          { commandId: 'pay-1' },
        );
        expect(again.replayed).to.equal(true);
        expect(again.events).to.deep.equal(first.events);
        expect(again.version).to.equal(3);
      }
      expect(decided).to.equal(false);
      expect(versionsOf(await read(id))).to.deep.equal([1, 2, 3]);
    });

    it('snapshots: saved as appends cross snapshotEvery, then a load folds only the events after one', async () => {
      const id = newId();
      await repository({ snapshotEvery: 3 }).execute(id, () => added('a', 7));
      const snapshot = await context.shared().snapshots<Counter>().load(counterStream(id));
      expect(snapshot?.version).to.equal(7);
      await repository({ snapshotEvery: 3 }).execute(id, () => added('b')); // 8: no multiple of 3 crossed
      let folds = 0;
      const counting = repository({
        snapshotEvery: 3,
        cache: false,
        reduce: (state, event) => {
          folds++;
          return reduceCounter(state, event);
        },
      });
      const loaded = await counting.load(id);
      expect([loaded.version, loaded.state.total]).to.deep.equal([8, 8]);
      expect(folds).to.equal(1); // version 8: the rest came from the snapshot at 7
      expect(loaded.state.folded).to.deep.equal(range(1, 8));
      folds = 0;
      const noSnapshots = repository({
        cache: false,
        snapshots: undefined,
        reduce: (state, event) => {
          folds++;
          return reduceCounter(state, event);
        },
      });
      expect((await noSnapshots.load(id)).state.total).to.equal(8);
      expect(folds).to.equal(8);
    });

    it('a snapshot ahead of the stream is not trusted: the events are; rebuild rewrites it from the events', async () => {
      const id = newId();
      await repository().execute(id, () => added('a', 3));
      const snapshots = context.shared().snapshots<Counter>();
      await snapshots.save(counterStream(id), { total: 1000, applied: [], folded: [] }, { version: 99 });
      const loaded = await repository({ cache: false }).load(id);
      expect([loaded.version, loaded.state.total]).to.deep.equal([3, 3]);
      const rebuilt = await repository().rebuild(id);
      expect([rebuilt.version, rebuilt.state.total]).to.deep.equal([3, 3]);
      expect(await snapshots.load(counterStream(id))).to.deep.include({ version: 3 });
    });

    it('executeMany: one decision over several aggregates, all or nothing', async () => {
      const [a, b] = [newId(), newId()];
      const repo = repository();
      await repo.execute(a, () => added('open-a', 1, 10));
      const results = await repo.executeMany([a, b], ([from, to]) => {
        expect([from?.state.total, to?.state.total]).to.deep.equal([10, 0]);
        return [added('out', 1, -4), added('in', 1, 4)];
      });
      expect(results.map((result) => [result.version, result.state.total])).to.deep.equal([
        [2, 6],
        [1, 4],
      ]);
      expect(
        new Set(results.flatMap((result) => result.events.map((event) => event.timestamp))).size,
      ).to.equal(1);
      await rejects(
        repo.executeMany([a, b], () => {
          throw new Error('refused');
        }),
        Error,
      );
      const picky = repository({
        reduce: (state, event) => {
          if ((event.data as { command: string }).command === 'bad') throw new RangeError('refused');
          return reduceCounter(state, event);
        },
      });
      await rejects(
        picky.executeMany([a, b], () => [added('fine'), added('bad')]),
        RangeError,
      );
      expect([versionsOf(await read(a)), versionsOf(await read(b))]).to.deep.equal([[1, 2], [1]]);
    });

    it("rebuildAll: every stream of the repository's category folded from its events, snapshots rewritten", async () => {
      const category = uniqueCategory('tally');
      const stores = context.shared();
      const snapshots = stores.snapshots<Counter>();
      const repo = new AggregateRepository<Counter, CounterEvent>({
        category,
        events: stores.events,
        snapshots,
        initialState: initialCounter,
        reduce: reduceCounter,
        snapshotEvery: 1000,
      });
      for (const [id, count] of [
        ['1', 3],
        ['2', 1],
        ['3', 5],
      ] as const) {
        await repo.execute(id, () => added(`c${id}`, count));
      }
      await stores.events.append(`${category}x-1`, added('another category')); // not this repository's
      const progress: number[] = [];
      const result = await repo.rebuildAll({
        segments: 2,
        onProgress: ({ streams }) => progress.push(streams),
      });
      expect(result).to.deep.equal({ streams: 3, events: 9, failed: [] });
      expect(progress.at(-1)).to.equal(3);
      for (const [id, total] of [
        ['1', 3],
        ['2', 1],
        ['3', 5],
      ] as const) {
        expect(await snapshots.load(`${category}-${id}`)).to.deep.include({ version: total });
      }
    });

    it('reduce gets stored events: version, category, timestamp and commandId as a replay will see them', async () => {
      const id = newId();
      const seen: StoredOf<CounterEvent>[] = [];
      const repo = repository({
        reduce: (state, event) => {
          seen.push(structuredClone(event));
          return reduceCounter(state, event);
        },
      });
      const { events } = await repo.execute(id, () => added('x', 2), { commandId: 'cmd-x' });
      const decidedTime = seen.map((event) => event.timestamp);
      expect(seen).to.deep.equal(events);
      seen.length = 0;
      await repository({
        cache: false,
        reduce: (state, event) => {
          seen.push(event);
          return reduceCounter(state, event);
        },
      }).load(id);
      expect(seen).to.deep.equal(events);
      expect(seen.map((event) => event.timestamp)).to.deep.equal(decidedTime);
    });
  });
}
