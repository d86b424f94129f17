import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type CancellationReason,
  ConditionFailedError,
  DynagoError,
  DynamoDBError,
  DynamoDBUnavailableError,
  ItemTooLargeError,
  TableNotFoundError,
  TransactionCanceledError,
  ValidationError,
} from '../errors.js';
import type { KeySchema } from './keys.js';

const UNAVAILABLE = new Set([
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

const NETWORK_CODES = new Set([
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
    return new TransactionCanceledError(reasons, { cause: err });
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
