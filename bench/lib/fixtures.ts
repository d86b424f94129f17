/**
 * Data several workloads share, written once per run on first use: the long streams (100 000 and
 * 1 000 000 events) in dynago's layout, and 100 000 events in Castore's layout. Each long stream gets a
 * table of its own, so that no stream is read in a table holding more than the other side's.
 */
import type { Table } from '../../src/index.js';
import { CASTORE_EVENT_STORE_ID } from './castore.js';
import type { Bench } from './context.js';
import { castoreEventItem, dynagoEventItem, seed } from './events.js';

export interface Seeding {
  what: string;
  items: number;
  seconds: number;
}

export class Fixtures {
  readonly seeding: Seeding[] = [];
  private readonly streams = new Map<number, Promise<{ table: Table; streamId: string }>>();
  private readonly castoreStreams = new Map<number, Promise<{ tableName: string; aggregateId: string }>>();

  constructor(private readonly bench: Bench) {}

  /** Stream `replay-<events>`, alone in a dynago table, written once. */
  dynagoStream(events: number): Promise<{ table: Table; streamId: string }> {
    let stream = this.streams.get(events);
    if (!stream) {
      stream = (async () => {
        const table = await this.bench.dynagoTable(`replay-${events}`);
        const streamId = `replay-${events}`;
        await this.timed(`dynago stream of ${events.toLocaleString('en')} events`, events, () => {
          const timestamp = Date.now();
          return seed(table, events, (version) => dynagoEventItem(streamId, version, timestamp));
        });
        return { table, streamId };
      })();
      this.streams.set(events, stream);
    }
    return stream;
  }

  /** Aggregate `replay-<events>`, alone in a table in Castore's layout, written once. */
  castoreStream(events: number): Promise<{ tableName: string; aggregateId: string }> {
    let stream = this.castoreStreams.get(events);
    if (!stream) {
      stream = (async () => {
        const tableName = await this.bench.castoreTable(`replay-castore-${events}`);
        const aggregateId = `replay-${events}`;
        await this.timed(`Castore stream of ${events.toLocaleString('en')} events`, events, () => {
          const writer = this.bench.tableFor(tableName, 'aggregateId', 'version');
          const timestamp = new Date().toISOString();
          return seed(writer, events, (version) =>
            castoreEventItem(CASTORE_EVENT_STORE_ID, aggregateId, version, timestamp),
          );
        });
        return { tableName, aggregateId };
      })();
      this.castoreStreams.set(events, stream);
    }
    return stream;
  }

  /** Runs `write`, logs and records how long it took. */
  async timed(what: string, items: number, write: () => Promise<void>): Promise<void> {
    const start = performance.now();
    this.bench.log(`seeding: ${what} …`);
    await write();
    const seconds = (performance.now() - start) / 1000;
    this.seeding.push({ what, items, seconds: Math.round(seconds * 10) / 10 });
    this.bench.log(`seeding: ${what}: ${seconds.toFixed(1)} s (${Math.round(items / seconds)} items/s)`);
  }
}
