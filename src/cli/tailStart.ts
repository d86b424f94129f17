import {
  DescribeStreamCommand,
  type DescribeStreamCommandOutput,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { ShardPosition } from '../projections/shardPositions.js';

/**
 * Where `dynago tail` starts each shard when it starts "now". The StreamPoller reads a shard without a
 * stored position from TRIM_HORIZON (it has no LATEST), so the CLI seeds its in-memory positions:
 * every shard already closed holds only older records and is marked finished (never read; its children
 * start at once). Open shards are read from their start, and the records written before the tail
 * started are skipped by the events' own time (see the tail command).
 */
export async function positionsForNow(
  client: DynamoDBStreamsClient,
  streamArn: string,
  signal: AbortSignal,
): Promise<Record<string, ShardPosition>> {
  const positions: Record<string, ShardPosition> = {};
  let start: string | undefined;
  do {
    const page: DescribeStreamCommandOutput = await client.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ...(start !== undefined ? { ExclusiveStartShardId: start } : {}),
      }),
      { abortSignal: signal },
    );
    for (const shard of page.StreamDescription?.Shards ?? []) {
      if (shard.ShardId !== undefined && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) {
        positions[shard.ShardId] = { finished: true };
      }
    }
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  return positions;
}
