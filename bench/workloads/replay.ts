/**
 * Workload 3: replay and fold a whole 100 000-event stream (20 000 with --quick). dynago's EventStore.read
 * (by default 4 version windows of about a page each in flight, yielded in order) against a plain
 * paginated Query loop through the document client, and against Castore's getEvents (which reads every
 * page, then returns all events). In the same rounds: dynago with `parallel: 1` (page after page, the next
 * one prefetched), which sends the plain loop's requests, so its Node CPU per event is compared with the
 * loop's; and the plain loop reading in windows of 10 000 versions (BETWEEN), which tells the parallelism
 * apart from DynamoDB Local's cost per page. Then the same with a fold that costs real CPU per event; and
 * both again reading the stream in windows of 10 000 versions, where DynamoDB Local's cost per page is flat.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EventStore, type StoredEvent } from '../../src/index.js';
import { alternate, elapsedWithCpu, summaryOf } from '../lib/alternate.js';
import { CASTORE_EVENT_STORE_ID, castoreEventStore } from '../lib/castore.js';
import type { Bench } from '../lib/context.js';
import { addDeposit, type Balance, calibrateSpin, type Deposit, emptyBalance, spin } from '../lib/events.js';
import { type Comparison, type Cost, comparison, measureCost } from '../lib/results.js';

type Fold = (state: Balance, amount: number, version: number) => Balance;

/** Versions [from, to] of a stream, or all of it. */
export interface VersionRange {
  from: number;
  to: number;
}

/**
 * The plain loop: Query, fold the page, Query again from LastEvaluatedKey, … strongly consistent, as
 * dynago reads. With `range`, only those versions (`sk BETWEEN :from AND :to`).
 */
export async function plainReplay(
  client: DynamoDBDocumentClient,
  tableName: string,
  streamId: string,
  fold: Fold,
  state: Balance = emptyBalance(),
  range?: VersionRange,
): Promise<Balance> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: range ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': `event#${streamId}`,
          ...(range ? { ':from': range.from, ':to': range.to } : {}),
        },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? [])
      state = fold(state, (item.data as Deposit).amount, item.sk as number);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return state;
}

/** The windows [1, w], [w + 1, 2w], … covering `events` versions; one window when `window` is undefined. */
function windows(events: number, window: number | undefined): (VersionRange | undefined)[] {
  if (window === undefined) return [undefined];
  return Array.from({ length: Math.ceil(events / window) }, (_, i) => ({
    from: i * window + 1,
    to: Math.min(events, (i + 1) * window),
  }));
}

export const REPLAY_WINDOW = 10_000;

/** The median of some samples in ms, for a note. */
const fmtMs = (samples: number[] | undefined) => `${Math.round(summaryOf(samples ?? []).median)} ms`;

