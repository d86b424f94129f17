import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.js';
import {
  checkRetryPolicy,
  defaultBatchRetry,
  defaultTransactionRetry,
  type RetryPolicy,
} from '../internal/backoff.js';
import { CursorCodec } from './cursor.js';
import type { KeySchema } from './keys.js';
import { translateError } from './translateError.js';

/** Where DynamoDB is, for local development and tests. */
export interface EndpointOptions {
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
   * Timeouts of the client this table creates (ignored with `client`, but still checked): connecting
   * (default 3 s) and waiting for a response (default 30 s), each a positive number of milliseconds.
   * A timed-out attempt is retried by the SDK like a network fault.
   */
  timeouts?: { connectMs?: number; requestMs?: number };
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
}

/** Builds the context; every option is checked here, before anything is created (called by `new Table`). */
export function createContext(options: TableOptions): TableContext {
  const batchRetry = checkRetryPolicy(options.batchRetry, 'new Table: batchRetry', defaultBatchRetry);
  const transactionRetry = checkRetryPolicy(
    options.transactionRetry,
    'new Table: transactionRetry',
    defaultTransactionRetry,
  );
  checkTimeouts(options.timeouts);
  const client = options.client ?? createClient(options);
  const onCapacity = options.onConsumedCapacity;
  return {
    tableName: options.tableName,
    partitionKeyName: options.partitionKeyName,
    sortKeyName: options.sortKeyName,
    client,
    cursors: new CursorCodec(options.cursorSecret ?? options.tableName),
    batchRetry,
    transactionRetry,
    async send<O>(command: object & { input: object }, operation: string, signal?: AbortSignal): Promise<O> {
      // An aborted call rejects with the signal's reason itself, as fetch does: the SDK's own
      // "Request aborted" AbortError (with a timeout's TimeoutError only as its cause) is replaced by it,
      // whether the signal was aborted before the call or while the request was under way.
      signal?.throwIfAborted();
      if (onCapacity) (command.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      try {
        // biome-ignore lint/suspicious/noExplicitAny: every lib-dynamodb command goes through this one door
        const output = await client.send(command as any, { abortSignal: signal });
        if (onCapacity)
          reportCapacity(onCapacity, operation, (output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        return output as O;
      } catch (err) {
        signal?.throwIfAborted();
        throw translateError(err, options, operation);
      }
    },
  };
}

const TIMEOUT_KEYS = ['connectMs', 'requestMs'];

/** `timeouts`: each given value a positive, finite number of milliseconds; undefined keeps the default. */
function checkTimeouts(timeouts: unknown): void {
  if (timeouts === undefined) return;
  if (timeouts === null || typeof timeouts !== 'object' || Array.isArray(timeouts)) {
    throw new ValidationError(
      'new Table: timeouts must be an object like { connectMs: 3000, requestMs: 30000 }.',
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

function createClient(options: TableOptions): DynamoDBDocumentClient {
  const endpoint = options.endpoint;
  const base = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? (endpoint ? 'us-east-1' : undefined),
    // A DynamoDB that accepts connections but never answers must not hang a call forever.
    requestHandler: {
      connectionTimeout: options.timeouts?.connectMs ?? 3_000,
      requestTimeout: options.timeouts?.requestMs ?? 30_000,
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
