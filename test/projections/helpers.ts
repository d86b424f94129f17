/**
 * Helpers for the projection tests: an event table with its DynamoDB Stream on, the stream's records as
 * the SDK returns them (the Lambda event has the same shape), and a balances read model.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Projection, StoredEvent, Table } from '../../src/index.js';
import { createTestTable, testEndpoint } from '../support/tables.js';

/** An event table (string pk, numeric sk) with its stream on (NEW_IMAGE). */
export async function createStreamedEventTable(prefix: string): Promise<Table> {
  const table = await createTestTable({ sortKeyType: 'N', prefix });
  await table.deleteTable();
  await table.createTable({ sortKeyType: 'N', stream: 'NEW_IMAGE' });
  return table;
}

export function streamsClient(): DynamoDBStreamsClient {
  const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
  return new DynamoDBStreamsClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey } });
}

/** Every record in the table's stream so far, in shard order (DynamoDB Local has one shard). */
export async function streamRecords(table: Table): Promise<_Record[]> {
  const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  const arn = described.Table?.LatestStreamArn as string;
  const client = streamsClient();
  const shards =
    (await client.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards ?? [];
  const records: _Record[] = [];
  for (const shard of shards) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let round = 0; iterator && round < 50; round++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

export type MoneyEvent =
  | { type: 'Deposited'; data: { amount: number } }
  | { type: 'Withdrawn'; data: { amount: number } }
  | { type: 'Poison'; data: Record<string, never> };

/** One item per account: its balance and how many events moved it. */
export function balancesProjection(
  readModel: Table,
  name = 'balances',
  options: { poisonThrows?: () => boolean } = {},
): Projection {
  return {
    name,
    categories: ['account'],
    project: (event: StoredEvent) => {
      const typed = event as StoredEvent & MoneyEvent;
      if (typed.type === 'Poison' && (options.poisonThrows?.() ?? true))
        throw new Error('cannot project Poison');
      const amount =
        typed.type === 'Deposited' ? typed.data.amount : typed.type === 'Withdrawn' ? -typed.data.amount : 0;
      return [
        readModel.updateOp(`balance#${event.streamId}`, undefined, { add: { balance: amount, events: 1 } }),
      ];
    },
  };
}

export async function balanceOf(
  readModel: Table,
  streamId: string,
): Promise<{ balance: number; events: number } | undefined> {
  const item = await readModel.getItem<{ balance: number; events: number }>(
    `balance#${streamId}`,
    undefined,
    {
      consistentRead: true,
    },
  );
  return item === undefined ? undefined : { balance: item.balance, events: item.events };
}
