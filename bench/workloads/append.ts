/**
 * Workload 2: appending 1 event and 10 events, dynago's EventStore.append against Castore's pushEvent
 * and pushEventGroup, on the same DynamoDB Local, each in its own library's documented table layout.
 * Both sides append at a version they know (dynago: expectedVersion = the StreamToken its own previous
 * append returned, 0 for a new stream; Castore: the event's explicit version), which is how a command
 * handler appends after a load. (A plain number N would cost dynago a GetItem proving that event N exists.)
 */
import { EventStore as CastoreEventStore } from '@castore/core';
import { EventStore, type StreamToken, Table } from '../../src/index.js';
import { interleave } from '../lib/alternate.js';
import { cannedClient, cannedDocumentClient } from '../lib/canned.js';
import { castoreEventStore } from '../lib/castore.js';
import type { Bench } from '../lib/context.js';
import { deposit, EVENT_TYPE } from '../lib/events.js';
import { type Comparison, comparison, measureCost } from '../lib/results.js';

/** Appends per stream before moving to a new stream. */
const STREAM_LENGTH = 50;

type CastoreStore = ReturnType<typeof castoreEventStore>;

/** The two sides' appends of `size` events: the i-th append of a run goes to its stream at a known version. */
function appends(store: EventStore, castore: CastoreStore, size: number) {
  const perStream = size === 1 ? STREAM_LENGTH : 5;
  const position = (run: string, i: number) => ({
    streamId: `${run}-${size}-${Math.floor(i / perStream)}`,
    after: (i % perStream) * size,
  });
  /** The token of each stream's last append: the next append's expected version. */
  const tokens = new Map<string, StreamToken>();
  const events = (after: number) =>
    Array.from({ length: size }, (_, k) => ({ type: EVENT_TYPE, data: deposit(after + k + 1) }));
  return {
    perStream,
    dynago: (run: string) => (i: number) => {
      const { streamId, after } = position(run, i);
      const expectedVersion = after === 0 ? 0 : (tokens.get(streamId) ?? after);
      return store.append(streamId, events(after), { expectedVersion }).then((result) => {
        tokens.set(streamId, result.token);
        return result;
      });
    },
    castore: (run: string) => (i: number) => {
      const { streamId, after } = position(run, i);
      const details = events(after).map((event, k) => ({
        aggregateId: streamId,
        version: after + k + 1,
        type: 'Deposited' as const,
        payload: event.data,
      }));
      if (size === 1) return castore.pushEvent(details[0] as (typeof details)[number]);
      const [head, ...rest] = details.map((detail) => castore.groupEvent(detail));
      type Grouped = NonNullable<typeof head>;
      return CastoreEventStore.pushEventGroup(head as Grouped, ...(rest as [Grouped, ...Grouped[]]));
    },
  };
}

export async function appendWorkload(bench: Bench): Promise<Comparison[]> {
  const table = await bench.dynagoTable('append');
  const store = new EventStore({ table });
  const castoreClient = bench.rawClient();
  const castore = castoreEventStore(await bench.castoreTable('append-castore'), castoreClient);
  const rounds = bench.scale(15, 4);
  const log = (line: string) => bench.log(line);
  const results: Comparison[] = [];
  const what = (size: number) =>
    size === 1
      ? 'EventStore.append of one event vs Castore pushEvent'
      : 'EventStore.append of 10 events vs Castore pushEventGroup of 10 grouped events';

  for (const size of [1, 10]) {
    const ops = appends(store, castore, size);
    const calls = bench.scale(size === 1 ? 100 : 30, size === 1 ? 40 : 10);
    const samples = await interleave(
      [
        { name: 'dynago', op: ops.dynago('timed') },
        { name: 'Castore', op: ops.castore('timed') },
      ],
      { rounds, warmup: bench.scale(2, 1), callsPerRound: calls, log, label: `append ${size}` },
    );
    const costOps = size === 1 ? STREAM_LENGTH : 10;
    results.push(
      comparison({
        id: `append.${size}`,
        workload: 2,
        title: size === 1 ? 'append 1 event' : 'append 10 events',
        unit: 'ms per append',
        method: `${what(size)} (250-byte events), ${ops.perStream} appends per stream at known versions (dynago: the token of the previous append); ${rounds} rounds of ${calls} appends per side, interleaved; a sample is a round's median append`,
        dynago: {
          samples: samples.byVariant.dynago ?? [],
          cost: await measureCost(table.client, costOps, ops.dynago('cost')),
        },
        baseline: {
          name: 'Castore',
          samples: samples.byVariant.Castore ?? [],
          cost: await measureCost(castoreClient, costOps, ops.castore('cost')),
        },
        target: { text: 'dynago / Castore ≤ 1.00, and no more capacity units', maxRatio: 1, capacity: true },
      }),
    );
  }
  castoreClient.destroy();

  // The same appends answered from memory: what each library costs on the client.
  const bodies = { PutItem: {}, TransactWriteItems: {} };
  const cannedTable = new Table({
    tableName: table.tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client: cannedDocumentClient(bodies),
  });
  const cannedCastore = castoreEventStore(table.tableName, cannedClient(bodies));
  for (const size of [1, 10]) {
    const ops = appends(new EventStore({ table: cannedTable }), cannedCastore, size);
    const calls = bench.scale(size === 1 ? 1_000 : 300, 200);
    const samples = await interleave(
      [
        { name: 'dynago', op: ops.dynago('canned') },
        { name: 'Castore', op: ops.castore('canned') },
      ],
      { rounds, warmup: bench.scale(3, 1), callsPerRound: calls, log, label: `append ${size} (no network)` },
    );
    results.push(
      comparison({
        id: `append.${size}.client`,
        workload: 2,
        kind: 'client-only',
        title: `${size === 1 ? 'append 1 event' : 'append 10 events'}, client side only`,
        unit: 'ms per append',
        method: `${what(size)}, answered from memory by a stub HTTP handler (no network, no DynamoDB): library + SDK time; ${rounds} rounds of ${calls} interleaved appends, a sample is a round's median append`,
        dynago: { samples: samples.byVariant.dynago ?? [] },
        baseline: { name: 'Castore', samples: samples.byVariant.Castore ?? [] },
      }),
    );
  }
  return results;
}
