import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type CancellationReason,
  ConditionFailedError,
  DynagoError,
  DynamoDBError,
  DynamoDBTimeoutError,
  DynamoDBUnavailableError,
  ItemCollectionSizeLimitError,
  ItemTooLargeError,
  TableExistsError,
  TableNotFoundError,
  TransactionCanceledError,
  TransactionConflictError,
  TransactionValidationError,
  ValidationError,
  WrongEndpointError,
} from '../errors.js';
import type { KeySchema } from './keys.js';

/** Error names of the SDK that mean "later, the same request may succeed": throttling, server faults, timeouts. */
export const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node's network error codes: the request may not have reached DynamoDB, or its answer was lost. */
export const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  Item?: Record<string, unknown>;
  CancellationReasons?: { Code?: string; Message?: string; Item?: Record<string, unknown> }[];
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $fault?: string;
  $response?: { headers?: Record<string, string> };
}

/** Where the requests go and how long they may take, for messages about the connection. */
export interface Connection {
  /** `endpoint.url`; undefined for AWS's own endpoint or with your own client. */
  endpoint?: string | undefined;
  /** The caller gave its own client: its timeouts are not ours to name. */
  ownClient?: boolean;
  timeouts?: { connectMs: number; requestMs: number; totalMs: number };
}

/**
 * Turns an SDK exception into the matching {@link DynagoError}, keeping it as `cause`. Stored items
 * that come back on failed conditions are unmarshalled (the document client leaves them raw).
 * An abort is passed through as it is: the caller asked for it.
 */
export function translateError(
  err: unknown,
  schema: KeySchema,
  operation: string,
  connection: Connection = {},
): unknown {
  const tableName = schema.tableName;
  if (err instanceof DynagoError) return err;
  dropRawBody(err);
  const sdk = (err ?? {}) as SdkError;
  const name = sdk.name ?? '';
  if (name === 'AbortError') return err;
  const what = `${operation} on table "${tableName}"`;
  if (name === 'ConditionalCheckFailedException') {
    return new ConditionFailedError(
      `The condition of ${what} did not hold; the stored item is on error.item.`,
      rawItem(sdk.Item),
      { cause: err },
    );
  }
  if (name === 'TransactionCanceledException') {
    const reasons: CancellationReason[] = (sdk.CancellationReasons ?? []).map((reason) => ({
      code: reason.Code ?? 'Unknown',
      ...(reason.Message ? { message: reason.Message } : {}),
      ...(reason.Item ? { item: rawItem(reason.Item) } : {}),
    }));
    return cancellationError(reasons, what, err);
  }
  if (name === 'ItemCollectionSizeLimitExceededException') {
    return new ItemCollectionSizeLimitError(itemCollectionMessage(what), undefined, { cause: err });
  }
  if (name === 'ResourceNotFoundException') return new TableNotFoundError(tableName, { cause: err });
  if (name === 'ResourceInUseException' && operation === 'CreateTable') {
    return new TableExistsError(tableName, { cause: err });
  }
  if (name === 'ValidationException') {
    const message = sdk.message ?? '';
    if (/item size.*(exceeded|maximum)/i.test(message)) {
      return new ItemTooLargeError(`${what}: DynamoDB says the item is too large (${message}).`, undefined, {
        cause: err,
      });
    }
    if (/type mismatch for key|key element does not match the schema/i.test(message)) {
      const keys = [`partition key "${schema.partitionKeyName}"`];
      if (schema.sortKeyName !== undefined) keys.push(`sort key "${schema.sortKeyName}"`);
      return new ValidationError(
        `${what}: a key value has the wrong type for the table's key (${keys.join(', ')}): ${message}. ` +
          'Pass the key as the type the table declares (string, number or binary).',
        { cause: err },
      );
    }
    return new ValidationError(`DynamoDB rejected ${what}: ${message}`, { cause: err });
  }
  if (name === 'TransactionConflictException' || name === 'TransactionInProgressException') {
    return new DynamoDBError(`${what} met a concurrent transaction on the same item (${name}); retry it.`, {
      cause: err,
      retryable: true,
    });
  }
  const status = sdk.$metadata?.httpStatusCode;
  if (status !== undefined && status < 500 && notDynamoDB(sdk)) {
    const at = connection.endpoint ?? 'the endpoint';
    return new WrongEndpointError(
      `${what}: the server at ${at} answered HTTP ${status}${contentType(sdk)}, but it does not speak DynamoDB ` +
        `(the answer has no DynamoDB request id, and its body ${name === 'Unknown' || name === 'UnknownError' ? 'is not a DynamoDB error' : 'is not the JSON DynamoDB sends'}). ` +
        'Check endpoint.url: its host and port must be those of DynamoDB (DynamoDB Local listens on http://localhost:8000 unless told otherwise).',
      connection.endpoint,
      status,
      { cause: err },
    );
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'RequestTimeoutException') {
    const timeout = timeoutError(sdk, what, connection, err);
    if (timeout) return timeout;
  }
  if (
    UNAVAILABLE.has(name) ||
    NETWORK_CODES.has(sdk.code ?? '') ||
    NETWORK_CODES.has(name) ||
    (status ?? 0) >= 500
  ) {
    return new DynamoDBUnavailableError(
      `DynamoDB did not complete ${what} after the SDK's retries (${name || sdk.code || 'network error'}: ${sdk.message ?? ''}).${networkAdvice(sdk, connection)} It is safe to retry later.`,
      { cause: err },
    );
  }
  return new DynamoDBError(`DynamoDB failed ${what}: ${name || 'Error'}: ${sdk.message ?? String(err)}`, {
    cause: err,
    retryable: sdk.$fault === 'server',
  });
}