export async function replayWorkload(bench: Bench): Promise<Comparison[]> {
  const events = bench.scale(100_000, 20_000);
  const size = `${events / 1000}k`;
  const { table, streamId } = await bench.fixtures.dynagoStream(events);
  const { tableName: castoreTableName, aggregateId } = await bench.fixtures.castoreStream(events);
  const store = new EventStore({ table });
  const sdk = bench.documentClient();
  const castoreClient = bench.rawClient();
  const castore = castoreEventStore(castoreTableName, castoreClient);
  const log = (line: string) => bench.log(line);

  const check = (state: Balance, who: string) => {
    if (state.events !== events) throw new Error(`${who} folded ${state.events} events, not ${events}`);
  };
  const dynago = (fold: Fold, window?: number, parallel?: number) => async () => {
    let state = emptyBalance();
    for (const range of windows(events, window)) {
      for await (const event of store.read<StoredEvent<'Deposited', Deposit>>(streamId, {
        ...range,
        ...(parallel !== undefined ? { parallel } : {}),
      })) {
        state = fold(state, event.data.amount, event.version);
      }
    }
    check(state, 'dynago');
  };
  const plain = (fold: Fold, window?: number) => async () => {
    let state = emptyBalance();
    for (const range of windows(events, window)) {
      state = await plainReplay(sdk, table.tableName, streamId, fold, state, range);
    }
    check(state, 'plain loop');
  };
  const light: Fold = (state, amount) => addDeposit(state, amount);
  const micros = 20;
  const iterations = calibrateSpin(micros);
  const heavy: Fold = (state, amount, version) => {
    spin(iterations, version);
    return addDeposit(state, amount);
  };

  const cpu: Record<string, number[]> = {};
  const cpuOf = (key: string) => {
    cpu[key] ??= [];
    return cpu[key];
  };
  const cpuNote = (a: string, b: string) =>
    `Node CPU per replay, median: dynago ${Math.round(summaryOf(cpuOf(a)).median)} ms, baseline ${Math.round(summaryOf(cpuOf(b)).median)} ms (warm-up included); the rest of the wall time is waiting for DynamoDB Local.`;
  const method = (fold: string, window?: number) =>
    `one replay of a ${events.toLocaleString('en')}-event stream (250-byte events, about ${Math.ceil(events / 4_300)} pages of 1 MB), strongly consistent, ` +
    `${window ? `read in ${events / window} consecutive windows of ${window.toLocaleString('en')} versions (read(streamId, { from, to }) / BETWEEN)` : 'read whole'}, ` +
    `folded into a balance ${fold}`;
  const target = { text: 'plain loop / dynago ≥ 2, i.e. dynago / plain loop ≤ 0.5', maxRatio: 0.5 };
  const lightFold = '(a few ns per event)';
  const heavyFold = `with a fold that burns about ${micros} µs of CPU per event (calibrated integer hashing)`;
  const results: Comparison[] = [];

  // The headline: the whole stream, six sides. The warm-up round is metered: pages and read units.
  const rounds = bench.scale(5, 2);
  const costs: Record<string, Cost> = {};
  const meteredOnWarmup =
    (name: string, client: Parameters<typeof measureCost>[0], work: () => Promise<unknown>) =>
    async (round: number) => {
      if (round >= 0) return work();
      costs[name] = await measureCost(client, 1, work);
    };
  const castoreReplay = async () => {
    const { events: all } = await castore.getEvents(aggregateId);
    let state = emptyBalance();
    for (const event of all) state = addDeposit(state, event.payload.amount);
    check(state, 'Castore');
  };
  /** The plain loop over Castore's table: tells the tables apart from the libraries. */
  const plainOnCastoreTable = async () => {
    let state = emptyBalance();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await sdk.send(
        new QueryCommand({
          TableName: castoreTableName,
          KeyConditionExpression: 'aggregateId = :id',
          ExpressionAttributeValues: { ':id': `${CASTORE_EVENT_STORE_ID}#${aggregateId}` },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) state = addDeposit(state, (item.payload as Deposit).amount);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    check(state, 'plain loop on the Castore table');
  };
  const sides = {
    dynago: meteredOnWarmup('dynago', table.client, dynago(light)),
    dynago1: meteredOnWarmup('dynago1', table.client, dynago(light, undefined, 1)),
    plain: meteredOnWarmup('plain', sdk, plain(light)),
    plainWindowed: meteredOnWarmup('plainWindowed', sdk, plain(light, REPLAY_WINDOW)),
    castore: meteredOnWarmup('castore', castoreClient, castoreReplay),
    plainOnCastoreTable: meteredOnWarmup('plainOnCastoreTable', sdk, plainOnCastoreTable),
  };
  const timed = (key: keyof typeof sides) => (round: number) =>
    elapsedWithCpu(cpuOf(key), () => sides[key](round));
  const wholeWarmup = 1;
  const whole = await alternate(
    [
      { name: 'dynago', sample: timed('dynago') },
      { name: 'dynago, parallel 1', sample: timed('dynago1') },
      { name: 'plain Query loop', sample: timed('plain') },
      { name: 'plain loop in windows', sample: timed('plainWindowed') },
      { name: 'Castore', sample: timed('castore') },
      { name: 'plain loop, Castore table', sample: timed('plainOnCastoreTable') },
    ],
    { rounds, warmup: wholeWarmup, log, label: `replay ${size}` },
  );
  /** Node CPU per event (µs) of each measured round, warm-up left out: in round order, like the samples. */
  const cpuPerEvent = (key: string) =>
    cpuOf(key)
      .slice(wholeWarmup)
      .map((ms) => (ms * 1000) / events);
  const perEvent = (key: string) => `${summaryOf(cpuPerEvent(key), 3).median} µs`;
  const wholeMethod = `${method(lightFold)}; ${rounds} rounds, sides alternated; ms per replay`;
  const withCost = (key: string) => (costs[key] ? { cost: costs[key] } : {});
  results.push(
    comparison({
      id: 'replay.plain',
      workload: 3,
      title: `replay ${size} events vs plain loop`,
      unit: 'ms per replay',
      method: `${wholeMethod}. dynago: read(streamId) with its default parallel: 4 (version windows of about one page, BETWEEN, 4 in flight); the plain loop: one Query after the other from LastEvaluatedKey`,
      dynago: { samples: whole.byVariant.dynago ?? [], ...withCost('dynago') },
      baseline: {
        name: 'plain Query loop',
        samples: whole.byVariant['plain Query loop'] ?? [],
        ...withCost('plain'),
      },
      target,
      extra: {
        'dynago, parallel: 1': {
          summary: summaryOf(whole.byVariant['dynago, parallel 1'] ?? []),
          ...withCost('dynago1'),
        },
        [`plain loop in windows of ${REPLAY_WINDOW.toLocaleString('en')} (BETWEEN)`]: {
          summary: summaryOf(whole.byVariant['plain loop in windows'] ?? []),
          ...withCost('plainWindowed'),
        },
      },
      notes: [
        `Node CPU per event, median: dynago ${perEvent('dynago')}, dynago with parallel: 1 ${perEvent('dynago1')}, plain loop ${perEvent('plain')}. In the same rounds, dynago with parallel: 1 took ${fmtMs(whole.byVariant['dynago, parallel 1'])} and the plain loop reading in windows of ${REPLAY_WINDOW.toLocaleString('en')} versions ${fmtMs(whole.byVariant['plain loop in windows'])}: DynamoDB Local reads every item left in the partition for each page, so bounded windows alone make its pages cheaper; the parallelism is what dynago gains over the windowed loop.`,
      ],
    }),
    comparison({
      id: 'replay.plain.cpu',
      workload: 3,
      title: `replay ${size}: Node CPU per event, parallel: 1, vs plain loop`,
      unit: 'µs CPU per event',
      method: `Node CPU (process.cpuUsage, user + system) of each whole replay in the rounds above, divided by ${events.toLocaleString('en')} events; dynago with parallel: 1 sends the same Query requests as the plain loop, so the difference is dynago's own work per event (a StoredEvent per item, the version check) and its prefetch`,
      dynago: { name: 'dynago, parallel: 1', samples: cpuPerEvent('dynago1') },
      baseline: { name: 'plain Query loop', samples: cpuPerEvent('plain') },
      target: { text: 'dynago / plain loop ≤ 1.1', maxRatio: 1.1 },
      notes: [
        `dynago with its default parallel: 4: ${perEvent('dynago')} per event (it also sends one Query for the head, and more, smaller pages).`,
      ],
    }),
    comparison({
      id: 'replay.castore',
      workload: 3,
      title: `replay ${size} events vs Castore`,
      unit: 'ms per replay',
      method: wholeMethod,
      dynago: { samples: whole.byVariant.dynago ?? [], ...withCost('dynago') },
      baseline: {
        name: 'Castore getEvents',
        samples: whole.byVariant.Castore ?? [],
        ...withCost('castore'),
      },
      target: { text: 'dynago / Castore < 1 (ahead of Castore)', maxRatio: 0.999 },
      extra: {
        'plain Query loop, dynago table': {
          summary: summaryOf(whole.byVariant['plain Query loop'] ?? []),
          ...withCost('plain'),
        },
        'plain Query loop, Castore table': {
          summary: summaryOf(whole.byVariant['plain loop, Castore table'] ?? []),
          ...withCost('plainOnCastoreTable'),
        },
      },
      notes: [cpuNote('dynago', 'castore')],
    }),
  );

  // The same against the plain loop: heavy fold; windows with both folds.
  const cases = [
    {
      id: 'replay.plain.heavyFold',
      title: `replay ${size} events, ${micros} µs fold, vs plain loop`,
      fold: heavy,
      foldText: heavyFold,
      window: undefined,
    },
    {
      id: 'replay.plain.windowed',
      title: `replay ${size} in windows vs plain loop`,
      fold: light,
      foldText: lightFold,
      window: REPLAY_WINDOW,
    },
    {
      id: 'replay.plain.windowed.heavyFold',
      title: `replay ${size} in windows, ${micros} µs fold, vs plain loop`,
      fold: heavy,
      foldText: heavyFold,
      window: REPLAY_WINDOW,
    },
  ];
  const castoreWindowed = async () => {
    let state = emptyBalance();
    for (const range of windows(events, REPLAY_WINDOW)) {
      const { events: page } = await castore.getEvents(aggregateId, {
        minVersion: range?.from ?? 1,
        maxVersion: range?.to ?? events,
      });
      for (const event of page) state = addDeposit(state, event.payload.amount);
    }
    check(state, 'Castore');
  };
  for (const c of cases) {
    const caseRounds = c.window ? bench.scale(6, 2) : bench.scale(4, 2);
    const withCastore = c.id === 'replay.plain.windowed';
    const samples = await alternate(
      [
        { name: 'dynago', sample: () => elapsedWithCpu(cpuOf(`${c.id}.dynago`), dynago(c.fold, c.window)) },
        {
          name: 'plain Query loop',
          sample: () => elapsedWithCpu(cpuOf(`${c.id}.plain`), plain(c.fold, c.window)),
        },
        ...(withCastore
          ? [{ name: 'Castore', sample: () => elapsedWithCpu(cpuOf(`${c.id}.castore`), castoreWindowed) }]
          : []),
      ],
      { rounds: caseRounds, warmup: c.window ? 1 : 0, log, label: c.title },
    );
    if (withCastore) {
      results.push(
        comparison({
          id: 'replay.castore.windowed',
          workload: 3,
          title: `replay ${size} in windows vs Castore`,
          unit: 'ms per replay',
          method: `${method(lightFold, REPLAY_WINDOW)}, Castore with getEvents(id, { minVersion, maxVersion }) per window; ${caseRounds} rounds, sides alternated; ms per replay`,
          dynago: { samples: samples.byVariant.dynago ?? [] },
          baseline: { name: 'Castore getEvents', samples: samples.byVariant.Castore ?? [] },
          target: { text: 'dynago / Castore < 1 (ahead of Castore)', maxRatio: 0.999 },
          notes: [cpuNote(`${c.id}.dynago`, `${c.id}.castore`)],
        }),
      );
    }
    results.push(
      comparison({
        id: c.id,
        workload: 3,
        title: c.title,
        unit: 'ms per replay',
        method: `${method(c.foldText, c.window)}; dynago with its default parallel: 4; ${caseRounds} rounds, sides alternated; ms per replay`,
        dynago: { samples: samples.byVariant.dynago ?? [] },
        baseline: { name: 'plain Query loop', samples: samples.byVariant['plain Query loop'] ?? [] },
        ...(withCastore
          ? {
              target: {
                text: 'plain loop / dynago ≥ 1.2, i.e. dynago / plain loop ≤ 0.833',
                maxRatio: 1 / 1.2,
              },
            }
          : {}),
        notes: [
          cpuNote(`${c.id}.dynago`, `${c.id}.plain`),
          withCastore
            ? "DynamoDB Local's cost per page kept flat. A lower target than the whole stream's: within a window of 10 000 versions, dynago's read (default parallel: 4) runs its first page alone, then a head Query, then only about two more page-sized windows side by side."
            : 'A diagnostic of overlap, without a target of its own: with the fold overlapped with the reads of the next windows, dynago needs about the larger of the fold and the wait per page, the plain loop their sum.',
        ],
      }),
    );
  }
  sdk.destroy();
  castoreClient.destroy();
  return results;
}
