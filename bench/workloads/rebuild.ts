/**
 * Workload 5: rebuild every aggregate from its events and rewrite its snapshot: 5 000 streams × 20
 * events. dynago's AggregateRepository.rebuildAll (a parallel scan, 4 segments, snapshot writes 8 at a
 * time) against a loop that queries stream by stream, folds, and puts the snapshot, written with the
 * document client: one stream at a time (the plain loop), and 8 streams at a time.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AggregateRepository, EventStore, SNAPSHOT_SORT_KEY, SnapshotStore } from '../../src/index.js';
import { alternate, elapsed } from '../lib/alternate.js';
import type { Bench } from '../lib/context.js';
import {
  addDeposit,
  type Balance,
  type Deposit,
  dynagoEventItem,
  emptyBalance,
  seed,
} from '../lib/events.js';
import { type Comparison, comparison } from '../lib/results.js';

const EVENTS_PER_STREAM = 20;

type DepositEvent = { type: 'Deposited'; data: Deposit };

async function rebuildOne(client: DynamoDBDocumentClient, tableName: string, id: string): Promise<void> {
  let state = emptyBalance();
  let version = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        // Below the snapshot item, which shares the stream's partition (at sort key 2^53 − 1).
        KeyConditionExpression: 'pk = :pk AND sk < :snapshot',
        ExpressionAttributeValues: { ':pk': `event#${id}`, ':snapshot': SNAPSHOT_SORT_KEY },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      state = addDeposit(state, (item.data as Deposit).amount);
      version = item.sk as number;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await client.send(
    new PutCommand({
      TableName: tableName,
      // Where dynago keeps a stream's snapshot: its own partition, above the events.
      Item: { pk: `event#${id}`, sk: SNAPSHOT_SORT_KEY, state, version, timestamp: Date.now() },
    }),
  );
}

export async function rebuildWorkload(bench: Bench): Promise<Comparison[]> {
  const streams = bench.scale(5_000, 1_000);
  const table = await bench.dynagoTable('rebuild');
  const ids = Array.from({ length: streams }, (_, i) => `account-${i}`);
  const timestamp = Date.now();
  await bench.fixtures.timed(
    `rebuild: ${streams} streams × ${EVENTS_PER_STREAM} events`,
    streams * EVENTS_PER_STREAM,
    () =>
      seed(table, streams * EVENTS_PER_STREAM, (n) =>
        dynagoEventItem(
          ids[Math.floor((n - 1) / EVENTS_PER_STREAM)] as string,
          ((n - 1) % EVENTS_PER_STREAM) + 1,
          timestamp,
        ),
      ),
  );
  const repository = new AggregateRepository<Balance, DepositEvent>({
    category: 'account',
    events: new EventStore({ table }),
    snapshots: new SnapshotStore<Balance>({ table }),
    initialState: emptyBalance,
    reduce: (state, event) => addDeposit(state, event.data.amount),
  });
  const sdk = bench.documentClient();
  const rebuildAll = (segments: number) => async () => {
    const result = await repository.rebuildAll({ segments, concurrency: 8 });
    if (result.streams !== streams || result.failed.length > 0)
      throw new Error(`rebuildAll: ${result.streams} streams, ${result.failed.length} failed`);
  };
  const loop = async (concurrency: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ids.length) await rebuildOne(sdk, table.tableName, ids[next++] as string);
      }),
    );
  };
  const rounds = bench.scale(3, 2);
  const samples = await alternate(
    [
      { name: 'dynago', sample: () => elapsed(rebuildAll(4)) },
      { name: 'dynago, 8 segments', sample: () => elapsed(rebuildAll(8)) },
      { name: 'loop', sample: () => elapsed(() => loop(1)) },
      { name: 'loop ×8', sample: () => elapsed(() => loop(8)) },
    ],
    { rounds, warmup: 0, log: (line) => bench.log(line), label: 'rebuild all' },
  );
  const method = (baseline: string) =>
    `rebuild of ${streams.toLocaleString('en')} streams × ${EVENTS_PER_STREAM} events (${(streams * EVENTS_PER_STREAM).toLocaleString('en')} events, strongly consistent reads) and one snapshot write per stream: rebuildAll({ segments: 4, concurrency: 8 }) vs ${baseline}; ${rounds} rounds, sides alternated; ms per rebuild`;
  const results = [
    comparison({
      id: 'rebuild.loop',
      workload: 5,
      title: `rebuild all (${streams.toLocaleString('en')} × 20) vs stream-by-stream loop`,
      unit: 'ms per rebuild',
      method: method('a loop that queries, folds and puts the snapshot one stream after the other'),
      dynago: { samples: samples.byVariant.dynago ?? [] },
      baseline: { name: 'stream-by-stream loop', samples: samples.byVariant.loop ?? [] },
    }),
    comparison({
      id: 'rebuild.loop8',
      workload: 5,
      title: `rebuild all (${streams.toLocaleString('en')} × 20) vs the loop, 8 streams at a time`,
      unit: 'ms per rebuild',
      method: method('the same loop with 8 streams in flight'),
      dynago: { samples: samples.byVariant.dynago ?? [] },
      baseline: { name: 'loop, 8 streams at a time', samples: samples.byVariant['loop ×8'] ?? [] },
    }),
    comparison({
      id: 'rebuild.loop8.segments8',
      workload: 5,
      title: `rebuild all, 8 segments, vs the loop, 8 streams at a time`,
      unit: 'ms per rebuild',
      method: method('the same loop with 8 streams in flight').replace(
        'rebuildAll({ segments: 4, concurrency: 8 })',
        'rebuildAll({ segments: 8, concurrency: 8 })',
      ),
      dynago: { name: 'dynago, 8 segments', samples: samples.byVariant['dynago, 8 segments'] ?? [] },
      baseline: { name: 'loop, 8 streams at a time', samples: samples.byVariant['loop ×8'] ?? [] },
    }),
  ];
  sdk.destroy();
  return results;
}
