/**
 * The contract of event definitions and snapshot shapes: schemas checked on append (nothing stored on a
 * refusal), upcasting on every read path, schema output folded by the repository, and snapshots of
 * another shape never folded into.
 */
import { expect } from 'chai';
import { z } from 'zod';
import {
  AggregateRepository,
  defineEvent,
  EventValidationError,
  UpcastError,
  ValidationError,
} from '../../src/index.js';
import { collect, rejects } from '../support/helpers.js';
import { type ContractContext, uniqueId } from './stores.js';

// Version 1 stored { amount }; version 2 adds a currency; version 3 stores cents (shared with
// test/events/schemas.test.ts, the DynamoDB-only part).
export const DepositedV1 = defineEvent('Deposited', { schema: z.object({ amount: z.number().positive() }) });
export const DepositedV2 = defineEvent('Deposited', {
  schema: z.object({ amount: z.number().positive(), currency: z.string() }),
  version: 2,
  upcasters: { 1: (data: { amount: number }) => ({ ...data, currency: 'EUR' }) },
});
export const DepositedV3 = defineEvent('Deposited', {
  schema: z.object({ cents: z.number().int(), currency: z.string().default('EUR') }),
  version: 3,
  upcasters: {
    1: (data: { amount: number }) => ({ ...data, currency: 'EUR' }),
    2: (data: { amount: number; currency: string }) => ({
      cents: data.amount * 100,
      currency: data.currency,
    }),
  },
});
export const Withdrawn = defineEvent('Withdrawn', { schema: z.object({ amount: z.number() }) });

