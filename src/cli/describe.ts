import { DescribeTableCommand, type DescribeTableCommandOutput } from '@aws-sdk/client-dynamodb';
import type { Table } from '../table/Table.js';
import { translateError } from '../table/translateError.js';
import { CliError } from './errors.js';

/** What the CLI needs of DescribeTable. */
export interface TableDescription {
  /** DynamoDB's item count, refreshed about every six hours: an estimate for progress and ETA. */
  itemCount: number | undefined;
  /** The stream's ARN when a stream is on. */
  streamArn: string | undefined;
  streamView: string | undefined;
  partitionKeyName: string | undefined;
  sortKeyName: string | undefined;
}

/** One DescribeTable, its errors translated like every Table call (TableNotFoundError …). */
export async function describeTable(table: Table, signal?: AbortSignal): Promise<TableDescription> {
  let output: DescribeTableCommandOutput;
  try {
    output = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }), {
      ...(signal ? { abortSignal: signal } : {}),
    });
  } catch (error) {
    signal?.throwIfAborted();
    throw translateError(error, table, 'DescribeTable');
  }
  const keys = output.Table?.KeySchema ?? [];
  const stream = output.Table?.StreamSpecification;
  return {
    itemCount: output.Table?.ItemCount,
    streamArn: stream?.StreamEnabled ? output.Table?.LatestStreamArn : undefined,
    streamView: stream?.StreamEnabled ? stream.StreamViewType : undefined,
    partitionKeyName: keys.find((key) => key.KeyType === 'HASH')?.AttributeName,
    sortKeyName: keys.find((key) => key.KeyType === 'RANGE')?.AttributeName,
  };
}

/**
 * A CliError unless the table's keys are the ones the command was told (`--partition-key`,
 * `--sort-key`): reading with the wrong names would find nothing, and say nothing about why.
 */
export function checkKeys(table: Table, description: TableDescription): void {
  if (
    description.partitionKeyName === table.partitionKeyName &&
    description.sortKeyName === table.sortKeyName
  ) {
    return;
  }
  if (description.sortKeyName === undefined) {
    throw new CliError(
      `table "${table.tableName}" has no sort key; a dynago event table has a numeric one (the event version).`,
    );
  }
  throw new CliError(
    `table "${table.tableName}" has keys ${description.partitionKeyName} and ${description.sortKeyName}, not ${table.partitionKeyName} and ${table.sortKeyName}: pass --partition-key ${description.partitionKeyName} --sort-key ${description.sortKeyName}.`,
  );
}
