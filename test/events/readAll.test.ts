import { expect } from 'chai';
import { EventStore, SnapshotStore, type StoredEvent, type Table } from '../../src/index.js';
import { recordInputs } from '../support/helpers.js';
import { countRequests } from '../support/tables.js';
import { allItems, collect, createEventTable, range } from './helpers.js';

const STREAMS = 50;
const EVENTS_PER_STREAM = 20;

describe('EventStore.readAll over many streams', () => {
  let table: Table;
  let store: EventStore;
  /** Every appended event by id. */
  const appended = new Map<string, StoredEvent>();

  before(async () => {
    table = await createEventTable('readall');
    store = new EventStore({ table });
    const snapshots = new SnapshotStore<{ count: number }>({ table });
    await Promise.all(
      range(0, STREAMS - 1).map(async (index) => {
        const streamId = `stream-${String(index).padStart(2, '0')}`;
        // two appends per stream: 15 + 5 events
        for (const [expectedVersion, count] of [
          [0, 15],
          [15, EVENTS_PER_STREAM - 15],
        ] as const) {
          const { events } = await store.append(
            streamId,
            range(1, count).map((n) => ({ type: 'Tick', data: { stream: index, n: expectedVersion + n } })),
            { expectedVersion },
          );
          for (const event of events) appended.set(event.id, event);
        }
        // snapshots share the table and must never come back from readAll
        if (index % 5 === 0) await snapshots.save(streamId, { count: EVENTS_PER_STREAM }, { version: 20 });
      }),
    );
    expect(appended.size).to.equal(STREAMS * EVENTS_PER_STREAM);
    // snapshots live in their stream's partition, above every event
    const snapshotItems = (await allItems(table)).filter((item) => item.sk === Number.MAX_SAFE_INTEGER);
    expect(snapshotItems).to.have.length(STREAMS / 5);
  });

  after(async () => {
    await table.deleteTable();
  });

  function checkEveryEventOnce(events: StoredEvent[]): void {
    expect(events).to.have.length(STREAMS * EVENTS_PER_STREAM);
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const event of events) expect(event).to.deep.equal(appended.get(event.id));
    const byStream = new Map<string, number[]>();
    for (const event of events) {
      const versions = byStream.get(event.streamId) ?? [];
      versions.push(event.version);
      byStream.set(event.streamId, versions);
    }
    expect(byStream.size).to.equal(STREAMS);
    for (const [streamId, versions] of byStream) {
      expect(versions, streamId).to.deep.equal(range(1, EVENTS_PER_STREAM));
    }
    expect(
      events.some((event) => event.version === Number.MAX_SAFE_INTEGER || event.type === undefined),
    ).to.equal(false);
  }

  for (const segments of [1, 4]) {
    it(`segments ${segments}: every event exactly once, each stream in version order, no snapshots`, async () => {
      const requests = countRequests(table.client);
      try {
        checkEveryEventOnce(await collect(store.readAll({ segments })));
        expect(Object.keys(requests.counts)).to.deep.equal(['ScanCommand']);
        expect(requests.counts.ScanCommand).to.be.at.least(segments);
      } finally {
        requests.detach();
      }
    });
  }

  it('the default (4 segments) reads the same events', async () => {
    const scans = recordInputs(table.client, 'ScanCommand');
    try {
      checkEveryEventOnce(await collect(store.readAll()));
    } finally {
      scans.detach();
    }
    // the default really is a 4-segment parallel scan: every request says so, and each segment is scanned
    expect(scans.inputs, 'no scan was sent').to.not.be.empty;
    expect(scans.inputs.map((input) => input.TotalSegments)).to.deep.equal(scans.inputs.map(() => 4));
    const scanned = [...new Set(scans.inputs.map((input) => input.Segment as number))].sort();
    expect(scanned).to.deep.equal([0, 1, 2, 3]);
    expect(scans.inputs.every((input) => input.TableName === table.tableName)).to.equal(true);
  });

  it('readAllSegments: each segment yields whole streams one after another', async () => {
    const segments = store.readAllSegments({ segments: 4 });
    expect(segments).to.have.length(4);
    const perSegment = await Promise.all(segments.map((segment) => collect(segment)));
    checkEveryEventOnce(perSegment.flat());
    for (const events of perSegment) {
      const order: string[] = [];
      for (const event of events) if (order.at(-1) !== event.streamId) order.push(event.streamId);
      expect(new Set(order).size, 'a stream came back in two pieces').to.equal(order.length);
    }
  });

  it('an empty table reads as nothing', async () => {
    const empty = await createEventTable('readall-empty');
    try {
      expect(await collect(new EventStore({ table: empty }).readAll({ segments: 2 }))).to.deep.equal([]);
    } finally {
      await empty.deleteTable();
    }
  });
});
