import { expect } from 'chai';
import { z } from 'zod';
import {
  AggregateRepository,
  defineEvent,
  EventStore,
  EventValidationError,
  Projector,
  type Table,
  UpcastError,
  ValidationError,
} from '../../src/index.js';
import { balanceOf, createStreamedEventTable, streamRecords } from '../projections/helpers.js';
import { createTestTable } from '../support/tables.js';
import { collect, partitionItems, rejects, rejectsWhileIterating, uniqueId } from './helpers.js';

/**
 * Event definitions: Standard Schema validation on append (zod here), schema versions on every stored
 * event, and upcasters on every read path: read, readPage, readAll, aggregate loads, projections.
 */
describe('Event definitions: schemas on append, upcasting on every read', () => {
  let table: Table;
  let readModel: Table;

  before(async () => {
    table = await createStreamedEventTable('schemas');
    readModel = await createTestTable({ sortKey: false, prefix: 'schemas-model' });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  // Version 1: { amount }. Version 2 adds a currency. Version 3 stores cents.
  const DepositedV1 = defineEvent('Deposited', { schema: z.object({ amount: z.number().positive() }) });
  const DepositedV2 = defineEvent('Deposited', {
    schema: z.object({ amount: z.number().positive(), currency: z.string() }),
    version: 2,
    upcasters: { 1: (data: { amount: number }) => ({ ...data, currency: 'EUR' }) },
  });
  const DepositedV3 = defineEvent('Deposited', {
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
  const Withdrawn = defineEvent('Withdrawn', { schema: z.object({ amount: z.number() }) });

  it('append validates data with the schema: the type and the field are named, nothing is written', async () => {
    const store = new EventStore({ table, events: [DepositedV1, Withdrawn] });
    const streamId = `account-${uniqueId('invalid')}`;
    const error = await rejects(
      store.append(streamId, [
        { type: 'Deposited', data: { amount: 5 } },
        { type: 'Deposited', data: { amount: 'five' } },
      ]),
      EventValidationError,
    );
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.include('"Deposited"').and.include('events[1]').and.include('data.amount');
    expect(error.issues[0]?.path).to.deep.equal(['amount']);
    expect(await store.version(streamId)).to.equal(0);
  });

  it('a type without a definition is refused; the schema output (defaults) is what is stored', async () => {
    const store = new EventStore({ table, events: [DepositedV3] });
    const streamId = `account-${uniqueId('closed')}`;
    const error = await rejects(store.append(streamId, [{ type: 'Closed', data: {} }]), ValidationError);
    expect(error.message).to.include('"Closed"').and.include('defineEvent');
    expect(await store.version(streamId)).to.equal(0);
    const { events } = await store.append(streamId, [{ type: 'Deposited', data: { cents: 250 } }]);
    expect(events[0]?.data).to.deep.equal({ cents: 250, currency: 'EUR' });
    expect(events[0]?.schemaVersion).to.equal(3);
    const [item] = await partitionItems(table, `event#${streamId}`);
    expect(item?.schemaVersion, 'stored with the event').to.equal(3);
    expect(item?.data).to.deep.equal({ cents: 250, currency: 'EUR' });
  });

  it('version 1 events read through version 2 and 3 definitions on read, readPage, readAll and load', async () => {
    const streamId = `account-${uniqueId('old')}`;
    await new EventStore({ table, events: [DepositedV1, Withdrawn] }).append(streamId, [
      { type: 'Deposited', data: { amount: 3 } },
      { type: 'Withdrawn', data: { amount: 1 } },
    ]);
    const [raw] = await partitionItems(table, `event#${streamId}`);
    expect(raw).to.not.have.property('schemaVersion'); // version 1 is not written

    const v2 = new EventStore({ table, events: [DepositedV2, Withdrawn] });
    const [first] = await collect(v2.read(streamId));
    expect(first?.data).to.deep.equal({ amount: 3, currency: 'EUR' });
    expect(first?.schemaVersion).to.equal(2);

    const v3 = new EventStore({ table, events: [DepositedV3, Withdrawn] });
    const expected = { cents: 300, currency: 'EUR' };
    expect((await collect(v3.read(streamId)))[0]?.data, 'read').to.deep.equal(expected);
    expect((await v3.readPage(streamId)).events[0]?.data, 'readPage').to.deep.equal(expected);
    const all = (await collect(v3.readAll({ category: 'account' }))).filter((e) => e.streamId === streamId);
    expect(all[0]?.data, 'readAll').to.deep.equal(expected);
    expect(all[1]?.data, 'a type at its current version is untouched').to.deep.equal({ amount: 1 });

    const repository = new AggregateRepository<{ cents: number }, { type: string; data: unknown }>({
      category: 'account',
      events: v3,
      initialState: () => ({ cents: 0 }),
      reduce: (state, event) =>
        event.type === 'Deposited' ? { cents: state.cents + (event.data as { cents: number }).cents } : state,
    });
    expect((await repository.load(streamId.slice('account-'.length))).state, 'load').to.deep.equal({
      cents: 300,
    });
  });

  it('projections see upcast events, from stream records and from a rebuild', async () => {
    const streamId = `account-${uniqueId('projected')}`;
    await new EventStore({ table, events: [DepositedV1] }).append(streamId, [
      { type: 'Deposited', data: { amount: 2 } },
    ]);
    const store = new EventStore({ table, events: [DepositedV3, Withdrawn] });
    const seen: unknown[] = [];
    const projection = (name: string) => ({
      name,
      categories: ['account'],
      project: (event: { streamId: string; data: unknown }) => {
        if (event.streamId === streamId) seen.push(event.data);
        const { cents } = event.data as { cents?: number };
        return [
          readModel.updateOp(`balance#${event.streamId}#${name}`, undefined, {
            add: { balance: cents ?? 0, events: 1 },
          }),
        ];
      },
    });
    const projector = new Projector({
      events: store,
      projections: [projection('live'), projection('rebuilt')],
    });
    const records = (await streamRecords(table)).filter((record) =>
      JSON.stringify(record.dynamodb?.Keys).includes(`"event#${streamId}"`),
    );
    expect(await projector.lambdaHandler()({ Records: records })).to.deep.equal({ batchItemFailures: [] });
    await projector.rebuild('rebuilt');
    expect(seen).to.deep.equal([
      { cents: 200, currency: 'EUR' },
      { cents: 200, currency: 'EUR' },
      { cents: 200, currency: 'EUR' },
    ]);
    expect(await balanceOf(readModel, `${streamId}#live`)).to.deep.equal({ balance: 200, events: 1 });
  });

  it('an event written by newer code, or an upcaster that throws: UpcastError, never the wrong shape', async () => {
    const streamId = `account-${uniqueId('newer')}`;
    await new EventStore({ table, events: [DepositedV3] }).append(streamId, [
      { type: 'Deposited', data: { cents: 1 } },
    ]);
    const older = new EventStore({ table, events: [DepositedV2] });
    const { error } = await rejectsWhileIterating(older.read(streamId), UpcastError);
    expect(error.message).to.include('schema version 3').and.include("this code's 2");
    expect(error.schemaVersion).to.equal(3);

    const oldStream = `account-${uniqueId('broken')}`;
    await new EventStore({ table, events: [DepositedV1] }).append(oldStream, [
      { type: 'Deposited', data: { amount: 1 } },
    ]);
    const broken = defineEvent('Deposited', {
      version: 2,
      upcasters: {
        1: () => {
          throw new Error('bad upcaster');
        },
      },
    });
    const { error: thrown } = await rejectsWhileIterating(
      new EventStore({ table, events: [broken] }).read(oldStream),
      UpcastError,
    );
    expect((thrown.cause as Error).message).to.equal('bad upcaster');
  });
});
