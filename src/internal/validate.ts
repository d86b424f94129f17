/**
 * Validation shared by the stores (events, snapshots, aggregates): ids and their one limit, expected
 * versions, command ids, and the key names a store's table may not use. One module, below both stores,
 * so `events/` and `snapshots/` stay siblings that import nothing from each other.
 */
import { ValidationError } from '../errors.js';
import { byteLength } from './item.js';
import { MAX_EVENT_VERSION } from './layout.js';

/** The highest expected version an append can name: room for 100 events below the snapshot's sort key. */
const MAX_EXPECTED_VERSION = MAX_EVENT_VERSION - 100;

/**
 * The one limit on stream and aggregate ids (for an aggregate: `<category>-<id>`), in UTF-8 bytes. Every
 * item key the stores build is a short prefix (`event#`, `snapshot#` …) plus the id, and DynamoDB allows
 * 2048 bytes in a partition key: 1024 leaves room for any prefix, so an id that one store accepts, every
 * store accepts.
 */
export const MAX_STREAM_ID_BYTES = 1024;
const MAX_EVENT_ID_LENGTH = 256;

/** A stream or aggregate id: a non-empty string of at most {@link MAX_STREAM_ID_BYTES} bytes. */
export function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '') {
    throw new ValidationError(
      `${what} must be a non-empty string, got ${id === '' ? 'an empty string' : describe(id)}.`,
    );
  }
  const bytes = byteLength(id);
  if (bytes > MAX_STREAM_ID_BYTES) {
    throw new ValidationError(
      `${what} is ${bytes} bytes long; stream and aggregate ids may be at most ${MAX_STREAM_ID_BYTES} bytes (UTF-8). Use a shorter id, for example a hash of the long one.`,
    );
  }
  return id;
}

/** A command id (`AppendOptions.commandId`): undefined, or a non-empty string of at most 256 characters. */
export function checkCommandId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_EVENT_ID_LENGTH) {
    throw new ValidationError(
      `commandId must be a non-empty string of at most ${MAX_EVENT_ID_LENGTH} characters, got ${describe(value)}.`,
    );
  }
  return value;
}

/**
 * Every attribute name the event and snapshot stores write besides the key. The two stores share a table,
 * so each refuses a key named like a field of either.
 */
export const STORE_FIELDS = [
  'id',
  'type',
  'data',
  'metadata',
  'timestamp',
  'digest',
  'commandId',
  'state',
  'version',
  'writeId',
  'category',
  'schemaVersion',
  'deleted',
] as const;

/**
 * Refuses a table whose key attributes are named like a field the store writes (`data`, `version` …):
 * the field would overwrite the key or the key the field, silently. `store` names the store for the message.
 */
export function checkKeyNames(
  table: { partitionKeyName: string; sortKeyName?: string | undefined },
  fields: readonly string[],
  store: string,
): void {
  for (const key of [table.partitionKeyName, table.sortKeyName]) {
    if (key !== undefined && fields.includes(key)) {
      throw new ValidationError(
        `new ${store}: the table's key attribute "${key}" has the name of a field the ${store} writes (${fields.join(', ')}). ` +
          'Name the key attributes of an event table otherwise, for example pk and sk.',
      );
    }
  }
}

/** An expected version: 'any' (also for undefined), or a whole number >= 0. */
export function checkExpectedVersion(value: unknown, what = 'expectedVersion'): number | 'any' {
  if (value === undefined || value === 'any') return 'any';
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 0 ||
    value > MAX_EXPECTED_VERSION
  ) {
    throw new ValidationError(
      `${what} must be 'any' or a whole number >= 0 (0: the stream must not exist yet), got ${describe(value)}.`,
    );
  }
  return value;
}

export function checkVersionBound(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${what} must be a whole number >= 1, got ${describe(value)}.`);
  }
  return value;
}

/** A value, described for an error message: strings quoted, other primitives as they print, objects by type. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  return `a ${typeof value}`;
}
