import { DescribeTableCommand, DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBTimeoutError, ValidationError } from '../errors.js';
import {
  checkRetryPolicy,
  defaultBatchRetry,
  defaultTransactionRetry,
  type RetryPolicy,
} from '../internal/backoff.js';
import { activeSpanRecording, recordCapacity } from '../internal/telemetry.js';
import { CursorCodec } from './cursor.js';
import { keyMismatchError, keySchemaOf, needsKeySchema, sdkMessage } from './keySchema.js';
import type { KeySchema } from './keys.js';
import { type Connection, translateError } from './translateError.js';

/** Where DynamoDB is, for local development and tests. */
export interface EndpointOptions {
  /**
   * The full URL, scheme included: `http://localhost:8000` (DynamoDB Local), not `localhost:8000`.
   * Checked by `new Table` (a ValidationError when it is not an http:// or https:// URL).
   */
  url: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** What DynamoDB reported as consumed by one request (only sent when `onConsumedCapacity` is set). */
export interface CapacityReport {
  operation: string;
  capacityUnits: number;
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
}

export interface TableOptions {
  tableName: string;
  partitionKeyName: string;
  /** Leave out for tables that have only a partition key. */
  sortKeyName?: string;
  region?: string;
  endpoint?: EndpointOptions;
  /** Bring your own document client (its marshalling options are yours); `region` and `endpoint` are then ignored. */
  client?: DynamoDBDocumentClient;
  /** Key for sealing paging cursors; see {@link CursorCodec}. Defaults to one derived from the table name. */
  cursorSecret?: string | Uint8Array;
  /**
   * Retries of unprocessed batch items. Default: 8 sends in all, 25 ms base, 2 s cap, full jitter.
   * Checked by `new Table` (ValidationError naming the key); a key set to undefined takes its default.
   */
  batchRetry?: Partial<RetryPolicy>;
  /**
   * Re-sends of a transaction that DynamoDB cancelled only because of a concurrent transaction on one
   * of its items (`TransactionConflict`), with the same `ClientRequestToken`. Default: 4 sends in all,
   * 20 ms base, 500 ms cap. Checked like `batchRetry`.
   */
  transactionRetry?: Partial<RetryPolicy>;
  /**
   * How long a request may take, each a positive number of milliseconds; checked by `new Table`.
   *
   * - `connectMs`: connecting to DynamoDB, per attempt (default 3 000).
   * - `requestMs`: waiting for the answer to one attempt (default 10 000). A timed-out attempt is
   *   retried by the SDK like a network fault.
   * - `totalMs`: the deadline of one request to DynamoDB, the SDK's retries included (default 30 000):
   *   an endpoint that accepts connections but never answers fails the call after this long, with a
   *   {@link DynamoDBTimeoutError} naming the option. Calls that send several requests (a `queryAll`, an
   *   append that first reads the stream's head) give each request its own deadline; an event store
   *   append does not re-send a write that ran out of it.
   *
   * `connectMs` and `requestMs` configure the client this table creates (ignored with `client`);
   * `totalMs` applies to every request, with your own `client` too.
   */
  timeouts?: { connectMs?: number; requestMs?: number; totalMs?: number };
  /** Asks DynamoDB for consumed capacity on every request and reports it here. */
  onConsumedCapacity?: (report: CapacityReport) => void;
}

/** What every action needs: the schema, the client, and one way to send. */
export interface TableContext extends KeySchema {
  client: DynamoDBDocumentClient;
  cursors: CursorCodec;
  batchRetry: RetryPolicy;
  transactionRetry: RetryPolicy;
  send<O>(command: object & { input: object }, operation: string, signal?: AbortSignal): Promise<O>;
  /** The table as DynamoDB describes it (one DescribeTable, errors translated). */
  describeTable(signal?: AbortSignal): Promise<TableDescription>;
}

/** The defaults of {@link TableOptions.timeouts}. */
export const DEFAULT_TIMEOUTS = { connectMs: 3_000, requestMs: 10_000, totalMs: 30_000 } as const;

/** Builds the context; every option is checked here, before anything is created (called by `new Table`). */
export function createContext(options: TableOptions): TableContext {
  const batchRetry = checkRetryPolicy(options.batchRetry, 'new Table: batchRetry', defaultBatchRetry);
  const transactionRetry = checkRetryPolicy(
    options.transactionRetry,
    'new Table: transactionRetry',
    defaultTransactionRetry,
  );
  checkTimeouts(options.timeouts);
  checkEndpoint(options.endpoint);
  const client = options.client ?? createClient(options);
  const onCapacity = options.onConsumedCapacity;
  const totalMs = options.timeouts?.totalMs ?? DEFAULT_TIMEOUTS.totalMs;
  const connection: Connection = {
    endpoint: options.client ? undefined : options.endpoint?.url,
    ownClient: options.client !== undefined,
    timeouts: {
      connectMs: options.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      requestMs: options.timeouts?.requestMs ?? DEFAULT_TIMEOUTS.requestMs,
      totalMs,
    },
  };

  /**
   * One request under the `timeouts.totalMs` deadline: when it passes, the request is aborted (the
   * SDK's retries and backoff stop with it) and a DynamoDBTimeoutError names the option. The caller's
   * own abort wins: it rejects with the signal's reason, as fetch does.
   */
  async function request<O>(command: object, operation: string, signal?: AbortSignal): Promise<O> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      controller.abort();
    }, totalMs);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: every lib-dynamodb command goes through this one door
      return (await client.send(command as any, { abortSignal: controller.signal })) as O;
    } catch (err) {
      // An aborted call rejects with the signal's reason itself, as fetch does: the SDK's own
      // "Request aborted" AbortError (with a timeout's TimeoutError only as its cause) is replaced by it,
      // whether the signal was aborted before the call or while the request was under way.
      signal?.throwIfAborted();
      if (expired) throw deadlineError(operation, options.tableName, connection, totalMs, err);
      throw translateError(err, options, operation, connection);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  async function describeTable(signal?: AbortSignal): Promise<TableDescription> {
    const output = await request<{ Table?: TableDescription }>(
      new DescribeTableCommand({ TableName: options.tableName }),
      'DescribeTable',
      signal,
    );
    return output.Table ?? {};
  }

  return {
    tableName: options.tableName,
    partitionKeyName: options.partitionKeyName,
    sortKeyName: options.sortKeyName,
    client,
    cursors: new CursorCodec(options.cursorSecret ?? options.tableName),
    batchRetry,
    transactionRetry,
    describeTable,
    async send<O>(command: object & { input: object }, operation: string, signal?: AbortSignal): Promise<O> {
      // Capacity is asked for only when someone looks: onConsumedCapacity, or a recording span.
      const traced = activeSpanRecording();
      if (onCapacity || traced) (command.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      try {
        const output = await request<O>(command, operation, signal);
        const consumed = (output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        if (onCapacity) reportCapacity(onCapacity, operation, consumed);
        if (traced) recordCapacity(totalCapacity(consumed), operation, options.tableName);
        return output;
      } catch (err) {
        // DynamoDB refused the key: one DescribeTable, on this failure path only, to name the table's
        // real key beside the configured one. If that fails too, the first error stands.
        if (!needsKeySchema(err)) throw err;
        let description: TableDescription;
        try {
          description = await describeTable(signal);
        } catch {
          signal?.throwIfAborted();
          throw err;
        }
        throw keyMismatchError(
          options,
          keySchemaOf(description),
          `${operation} on table "${options.tableName}"`,
          sdkMessage(err.cause),
          err.cause,
        );
      }
    },
  };
}

/** The DynamoDBTimeoutError of a request that ran past `timeouts.totalMs`. */
function deadlineError(
  operation: string,
  tableName: string,
  connection: Connection,
  totalMs: number,
  cause: unknown,
): DynamoDBTimeoutError {
  const requestMs = connection.timeouts?.requestMs ?? DEFAULT_TIMEOUTS.requestMs;
  const at = connection.endpoint ? ` at ${connection.endpoint}` : '';
  const perAttempt = connection.ownClient
    ? 'each attempt waits as long as your client allows'
    : `each attempt waits up to timeouts.requestMs, ${requestMs} ms`;
  return new DynamoDBTimeoutError(
    `${operation} on table "${tableName}" got no answer from DynamoDB${at} within timeouts.totalMs (${totalMs} ms), ` +
      `the deadline of one request with the SDK's retries (${perAttempt}). Check that the endpoint is DynamoDB and ` +
      'answers; if its requests are slow but sound, raise timeouts.totalMs (and timeouts.requestMs) in new Table({ timeouts }). ' +
      'The request may or may not have been applied; it is safe to retry later.',
    'timeouts.totalMs',
    totalMs,
    { cause },
  );
}

const TIMEOUT_KEYS = ['connectMs', 'requestMs', 'totalMs'];

/** `timeouts`: each given value a positive, finite number of milliseconds; undefined keeps the default. */
function checkTimeouts(timeouts: unknown): void {
  if (timeouts === undefined) return;
  if (timeouts === null || typeof timeouts !== 'object' || Array.isArray(timeouts)) {
    throw new ValidationError(
      'new Table: timeouts must be an object like { connectMs: 3000, requestMs: 10000, totalMs: 30000 }.',
    );
  }
  for (const [key, value] of Object.entries(timeouts)) {
    if (!TIMEOUT_KEYS.includes(key)) {
      throw new ValidationError(
        `new Table: timeouts.${key} is not an option; use ${TIMEOUT_KEYS.join(', ')}.`,
      );
    }
    // 0 is refused rather than read as "no timeout": a call that can hang forever must be asked for plainly.
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new ValidationError(
        `new Table: timeouts.${key} must be a positive number of milliseconds, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}.`,
      );
    }
  }
}

/**
 * `endpoint`: an object whose `url` is a full http:// or https:// URL. `localhost:8000` parses as a URL
 * of the scheme `localhost:`, and the SDK then sends the requests who knows where: refused here.
 */
function checkEndpoint(endpoint: unknown): void {
  if (endpoint === undefined) return;
  if (endpoint === null || typeof endpoint !== 'object' || Array.isArray(endpoint)) {
    throw new ValidationError(
      "new Table: endpoint must be an object like { url: 'http://localhost:8000' }, or left out for AWS.",
    );
  }
  const url = (endpoint as { url?: unknown }).url;
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ValidationError(
      "new Table: endpoint.url must be the URL of DynamoDB, for example 'http://localhost:8000' (DynamoDB Local).",
    );
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
    throw new ValidationError(
      scheme
        ? `new Table: endpoint.url ${JSON.stringify(url)} must start with http:// or https://.`
        : `new Table: endpoint.url ${JSON.stringify(url)} has no scheme: write the whole URL, for example ${JSON.stringify(`http://${url}`)}.`,
    );
  }
  if (parsed.hostname === '') {
    throw new ValidationError(`new Table: endpoint.url ${JSON.stringify(url)} names no host.`);
  }
}

