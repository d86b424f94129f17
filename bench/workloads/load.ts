/**
 * Workload 4: load an aggregate that has a snapshot (at version 100) and 50 newer events. dynago's
 * AggregateRepository.load (one backward Query from the top of the stream's partition: the snapshot item,
 * stored there at sort key SNAPSHOT_SORT_KEY, and the newest events) against what a hand-written loader
 * does with the same items through the document client (GetItem of the snapshot item where dynago stores
 * it, then a Query of the events after it, both strongly consistent), and against Castore's
 * getAggregate, which has no snapshots and folds all 150 events.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AggregateRepository, EventStore, SNAPSHOT_SORT_KEY, SnapshotStore } from '../../src/index.js';
import { interleave } from '../lib/alternate.js';
import { CASTORE_EVENT_STORE_ID, castoreEventStore } from '../lib/castore.js';
import type { Bench } from '../lib/context.js';
import {
  addDeposit,
  type Balance,
  castoreEventItem,
  type Deposit,
  dynagoEventItem,
  emptyBalance,
} from '../lib/events.js';
import { type Comparison, comparison, measureCost } from '../lib/results.js';

const AGGREGATES = 20;
const SNAPSHOT_AT = 100;
const NEWER = 50;

type DepositEvent = { type: 'Deposited'; data: Deposit };

export async function loadWorkload(bench: Bench): Promise<Comparison[]> {
  const table = await bench.dynagoTable('load');
  const castoreTableName = await bench.castoreTable('load-castore');
  // Stream ids: the stream `account-<n>` is aggregate `<n>` of the repository's category `account`.
  const ids = Array.from({ length: AGGREGATES }, (_, i) => `account-${i}`);
  const total = SNAPSHOT_AT + NEWER;
  const timestamp = Date.now();
  await bench.fixtures.timed(
    `load: ${AGGREGATES} aggregates × ${total} events, both layouts`,
    2 * AGGREGATES * total,
    async () => {
      await table.batchWriteItems(
        ids.flatMap((id) => Array.from({ length: total }, (_, v) => dynagoEventItem(id, v + 1, timestamp))),
      );
      const iso = new Date(timestamp).toISOString();
      await bench
        .tableFor(castoreTableName, 'aggregateId', 'version')
        .batchWriteItems(
          ids.flatMap((id) =>
            Array.from({ length: total }, (_, v) => castoreEventItem(CASTORE_EVENT_STORE_ID, id, v + 1, iso)),
          ),
        );
    },
  );
  const snapshots = new SnapshotStore<Balance>({ table });
  for (const id of ids) {
    let state = emptyBalance();
    for (let v = 1; v <= SNAPSHOT_AT; v++) state = addDeposit(state, (v % 100) + 1);
    await snapshots.save(id, state, { version: SNAPSHOT_AT });
  }

  const repository = new AggregateRepository<Balance, DepositEvent>({
    category: 'account',
    events: new EventStore({ table }),
    snapshots,
    initialState: emptyBalance,
    reduce: (state, event) => addDeposit({ ...state }, event.data.amount),
    snapshotEvery: 100,
  });
  const sdk = bench.documentClient();
  const castoreClient = bench.rawClient();
  const castore = castoreEventStore(castoreTableName, castoreClient);
  const check = (events: number, who: string) => {
    if (events !== total) throw new Error(`${who} loaded ${events} events, not ${total}`);
  };

  const dynagoOp = async (i: number) => {
    const { state } = await repository.load(String(i % AGGREGATES)); // the stream account-<n>
    check(state.events, 'dynago');
  };
  const sdkOp = async (i: number) => {
    const id = ids[i % AGGREGATES] as string;
    const snapshot = await sdk.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { pk: `event#${id}`, sk: SNAPSHOT_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    // The events after the snapshot, below the snapshot item (which shares their partition).
    let state: Balance = { ...(snapshot.Item?.state as Balance) };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await sdk.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `event#${id}`,
            ':from': ((snapshot.Item?.version as number | undefined) ?? 0) + 1,
            ':to': SNAPSHOT_SORT_KEY - 1,
          },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) state = addDeposit(state, (item.data as Deposit).amount);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    check(state.events, 'raw SDK');
  };
  const castoreOp = async (i: number) => {
    const { aggregate } = await castore.getAggregate(ids[i % AGGREGATES] as string);
    if (aggregate?.version !== total) throw new Error(`Castore loaded version ${aggregate?.version}`);
  };

  const rounds = bench.scale(15, 4);
  const calls = bench.scale(40, 15);
  const samples = await interleave(
    [
      { name: 'dynago', op: dynagoOp },
      { name: 'raw SDK', op: sdkOp },
      { name: 'Castore', op: castoreOp },
    ],
    {
      rounds,
      warmup: bench.scale(2, 1),
      callsPerRound: calls,
      log: (line) => bench.log(line),
      label: 'load',
    },
  );
  const dynagoCost = await measureCost(table.client, AGGREGATES, dynagoOp);
  const method = (baseline: string) =>
    `load of an aggregate with a snapshot at version ${SNAPSHOT_AT} and ${NEWER} newer 250-byte events (${AGGREGATES} aggregates in turn) vs ${baseline}; ${rounds} rounds of ${calls} loads per side, interleaved; a sample is a round's median load`;
  const results = [
    comparison({
      id: 'load.sdk',
      workload: 4,
      title: 'load (snapshot + 50 events) vs raw SDK',
      unit: 'ms per load',
      method: method(
        'a hand-written loader over the same items with the document client: GetItem of the snapshot item (pk `event#<streamId>`, sk 2^53 − 1) + Query of the events after it (BETWEEN snapshot version + 1 AND 2^53 − 2)',
      ),
      dynago: { samples: samples.byVariant.dynago ?? [], cost: dynagoCost },
      baseline: {
        name: 'raw SDK',
        samples: samples.byVariant['raw SDK'] ?? [],
        cost: await measureCost(sdk, AGGREGATES, sdkOp),
      },
    }),
    comparison({
      id: 'load.castore',
      workload: 4,
      title: 'load (snapshot + 50 events) vs Castore',
      unit: 'ms per load',
      method: method(`Castore getAggregate (no snapshots in Castore 2: it folds all ${total} events)`),
      dynago: { samples: samples.byVariant.dynago ?? [], cost: dynagoCost },
      baseline: {
        name: 'Castore getAggregate',
        samples: samples.byVariant.Castore ?? [],
        cost: await measureCost(castoreClient, AGGREGATES, castoreOp),
      },
    }),
  ];
  sdk.destroy();
  castoreClient.destroy();
  return results;
}
