/**
 * Workload 9: projections. The ledger's balances projection (examples/ledger/balances.ts: one item per
 * account, `ADD balance`) kept by dynago's Projector, against a hand-written loop:
 * - rebuild: 100 000 deposits and withdrawals in 5 000 `account-<n>` streams (--quick: 10 000 in 500),
 *   `projector.rebuild` with `checkpoint: 'item'` and with the default `'table'` checkpoints, against
 *   `store.readAll({ segments })` and one UpdateItem (ADD balance) per event at the same concurrency, with
 *   no exactly-once. Sides alternated round by round, each into a fresh read-model table per round.
 * - live lag: 200 appends/s on an event table with its DynamoDB Stream on, while `projector.run` keeps the
 *   balances (checkpoint 'item'); lag = when the read-model write committed minus when the append was
 *   acknowledged.
 * Requests and capacity units are metered on every client of every side (ReturnConsumedCapacity).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountEvent } from '../../examples/ledger/account.js';
import { balancesProjection } from '../../examples/ledger/balances.js';
import { EventStore, type Projection, Projector, type StoredOf, type Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { alternate, elapsed } from '../lib/alternate.js';
import type { Bench } from '../lib/context.js';
import { dynagoEventItem, seed } from '../lib/events.js';
import { type Metered, meter } from '../lib/meter.js';
import { type Comparison, comparison, type ProjectionRebuildSide, type Results } from '../lib/results.js';
import { quantile, round } from '../lib/stats.js';

const SEGMENTS = 4;
const CONCURRENCY = 8;

/** Event `version` of a stream: a withdrawal every third version, else a deposit (about 250 bytes). */
function accountEventItem(streamId: string, version: number, timestamp: number): Record<string, unknown> {
  const item = dynagoEventItem(streamId, version, timestamp);
  return version % 3 === 0 ? { ...item, type: 'Withdrawn' } : item;
}

/** Requests, write units and read units of several clients together. */
function meterAll(clients: DynamoDBDocumentClient[]): {
  requests: () => Record<string, number>;
  writeUnits: () => number;
  readUnits: () => number;
  detach: () => void;
} {
  const meters: Metered[] = clients.map((client) => meter(client));
  return {
    requests: () => {
      const all: Record<string, number> = {};
      for (const m of meters)
        for (const [name, count] of Object.entries(m.requests)) all[name] = (all[name] ?? 0) + count;
      return all;
    },
    writeUnits: () => meters.reduce((sum, m) => sum + m.writeUnits, 0),
    readUnits: () => meters.reduce((sum, m) => sum + m.readUnits, 0),
    detach: () => {
      for (const m of meters) m.detach();
    },
  };
}

interface Cost {
  requests: Record<string, number>;
  writeUnits: number;
  readUnits: number;
  events: number;
}