function createClient(options: TableOptions): DynamoDBDocumentClient {
  const endpoint = options.endpoint;
  const base = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? (endpoint ? 'us-east-1' : undefined),
    // A DynamoDB that accepts connections but never answers must not hang a call forever.
    requestHandler: {
      connectionTimeout: options.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      requestTimeout: options.timeouts?.requestMs ?? DEFAULT_TIMEOUTS.requestMs,
      throwOnRequestTimeout: true,
    },
    ...(endpoint
      ? {
          endpoint: endpoint.url,
          ...(endpoint.accessKeyId && endpoint.secretAccessKey
            ? {
                credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
              }
            : {}),
        }
      : {}),
  });
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

interface WireCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

function totalCapacity(consumed: unknown): number {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as WireCapacity[];
  return list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

function reportCapacity(
  onCapacity: (report: CapacityReport) => void,
  operation: string,
  consumed: unknown,
): void {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as WireCapacity[];
  for (const entry of list) {
    onCapacity({
      operation,
      capacityUnits: entry.CapacityUnits ?? 0,
      ...(entry.ReadCapacityUnits !== undefined ? { readCapacityUnits: entry.ReadCapacityUnits } : {}),
      ...(entry.WriteCapacityUnits !== undefined ? { writeCapacityUnits: entry.WriteCapacityUnits } : {}),
    });
  }
}
