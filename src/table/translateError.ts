import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type CancellationReason,
  ConditionFailedError,
  DynagoError,
  DynamoDBError,
  DynamoDBUnavailableError,
  ItemCollectionSizeLimitError,
  ItemTooLargeError,
  TableNotFoundError,
  TransactionCanceledError,
  TransactionConflictError,
  TransactionValidationError,
  ValidationError,
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
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * Turns an SDK exception into the matching {@link DynagoError}, keeping it as `cause`. Stored items
 * that come back on failed conditions are unmarshalled (the document client leaves them raw).
 * An abort is passed through as it is: the caller asked for it.
 */
export function translateError(err: unknown, schema: KeySchema, operation: string): unknown {
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
  if (
    UNAVAILABLE.has(name) ||
    NETWORK_CODES.has(sdk.code ?? '') ||
    NETWORK_CODES.has(name) ||
    (status ?? 0) >= 500
  ) {
    return new DynamoDBUnavailableError(
      `DynamoDB did not complete ${what} after the SDK's retries (${name || sdk.code || 'network error'}: ${sdk.message ?? ''}). It is safe to retry later.`,
      { cause: err },
    );
  }
  return new DynamoDBError(`DynamoDB failed ${what}: ${name || 'Error'}: ${sdk.message ?? String(err)}`, {
    cause: err,
    retryable: sdk.$fault === 'server',
  });
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