export function definitionsContract(context: ContractContext): void {
  describe('event definitions and snapshot shapes', () => {
    const v1 = () => context.shared().eventsWith([DepositedV1, Withdrawn]);
    const v2 = () => context.shared().eventsWith([DepositedV2, Withdrawn]);
    const v3 = () => context.shared().eventsWith([DepositedV3, Withdrawn]);

    it('append checks data with the schema: the type and the field are named, nothing is stored', async () => {
      const streamId = uniqueId('account');
      const error = await rejects(
        v1().append(streamId, [
          { type: 'Deposited', data: { amount: 5 } },
          { type: 'Deposited', data: { amount: 'five' } },
        ]),
        EventValidationError,
      );
      expect(error).to.be.instanceOf(ValidationError);
      expect(error.message).to.include('"Deposited"').and.include('events[1]').and.include('data.amount');
      expect(error.issues[0]?.path).to.deep.equal(['amount']);
      expect(await v1().version(streamId)).to.equal(0);
    });

    it('a type without a definition is refused; the schema output (its defaults) is what is stored', async () => {
      const streamId = uniqueId('account');
      await rejects(v3().append(streamId, [{ type: 'Closed', data: {} }]), ValidationError);
      expect(await v3().version(streamId)).to.equal(0);
      const { events } = await v3().append(streamId, [{ type: 'Deposited', data: { cents: 250 } }]);
      expect(events[0]).to.deep.include({ data: { cents: 250, currency: 'EUR' }, schemaVersion: 3 });
      const [read] = await collect(context.shared().events.read(streamId));
      expect(read, 'a store without definitions reads what is stored').to.deep.include({
        data: { cents: 250, currency: 'EUR' },
        schemaVersion: 3,
      });
    });

    it('a re-send of the same input is recognised even when the schema adds a different default each time', async () => {
      let n = 0;
      const Stamped = defineEvent('Stamped', {
        schema: z.object({ note: z.string(), at: z.number().default(() => ++n) }),
      });
      const stamped = context.shared().eventsWith([Stamped]);
      const streamId = uniqueId('stamp');
      const event = { id: `${streamId}-e1`, type: 'Stamped', data: { note: 'x' } };
      const first = await stamped.append(streamId, [event]);
      const again = await stamped.append(streamId, [event]);
      expect(again.version).to.equal(1);
      expect(again.events).to.deep.equal(first.events);
    });

    it('version 1 events are read through version 2 and 3 upcasters on read, readPage, readAll and load', async () => {
      const streamId = uniqueId('account');
      await v1().append(streamId, [
        { type: 'Deposited', data: { amount: 3 } },
        { type: 'Withdrawn', data: { amount: 1 } },
      ]);
      const [first] = await collect(v2().read(streamId));
      expect(first).to.deep.include({ data: { amount: 3, currency: 'EUR' }, schemaVersion: 2 });
      const expected = { cents: 300, currency: 'EUR' };
      expect((await collect(v3().read(streamId)))[0]?.data, 'read').to.deep.equal(expected);
      expect((await v3().readPage(streamId)).events[0]?.data, 'readPage').to.deep.equal(expected);
      const all = (await collect(v3().readAll({ category: 'account' }))).filter(
        (event) => event.streamId === streamId,
      );
      expect(all[0]?.data, 'readAll').to.deep.equal(expected);
      expect(all[1]?.data, 'a type at its current version is untouched').to.deep.equal({ amount: 1 });
      const repository = new AggregateRepository<{ cents: number }, { type: string; data: unknown }>({
        category: 'account',
        events: v3(),
        initialState: () => ({ cents: 0 }),
        reduce: (state, event) =>
          event.type === 'Deposited'
            ? { cents: state.cents + (event.data as { cents: number }).cents }
            : state,
      });
      expect((await repository.load(streamId.slice('account-'.length))).state, 'load').to.deep.equal({
        cents: 300,
      });
    });

    it('an event written by newer code, or an upcaster that throws: UpcastError, never the wrong shape', async () => {
      const streamId = uniqueId('account');
      await v3().append(streamId, [{ type: 'Deposited', data: { cents: 1 } }]);
      const error = await rejects(collect(v2().read(streamId)), UpcastError);
      expect(error.message).to.include('schema version 3').and.include("this code's 2");
      const older = uniqueId('account');
      await v1().append(older, [{ type: 'Deposited', data: { amount: 1 } }]);
      const broken = defineEvent('Deposited', {
        version: 2,
        upcasters: {
          1: () => {
            throw new Error('bad upcaster');
          },
        },
      });
      const thrown = await rejects(collect(context.shared().eventsWith([broken]).read(older)), UpcastError);
      expect((thrown.cause as Error).message).to.equal('bad upcaster');
    });

    it("execute folds the schema's output (what a replay folds); decided data the schema refuses stores nothing", async () => {
      const id = uniqueId('ledger').slice('ledger-'.length);
      const repository = (cache: false | number) =>
        new AggregateRepository<{ currencies: string[] }, { type: 'Deposited'; data: { cents: number } }>({
          category: 'ledger',
          events: v3(),
          cache,
          initialState: () => ({ currencies: [] }),
          reduce: (state, event) => ({
            currencies: [...state.currencies, (event.data as { currency?: string }).currency ?? '?'],
          }),
        });
      const warm = repository(100);
      const { state } = await warm.execute(id, () => [{ type: 'Deposited', data: { cents: 5 } }]);
      expect(state.currencies, 'the default the schema adds').to.deep.equal(['EUR']);
      expect((await repository(false).load(id)).state, 'a replay folds the same').to.deep.equal(state);
      await rejects(
        warm.execute(id, () => [{ type: 'Deposited', data: { cents: 1.5 } }]),
        EventValidationError,
      );
      expect(await v3().version(`ledger-${id}`)).to.equal(1);
    });

    it('a snapshot of another schema version is ignored and replaced; serialize/deserialize round-trip', async () => {
      const streamId = uniqueId('shape');
      const old = context.shared().snapshots<{ total: number }>();
      const next = context.shared().snapshots<{ sum: number }>({ schemaVersion: 2 });
      expect(await old.save(streamId, { total: 9 }, { version: 9 })).to.equal(true);
      expect(await next.load(streamId), 'a v1 state is not a v2 state').to.equal(undefined);
      expect(await next.save(streamId, { sum: 5 }, { version: 5 }), 'replaces the v1 at version 9').to.equal(
        true,
      );
      expect(await next.load(streamId)).to.deep.include({ state: { sum: 5 }, version: 5, schemaVersion: 2 });
      expect(await next.save(streamId, { sum: 4 }, { version: 4 }), 'never backwards in one shape').to.equal(
        false,
      );
      type Clock = { seen: Map<string, number> };
      const hooks = context.shared().snapshots<Clock>({
        serialize: (state) => Object.fromEntries(state.seen),
        deserialize: (stored) => ({ seen: new Map(Object.entries(stored as Record<string, number>)) }),
      });
      const clock = uniqueId('clock');
      await hooks.save(clock, { seen: new Map([['a', 1]]) }, { version: 1 });
      const loaded = await hooks.load(clock);
      expect(loaded?.state.seen).to.be.instanceOf(Map);
      expect([...(loaded?.state.seen ?? [])]).to.deep.equal([['a', 1]]);
    });
  });
}
