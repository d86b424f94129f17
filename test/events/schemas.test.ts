import { expect } from 'chai';
import { z } from 'zod';
import { defineEvent, EventStore, Projector, type Table, ValidationError } from '../../src/index.js';
import { DepositedV1, DepositedV3, Withdrawn } from '../contract/definitionsContract.js';
import { balanceOf, createStreamedEventTable, streamRecords } from '../projections/helpers.js';
import { createTestTable } from '../support/tables.js';
import { partitionItems, rejects, uniqueId } from './helpers.js';

/**
 * Event definitions on DynamoDB: what the item holds, and projections (stream records) seeing upcast
 * events. What both event stores share (validation, upcasting on read, readPage, readAll and loads,
 * UpcastError) is in the contract suite (test/contract/definitionsContract.ts).
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

  it('the item holds the schema output and its schema version (above 1 only)', async () => {
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

  it('an event this code cannot read (written by newer code) is parked by a rebuild, not a failed rebuild', async () => {
    const streamId = `account-${uniqueId('newer')}`;
    await new EventStore({ table, events: [DepositedV3] }).append(streamId, [
      { type: 'Deposited', data: { cents: 1 } },
    ]);
    const older = defineEvent('Deposited', {
      schema: z.object({ amount: z.number() }),
      version: 2,
      upcasters: { 1: (d) => d },
    });
    const projector = new Projector({
      events: new EventStore({ table, events: [older] }),
      projections: [
        {
          name: 'older',
          categories: ['account'],
          project: (event) => [readModel.updateOp(`older#${event.streamId}`, undefined, { add: { n: 1 } })],
        },
      ],
      retry: { maxAttempts: 1 },
    });
    await projector.rebuild('older');
    const parked = (await projector.status('older')).parked.filter((entry) => entry.streamId === streamId);
    expect(parked.map((entry) => entry.error)).to.have.length(1);
    expect(parked[0]?.error).to.include('UpcastError');
  });
});
