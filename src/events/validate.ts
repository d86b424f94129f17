import { ValidationError } from '../errors.js';
import { isPlainObject } from '../internal/item.js';
import { describe } from '../internal/validate.js';
import type { EventInput } from './types.js';

const MAX_EVENT_ID_LENGTH = 256;

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