export async function projectionsWorkload(
  bench: Bench,
): Promise<{ comparisons: Comparison[]; projections: NonNullable<Results['projections']> }> {
  const streams = bench.scale(5_000, 500);
  const perStream = 20;
  const timestamp = Date.now();
  const dataSet = async (accounts: number) => {
    const table = await bench.dynagoTable('projections-events');
    const events = accounts * perStream;
    await bench.fixtures.timed(`projections: ${accounts} accounts × ${perStream} events`, events, () =>
      seed(table, events, (n) =>
        accountEventItem(`account-${Math.floor((n - 1) / perStream)}`, ((n - 1) % perStream) + 1, timestamp),
      ),
    );
    return { eventTable: table, store: new EventStore({ table }), streams: accounts, total: events };
  };
  // Warm-up (Node's and DynamoDB Local's JIT) on a small data set, so that no measured round is cold.
  const small = await dataSet(50);
  const main = await dataSet(streams);
  let data = small;
  // The expected balance of every account: the check that each side applied every event once.
  const expected = (() => {
    let sum = 0;
    for (let v = 1; v <= perStream; v++) sum += (v % 3 === 0 ? -1 : 1) * ((v % 100) + 1);
    return sum;
  })();

  const freshReadModel = async (): Promise<Table> => bench.dynagoTable('projections-model');
  const checkBalances = async (readModel: Table, side: string): Promise<void> => {
    let items = 0;
    let wrong = 0;
    for await (const item of readModel.scanAll<{ pk: string; balance?: number }>()) {
      if (!item.pk.startsWith('balance#')) continue;
      items++;
      if (item.balance !== expected) wrong++;
    }
    if (items !== data.streams || wrong > 0)
      bench.log(`projections: ${side}: ${items} balances of ${data.streams}, ${wrong} wrong`);
  };

  const costs: Record<string, Cost> = {};
  const record = (side: string, metered: ReturnType<typeof meterAll>) => {
    costs[side] = {
      requests: metered.requests(),
      writeUnits: metered.writeUnits(),
      readUnits: metered.readUnits(),
      events: data.total,
    };
  };

  const dynagoSide = (mode: 'item' | 'table') => async (roundIndex: number) => {
    const { store, eventTable, total } = data;
    const readModel = await freshReadModel();
    const projection: Projection = {
      ...balancesProjection(readModel, `balances-${mode}-${roundIndex + 10}`),
      checkpoint: mode,
    };
    const projector = new Projector({ events: store, projections: [projection], checkpoints: readModel });
    const metered = meterAll([eventTable.client, readModel.client]);
    let result = { streams: 0, events: 0, applied: 0 };
    const ms = await elapsed(async () => {
      result = await projector.rebuild(projection.name, { segments: SEGMENTS, concurrency: CONCURRENCY });
    });
    metered.detach();
    record(`dynago, checkpoint '${mode}'`, metered);
    if (result.applied !== total)
      bench.log(`projections: dynago '${mode}' applied ${result.applied} of ${total} events`);
    await checkBalances(readModel, `dynago '${mode}'`);
    await readModel.deleteTable();
    return ms;
  };

  const sdk = bench.documentClient();
  const loopSide = async () => {
    const { store, eventTable } = data;
    const readModel = await freshReadModel();
    const metered = meterAll([eventTable.client, sdk]);
    const ms = await elapsed(async () => {
      const inFlight = new Set<Promise<unknown>>();
      for await (const stored of store.readAll({ segments: SEGMENTS, category: 'account' })) {
        const event = stored as StoredOf<AccountEvent>;
        const amount =
          event.type === 'Withdrawn' ? -event.data.amount : (event.data as { amount: number }).amount;
        const write = sdk
          .send(
            new UpdateCommand({
              TableName: readModel.tableName,
              Key: { pk: `balance#${event.streamId}`, sk: 0 },
              UpdateExpression: 'ADD #balance :amount SET #account = :account',
              ExpressionAttributeNames: { '#balance': 'balance', '#account': 'account' },
              ExpressionAttributeValues: { ':amount': amount, ':account': event.streamId },
            }),
          )
          .finally(() => inFlight.delete(write));
        inFlight.add(write);
        if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    });
    metered.detach();
    record('loop', metered);
    await checkBalances(readModel, 'loop');
    await readModel.deleteTable();
    return ms;
  };

  const rounds = bench.scale(3, 2);
  const variants = [
    { name: "dynago, checkpoint 'item'", sample: dynagoSide('item') },
    { name: "dynago, checkpoint 'table'", sample: dynagoSide('table') },
    { name: 'loop', sample: loopSide },
  ];
  await alternate(variants, {
    rounds: 0,
    warmup: 2,
    log: (line) => bench.log(line),
    label: `projections rebuild, ${small.total} events`,
  });
  await small.eventTable.deleteTable();
  data = main;
  const { total } = main;
  const samples = await alternate(variants, {
    rounds,
    warmup: 0,
    log: (line) => bench.log(line),
    label: 'projections rebuild',
  });
  await main.eventTable.deleteTable();

  const sides: ProjectionRebuildSide[] = Object.entries(samples.byVariant).map(([name, ms]) => {
    const cost = costs[name] as Cost;
    const requests = Object.values(cost.requests).reduce((sum, n) => sum + n, 0);
    const median = quantile(ms, 0.5);
    return {
      name,
      how:
        name === 'loop'
          ? `readAll({ segments: ${SEGMENTS} }), one UpdateItem (ADD balance) per event, ${CONCURRENCY} in flight; no exactly-once`
          : `projector.rebuild({ segments: ${SEGMENTS}, concurrency: ${CONCURRENCY} }), checkpoint '${name.includes("'item'") ? 'item' : 'table'}'; exactly once`,
      events: total,
      streams,
      rounds: ms.length,
      msPerRebuild: {
        median: round(median),
        min: round(Math.min(...ms)),
        max: round(Math.max(...ms)),
        n: ms.length,
      },
      eventsPerSecond: Math.round(total / (median / 1000)),
      requestsPerEvent: round(requests / total, 4),
      requestsByCommand: Object.fromEntries(
        Object.entries(cost.requests).map(([command, n]) => [command, round(n / total, 4)]),
      ),
      writeUnitsPerEvent: round(cost.writeUnits / total, 4),
      readUnitsPerEvent: round(cost.readUnits / total, 4),
    };
  });
  sdk.destroy();

  const method = (mode: string) =>
    `rebuild of the ledger's balances projection (one item per account, ADD balance) from ${total.toLocaleString('en')} events in ${streams.toLocaleString('en')} streams: projector.rebuild({ segments: ${SEGMENTS}, concurrency: ${CONCURRENCY} }) with checkpoint '${mode}' vs store.readAll({ segments: ${SEGMENTS} }) and one UpdateItem per event, ${CONCURRENCY} in flight; each side into a fresh read-model table per round; ${rounds} rounds, sides alternated; ms per rebuild (every client metered in every round, on every side)`;
  const comparisons = (['item', 'table'] as const).map((mode) =>
    comparison({
      id: `projections.rebuild.${mode}`,
      workload: 9,
      title: `projection rebuild (${total.toLocaleString('en')} events), checkpoint '${mode}', vs an UpdateItem loop`,
      unit: 'ms per rebuild',
      method: method(mode),
      dynago: {
        name: `dynago, checkpoint '${mode}'`,
        samples: samples.byVariant[`dynago, checkpoint '${mode}'`] ?? [],
      },
      baseline: { name: 'UpdateItem loop', samples: samples.byVariant.loop ?? [] },
      target: { text: 'dynago / loop ≤ 1 (with exactly-once)', maxRatio: 1 },
    }),
  );

  const live = await liveLag(bench);
  return {
    comparisons,
    projections: {
      rebuild: sides,
      live,
      notes: [
        "Capacity of transactions on DynamoDB Local: it reports a transaction's write units as 1 per item (as noted for workload 8), where the service charges 2 per item (per KB). With checkpoint 'table', each batch of a stream's events is a TransactWriteItems of 2 items (the merged balance update and the checkpoint): the WCU per event above is what DynamoDB Local reported, and the service would charge twice that. With checkpoint 'item' each batch is one conditional UpdateItem, charged the same by both: 1 WCU under 1 KB.",
        "Live WCU per event counts every write on the read model's table, which also holds the projector's shard positions (a PutItem per shard as it advances): what is above 1 WCU per event is those, not the balances.",
        `Warm-up: before the measured rounds, every side rebuilds a small data set (50 accounts × ${perStream} events) twice, alternated, unrecorded: the first rebuilds of a run are several times slower (Node's and DynamoDB Local's JIT).`,
        'Read units are those of the scan (consistent reads of the whole event table), the same on every side.',
      ],
    },
  };
}

/** Live: 200 appends/s while `projector.run` keeps the balances; lag from the append's ack to the commit. */
async function liveLag(bench: Bench): Promise<NonNullable<Results['projections']>['live']> {
  const rate = 200;
  const seconds = bench.scale(20, 5);
  const accounts = 1_000;
  const eventTable = bench.tableFor(createTestTableName('bench-projections-live'), 'pk', 'sk');
  await eventTable.createTable({ sortKeyType: 'N', stream: 'NEW_IMAGE' });
  const readModel = await bench.dynagoTable('projections-live-model');
  const store = new EventStore({ table: eventTable });
  const committed = new Map<string, number>();
  const projection = balancesProjection(readModel, 'balances-live');
  // When the read-model write of each event committed: the projector tells after each write.
  const projector = new Projector({
    events: store,
    projections: [projection],
    checkpoints: readModel,
    onApplied: ({ streamId, events }) => {
      const now = performance.now();
      for (const event of events) committed.set(`${streamId}#${event.version}`, now);
    },
  });
  // The read model's client only: the projector's writes, not the appends.
  const metered = meterAll([readModel.client]);
  const stop = new AbortController();
  const running = projector.run({ signal: stop.signal, pollIntervalMs: 50 }).catch((error) => {
    if (!stop.signal.aborted) throw error;
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const writesBefore = metered.writeUnits();
  const acked = new Map<string, number>();
  const versions = new Map<string, number>();
  const total = rate * seconds;
  const start = performance.now();
  const appends: Promise<void>[] = [];
  let late = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait < -50) late++;
    const streamId = `account-${i % accounts}`;
    const version = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, version);
    appends.push(
      store
        .append(streamId, [{ type: 'Deposited', data: { amount: 1 } }], { expectedVersion: version - 1 })
        .then(() => void acked.set(`${streamId}#${version}`, performance.now())),
    );
  }
  await Promise.all(appends);
  const appendSeconds = (performance.now() - start) / 1000;
  const deadline = performance.now() + 15_000;
  while (committed.size < total && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  stop.abort();
  await running;
  metered.detach();
  const lags: number[] = [];
  for (const [key, ack] of acked) {
    const at = committed.get(key);
    if (at !== undefined) lags.push(at - ack);
  }
  const writeUnits = metered.writeUnits() - writesBefore;
  await readModel.deleteTable();
  await eventTable.deleteTable();
  const result = {
    appendsPerSecond: round(total / appendSeconds, 4),
    targetRate: rate,
    seconds,
    events: total,
    projected: lags.length,
    lateAppends: late,
    lagMs: {
      p50: round(quantile(lags, 0.5), 3),
      p99: round(quantile(lags, 0.99), 3),
      max: round(Math.max(...lags), 3),
    },
    writeUnitsPerEvent: round(writeUnits / total, 4),
  };
  bench.log(
    `projections live: ${result.projected}/${total} projected, lag p50 ${result.lagMs.p50} ms, p99 ${result.lagMs.p99} ms`,
  );
  return result;
}
