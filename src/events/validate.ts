import { ValidationError } from '../errors.js';
import { byteLength, isPlainObject } from '../table/item.js';
import type { EventInput, ExpectedVersion } from './types.js';

/** DynamoDB's partition key limit, in bytes. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_EVENT_ID_LENGTH = 256;

/** A stream or aggregate id: a non-empty string that fits DynamoDB's key limit once `prefix` is added. */
export function checkId(id: unknown, prefix: string, what: string): string {
  if (typeof id !== 'string' || id === '') {
    throw new ValidationError(
      `${what} must be a non-empty string, got ${id === '' ? 'an empty string' : describe(id)}.`,
    );
  }
  const limit = MAX_PARTITION_KEY_BYTES - byteLength(prefix);
  if (byteLength(id) > limit) {
    throw new ValidationError(
      `${what} is ${byteLength(id)} bytes long; at most ${limit} bytes fit in a DynamoDB key.`,
    );
  }
  return id;
}

export function checkExpectedVersion(value: unknown, what = 'expectedVersion'): ExpectedVersion {
  if (value === undefined || value === 'any') return 'any';
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `${what} must be 'any' or a whole number >= 0 (0: the stream must not exist yet), got ${describe(value)}.`,
    );
  }
  return value;
}

/** Checks the shape of each event (not its size: that is checked on the item) and the uniqueness of ids. */
export function checkEvents(events: unknown, streamId: string): EventInput[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new ValidationError(
      `append to "${streamId}": give at least one event (an array of { type, data }).`,
    );
  }
  const ids = new Set<string>();
  return events.map((event: unknown, index) => {
    const where = `append to "${streamId}", events[${index}]`;
    if (!isPlainObject(event))
      throw new ValidationError(`${where} must be an object { type, data, metadata?, id? }.`);
    if (typeof event.type !== 'string' || event.type.trim() === '') {
      throw new ValidationError(`${where}: type must be a non-empty string, got ${describe(event.type)}.`);
    }
    if (event.id !== undefined) {
      if (typeof event.id !== 'string' || event.id === '' || event.id.length > MAX_EVENT_ID_LENGTH) {
        throw new ValidationError(
          `${where}: id must be a non-empty string of at most ${MAX_EVENT_ID_LENGTH} characters.`,
        );
      }
      if (ids.has(event.id))
        throw new ValidationError(`${where}: id "${event.id}" appears twice in one append.`);
      ids.add(event.id);
    }
    if (event.metadata !== undefined && !isPlainObject(event.metadata)) {
      throw new ValidationError(`${where}: metadata must be a plain object when given.`);
    }
    return event as unknown as EventInput;
  });
}

export function checkVersionBound(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${what} must be a whole number >= 1, got ${describe(value)}.`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  return `a ${typeof value}`;
}
