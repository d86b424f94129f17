import { ValidationError } from '../errors.js';
import { byteLength } from '../internal/item.js';

/** A key attribute value: DynamoDB keys are strings, numbers or binary. */
export type KeyValue = string | number | Uint8Array;

/** The names that make up a table's primary key. */
export interface KeySchema {
  tableName: string;
  partitionKeyName: string;
  sortKeyName?: string | undefined;
}

const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

/**
 * The primary key for `pk`/`sk`, validated before any request: a missing, empty or wrongly typed key
 * value, or a sort key on a table without one, is a {@link ValidationError} naming the attribute.
 */
export function buildKey(schema: KeySchema, pk: unknown, sk: unknown): Record<string, KeyValue> {
  const key: Record<string, KeyValue> = {
    [schema.partitionKeyName]: checkKeyValue(pk, schema.partitionKeyName, MAX_PARTITION_KEY_BYTES),
  };
  if (schema.sortKeyName === undefined) {
    if (sk !== undefined) {
      throw new ValidationError(
        `Table "${schema.tableName}" has no sort key, but a sort key value was given (${JSON.stringify(sk)}). Pass undefined.`,
      );
    }
  } else {
    key[schema.sortKeyName] = checkKeyValue(sk, schema.sortKeyName, MAX_SORT_KEY_BYTES);
  }
  return key;
}

/** The key of a record that carries its key attributes (batch get, batch write/delete). */
export function keyOf(schema: KeySchema, record: object, what: string): Record<string, KeyValue> {
  if (record === null || typeof record !== 'object') {
    throw new ValidationError(`${what} must be an object holding the key attributes, got ${String(record)}.`);
  }
  const attributes = record as Readonly<Record<string, unknown>>;
  try {
    return buildKey(
      schema,
      attributes[schema.partitionKeyName],
      schema.sortKeyName === undefined ? undefined : attributes[schema.sortKeyName],
    );
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${what}: ${err.message}`);
    throw err;
  }
}

/** A string that identifies a key, with strings, numbers and binary kept apart (for dedupe and order). */
export function keyId(schema: KeySchema, key: Record<string, unknown>): string {
  const part = (value: unknown) =>
    value instanceof Uint8Array
      ? ['b', Buffer.from(value).toString('base64')]
      : [typeof value, String(value)];
  const parts = [part(key[schema.partitionKeyName])];
  if (schema.sortKeyName !== undefined) parts.push(part(key[schema.sortKeyName]));
  return JSON.stringify(parts);
}

function checkKeyValue(value: unknown, attribute: string, maxBytes: number): KeyValue {
  if (value === undefined || value === null) {
    throw new ValidationError(
      `Key attribute "${attribute}" is missing: give it a string, number or Uint8Array value.`,
    );
  }
  if (typeof value === 'string') {
    if (value === '') {
      throw new ValidationError(`Key attribute "${attribute}" cannot be an empty string.`);
    }
    const bytes = byteLength(value);
    if (bytes > maxBytes) {
      throw new ValidationError(
        `Key attribute "${attribute}" is ${bytes} bytes long; DynamoDB allows at most ${maxBytes}.`,
      );
    }
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ValidationError(`Key attribute "${attribute}" must be a finite number, got ${value}.`);
    }
    return value;
  }
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) {
      throw new ValidationError(`Key attribute "${attribute}" cannot be empty binary.`);
    }
    if (value.byteLength > maxBytes) {
      throw new ValidationError(
        `Key attribute "${attribute}" is ${value.byteLength} bytes long; DynamoDB allows at most ${maxBytes}.`,
      );
    }
    return value;
  }
  throw new ValidationError(
    `Key attribute "${attribute}" must be a string, number or Uint8Array, got ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}.`,
  );
}