/**
 * An HTTP answer that DynamoDB did not give: DynamoDB puts a request id on every response
 * (`x-amzn-RequestId`), and its errors are JSON the SDK knows. Without the id, a body the SDK could not
 * parse (SyntaxError, a deserialization error) or an error it could not name (`Unknown`) comes from
 * something else: a web server, another service, a wrong port.
 */
function notDynamoDB(sdk: SdkError): boolean {
  if (sdk.$metadata?.requestId !== undefined) return false;
  const name = sdk.name ?? '';
  return (
    name === 'Unknown' ||
    name === 'UnknownError' ||
    name === 'SyntaxError' ||
    /deserialization error/i.test(sdk.message ?? '')
  );
}

function contentType(sdk: SdkError): string {
  const type = sdk.$response?.headers?.['content-type'];
  return type ? ` (${type.split(';')[0]})` : '';
}

/** What to check when the connection itself failed: refused, unknown host, reset. */
function networkAdvice(sdk: SdkError, connection: Connection): string {
  const code = sdk.code ?? sdk.name ?? '';
  const where = connection.endpoint ? `endpoint.url (${connection.endpoint})` : 'the region and endpoint';
  if (code === 'ECONNREFUSED') {
    return ` Nothing accepted the connection: check ${where}, its host and port, and that DynamoDB is running there.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return ` The host name did not resolve: check ${where}.`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return ` The host is unreachable: check ${where} and the network.`;
  }
  return '';
}

/**
 * The SDK gave up after its retries because attempts timed out: a DynamoDBTimeoutError naming the
 * option (`timeouts.connectMs` or `timeouts.requestMs`) and its value. Undefined for a timeout that
 * DynamoDB itself reported (a 5xx) and for a reset connection, which stay a plain unavailability.
 */
function timeoutError(
  sdk: SdkError,
  what: string,
  connection: Connection,
  err: unknown,
): DynamoDBTimeoutError | undefined {
  if (sdk.$metadata?.httpStatusCode !== undefined) return undefined;
  const message = sdk.message ?? '';
  // The SDK names a reset or broken connection (ECONNRESET, EPIPE) TimeoutError too: those are faults,
  // not a wait that ran out, and no timeout option would change them.
  const connecting = /establish a connection|connect ETIMEDOUT/i.test(message);
  if (!connecting && !/requestTimeout|socket timed out/i.test(message)) return undefined;
  const option = connecting ? 'timeouts.connectMs' : 'timeouts.requestMs';
  const value = connection.ownClient
    ? undefined
    : connection.timeouts?.[connecting ? 'connectMs' : 'requestMs'];
  const attempts = sdk.$metadata?.attempts;
  const at = connection.endpoint ? ` at ${connection.endpoint}` : '';
  const waited = connecting ? 'could not connect to DynamoDB' : 'got no answer from DynamoDB';
  const limit =
    value === undefined
      ? `your client's ${connecting ? 'connection' : 'request'} timeout`
      : `${option} (${value} ms)`;
  const raise = connection.ownClient
    ? `give your client a longer ${connecting ? 'connectionTimeout' : 'requestTimeout'}`
    : `raise ${option} in new Table({ timeouts })`;
  return new DynamoDBTimeoutError(
    `${what} ${waited}${at} within ${limit}${attempts ? ` in any of ${attempts} attempts` : ''}. ` +
      `Check that the endpoint is DynamoDB and ${connecting ? 'reachable' : 'answers'}; if it is sound but slow, ${raise}. ` +
      'The request may or may not have been applied; it is safe to retry later.',
    option,
    value,
    { cause: err },
  );
}

/** Cancellation reason codes that mean DynamoDB was throttling, not that anything was wrong with the writes. */
const THROTTLED_REASONS = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/**
 * One TransactionCanceledException, by its reasons. The order is a decision: a failed condition is
 * reported first (the caller must hear that its assumption was wrong, whatever else happened); then
 * what no re-send can fix (invalid operation, full item collection); then throttling (retryable); a
 * cancellation by `TransactionConflict` alone comes back as TransactionConflictError, which
 * `transactWrite` re-sends itself. Reasons it does not know stay a TransactionCanceledError, and no
 * reasons at all (DynamoDB always sends them) is not read as a conflict: it is a DynamoDBError.
 */
function cancellationError(reasons: CancellationReason[], what: string, err: unknown): DynagoError {
  const codes = new Set(reasons.map((reason) => reason.code).filter((code) => code !== 'None'));
  if (codes.size === 0) {
    return new DynamoDBError(
      `DynamoDB cancelled ${what} without saying why (${reasons.length === 0 ? 'no cancellation reasons' : 'every reason is None'}); nothing was written.`,
      { cause: err },
    );
  }
  if (codes.has('ConditionalCheckFailed')) return new TransactionCanceledError(reasons, { cause: err });
  if (codes.has('ValidationError')) return new TransactionValidationError(reasons, { cause: err });
  if (codes.has('ItemCollectionSizeLimitExceeded')) {
    return new ItemCollectionSizeLimitError(itemCollectionMessage(what), reasons, { cause: err });
  }
  if ([...codes].some((code) => THROTTLED_REASONS.has(code))) {
    return new DynamoDBUnavailableError(
      `DynamoDB cancelled ${what} because it was throttling (${[...codes].join(', ')}); nothing was written. It is safe to retry later.`,
      { cause: err },
    );
  }
  if ([...codes].every((code) => code === 'TransactionConflict')) {
    return new TransactionConflictError(reasons, 1, { cause: err });
  }
  return new TransactionCanceledError(reasons, { cause: err });
}

function itemCollectionMessage(what: string): string {
  return (
    `${what}: an item collection (the items of one partition key, in a table with a local secondary index) ` +
    'would exceed 10 GB. Nothing was written; delete items of that partition or drop the local index.'
  );
}

/** Items on exceptions arrive in DynamoDB's wire format; plain objects already unmarshalled pass through. */
function rawItem(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (item === undefined) return undefined;
  const values = Object.values(item);
  const wire = values.every(
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      Object.keys(value).length === 1 &&
      /^(S|N|B|SS|NS|BS|M|L|NULL|BOOL)$/.test(Object.keys(value)[0] ?? ''),
  );
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types these as AttributeValue maps
  return wire ? unmarshall(item as any) : item;
}

/**
 * Drops the raw body the SDK leaves on `error.$response`: it is the consumed HTTP stream, which still
 * references its socket and the signed request, whose authorization header names the access key id.
 * The exception stays the same object (kept as `cause`); status and headers stay readable.
 */
function dropRawBody(err: unknown): void {
  const response = (err as { $response?: { body?: unknown } } | null)?.$response;
  if (response !== null && typeof response === 'object' && 'body' in response) response.body = undefined;
}
