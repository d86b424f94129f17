import { expect } from 'chai';
import { EventStore, StreamCorruptedError, type Table } from '../../src/index.js';
import { countRequests, recordInputs } from '../support/helpers.js';
import { createEventTable, range, rejects } from './helpers.js';

const BLOB = 'x'.repeat(20_000); // about 50 events per 1 MB page

/** A long forward read is split into version windows read in parallel, yielded in order, gap-checked. */
describe('EventStore.read: long streams in parallel windows', () => {
  let table: Table;
  let store: EventStore;
  const EVENTS = 400;

  before(async () => {
    table = await createEventTable('parallel-read');
    store = new EventStore({ table });
    let token: Awaited<ReturnType<EventStore['head']>> | undefined;
    for (let version = 0; version < EVENTS; version += 100) {
      const events = range(version + 1, version + 100).map((n) => ({ type: 'Big', data: { n, blob: BLOB } }));
      token = (await store.append('long', events, { expectedVersion: token ?? 0 })).token;
    }
  });

  after(async () => {
    await table.deleteTable();
  });

  it('yields every version once, in order, with windows in flight after the first page', async () => {
    const queries = recordInputs(table.client, 'QueryCommand');
    const versions: number[] = [];
    try {
      for await (const event of store.read('long', { parallel: 4 })) versions.push(event.version);
    } finally {
      queries.detach();
    }
    expect(versions).to.deep.equal(range(1, EVENTS));
    // the first page, the head, then BETWEEN windows starting right after the first page
    const windows = queries.inputs.filter(
      (input) =>
        (input.ExpressionAttributeValues as Record<string, unknown>)[':from'] !== 1 &&
        input.Limit === undefined,
    );
    expect(windows.length).to.be.greaterThan(3);
  });

  it('parallel: 1 is the plain loop: no head lookup, one Query per page', async () => {
    const requests = countRequests(table.client);
    let count = 0;
    try {
      for await (const _ of store.read('long', { parallel: 1 })) count++;
    } finally {
      requests.detach();
    }
    expect(count).to.equal(EVENTS);
    expect(requests.counts.QueryCommand).to.be.at.least(Math.ceil((EVENTS * BLOB.length) / 1_048_576));
  });

  it('consistent: false reads eventually consistent (half the read units)', async () => {
    const queries = recordInputs(table.client, 'QueryCommand');
    try {
      for await (const _ of store.read('long', { consistent: false, to: 10 })) void _;
    } finally {
      queries.detach();
    }
    expect(queries.inputs.every((input) => input.ConsistentRead !== true)).to.equal(true);
  });

  it('a gap inside a window → StreamCorruptedError naming the version', async () => {
    const other = await createEventTable('parallel-gap');
    try {
      const gappy = new EventStore({ table: other });
      const events = range(1, 100).map((n) => ({ type: 'Big', data: { n, blob: BLOB } }));
      const { token } = await gappy.append('gappy', events, { expectedVersion: 0 });
      await gappy.append('gappy', events, { expectedVersion: token });
      await other.deleteItem('event#gappy', 150);
      const error = await rejects(
        (async () => {
          for await (const _ of gappy.read('gappy', { parallel: 4 })) void _;
        })(),
        StreamCorruptedError,
      );
      expect(error.expectedVersion).to.equal(150);
    } finally {
      await other.deleteTable();
    }
  });

  it('a bad parallel → ValidationError', async () => {
    await rejects(
      (async () => {
        for await (const _ of store.read('long', { parallel: 0 })) void _;
      })(),
      Error,
    );
  });
});
