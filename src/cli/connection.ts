import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { Table } from '../table/Table.js';
import { type ParsedValues, stringOption } from './args.js';
import { CliError, type ErrorContext, UsageError } from './errors.js';

/** Where the table is and how its keys are named: flags first, then the environment. */
export interface Connection {
  tableName: string;
  region?: string;
  endpoint?: string;
  partitionKeyName: string;
  sortKeyName: string;
  /** Given to the SDK explicitly: dummy keys for an endpoint when the environment has none. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Dummy keys for DynamoDB Local, which checks only their form (since version 2, an access key id of
 * letters and digits only).
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'dynagolocal', secretAccessKey: 'dynagolocal' };

/** True when the environment names credentials for the SDK's default chain to find. */
function environmentHasCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

const KEY_NAME = /^[^\s]{1,255}$/;

/**
 * The connection of a command: `--table`/`DYNAGO_TABLE` (required), `--region`/`AWS_REGION`,
 * `--endpoint`/`DYNAMODB_ENDPOINT`, `--partition-key` (default `pk`) and `--sort-key` (default `sk`).
 * A missing table or a malformed endpoint is a UsageError.
 */
export function connectionOf(values: ParsedValues, env: NodeJS.ProcessEnv, command: string): Connection {
  const tableName = stringOption(values, 'table') ?? env.DYNAGO_TABLE;
  if (!tableName) {
    throw new UsageError(`no table: pass --table <name> or set DYNAGO_TABLE.`, command);
  }
  const region = stringOption(values, 'region') ?? (env.AWS_REGION || undefined);
  const endpoint = stringOption(values, 'endpoint') ?? (env.DYNAMODB_ENDPOINT || undefined);
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
      throw new UsageError(
        `the endpoint must be an http(s) URL such as http://localhost:8000, got ${JSON.stringify(endpoint)}.`,
        command,
      );
    }
  }
  const partitionKeyName = stringOption(values, 'partition-key') ?? 'pk';
  const sortKeyName = stringOption(values, 'sort-key') ?? 'sk';
  for (const [flag, name] of [
    ['--partition-key', partitionKeyName],
    ['--sort-key', sortKeyName],
  ] as const) {
    if (!KEY_NAME.test(name)) {
      throw new UsageError(`${flag} must be an attribute name, got ${JSON.stringify(name)}.`, command);
    }
  }
  return {
    tableName,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    partitionKeyName,
    sortKeyName,
    ...(endpoint && !environmentHasCredentials(env) ? { credentials: LOCAL_CREDENTIALS } : {}),
  };
}

/** For error messages: where the command was talking to. */
export function errorContextOf(connection: Connection): ErrorContext {
  return {
    tableName: connection.tableName,
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.region ? { region: connection.region } : {}),
  };
}

/** The dynago Table of a connection. */
export function openTable(connection: Connection): Table {
  // DynamoDB Local takes any region: one is given so that an empty AWS_REGION cannot stop it.
  const region = connection.region ?? (connection.endpoint ? 'us-east-1' : undefined);
  return new Table({
    tableName: connection.tableName,
    partitionKeyName: connection.partitionKeyName,
    sortKeyName: connection.sortKeyName,
    ...(region ? { region } : {}),
    ...(connection.endpoint
      ? { endpoint: { url: connection.endpoint, ...(connection.credentials ?? {}) } }
      : {}),
  });
}

/**
 * A DynamoDB Streams client for the same region, endpoint and credentials. The SDK package is an
 * optional peer dependency of dynago: loaded here only, with an install hint when it is missing.
 */
export async function openStreamsClient(connection: Connection): Promise<DynamoDBStreamsClient> {
  let streams: typeof import('@aws-sdk/client-dynamodb-streams');
  try {
    streams = await import('@aws-sdk/client-dynamodb-streams');
  } catch (error) {
    throw new CliError(
      'tail needs @aws-sdk/client-dynamodb-streams, an optional peer dependency of dynago: npm install @aws-sdk/client-dynamodb-streams.',
      { cause: error },
    );
  }
  const region = connection.region ?? (connection.endpoint ? 'us-east-1' : undefined);
  return new streams.DynamoDBStreamsClient({
    ...(region ? { region } : {}),
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.credentials ? { credentials: connection.credentials } : {}),
  });
}
