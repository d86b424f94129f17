import type { StandardSchemaV1 } from '@standard-schema/spec';
import { EventValidationError, UpcastError, ValidationError } from '../errors.js';
import type { EventDefinition } from './definition.js';
import type { EventInput, StoredEvent, StreamAppend } from './types.js';

/**
 * The event definitions of one store, by type: what appends validate and which schema version they
 * write, and how reads bring old data up to date. A store given definitions knows its event types:
 * appending a type it has no definition for is a ValidationError. A read of such a type (written by
 * other code sharing the table) passes through as stored.
 *
 * Cost: no request. On reads, a Map lookup per event, and an upcaster call per version an old event is
 * behind; an event at the current version is handed out as read.
 */
/** The caller's data of each event a schema replaced, for its digest (see `callerDataOf`). */
const callerData = new WeakMap<object, unknown>();

/**
 * What the caller gave as `data` for an event this module validated (the event itself otherwise): the
 * idempotency digest is taken from it, so that a re-send of the same input matches even when the schema
 * adds something that differs each time (a default timestamp, say).
 */
export function callerDataOf(event: EventInput): unknown {
  return callerData.has(event) ? callerData.get(event) : event.data;
}

export class EventRegistry {
  /** Event lists this registry already validated: an append of them is not validated twice. */
  private readonly validated = new WeakSet<object>();
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[], where: string) {
    if (!Array.isArray(definitions)) {
      throw new ValidationError(`${where}: events must be an array of defineEvent(...) results.`);
    }
    definitions.forEach((definition, index) => {
      if (
        typeof definition?.type !== 'string' ||
        !Number.isSafeInteger(definition.version) ||
        typeof definition.upcasters !== 'object'
      ) {
        throw new ValidationError(`${where}: events[${index}] is not a defineEvent(...) result.`);
      }
      if (this.byType.has(definition.type)) {
        throw new ValidationError(
          `${where}: the event type "${definition.type}" is defined twice (events[${index}]); give each type one definition.`,
        );
      }
      this.byType.set(definition.type, definition);
    });
  }

  /** The schema version appends of `type` write. */
  versionOf(type: string): number {
    return this.byType.get(type)?.version ?? 1;
  }

  /**
   * The appends with every event's data checked by its type's schema and replaced by the schema's
   * output (what is stored: a schema's defaults and transforms apply). Throws before anything is written: a type without a definition
   * is a ValidationError, data the schema refuses an EventValidationError naming the type and the field.
   * Shapes that are not appends at all are left for the append's own checks. An event list this
   * returned is passed through unchanged the next time (validating twice would apply a transforming
   * schema twice).
   */
  async validate(appends: StreamAppend[]): Promise<StreamAppend[]> {
    if (!Array.isArray(appends)) return appends;
    return Promise.all(
      appends.map(async (append) => {
        if (!Array.isArray(append?.events) || this.validated.has(append.events)) return append;
        const events = await Promise.all(
          append.events.map(async (event, index) => this.validateEvent(event, index, append.streamId)),
        );
        this.validated.add(events);
        return { ...append, events };
      }),
    );
  }

  private async validateEvent(event: EventInput, index: number, streamId: unknown): Promise<EventInput> {
    if (typeof event?.type !== 'string') return event;
    const definition = this.byType.get(event.type);
    if (definition === undefined) {
      throw new ValidationError(
        `The event type "${event.type}" (events[${index}] of the append to ${JSON.stringify(streamId)}) has no definition in this store: add defineEvent(${JSON.stringify(event.type)}, …) to new EventStore({ events }). Nothing was written.`,
      );
    }
    if (definition.schema === undefined) return event;
    let result = definition.schema['~standard'].validate(event.data);
    if (result instanceof Promise) result = await result;
    if (result.issues) {
      throw new EventValidationError(event.type, String(streamId), index, result.issues);
    }
    const validated = { ...event, data: (result as StandardSchemaV1.SuccessResult<unknown>).value };
    callerData.set(validated, event.data);
    return validated;
  }

  /**
   * `event` (just built from its item, owned by the caller) with its data brought up to its type's
   * current schema version, in place. Throws UpcastError for a version newer than this code knows, or an
   * upcaster that throws.
   */
  upcast<E extends StoredEvent>(event: E): E {
    const definition = this.byType.get(event.type);
    if (definition === undefined || event.schemaVersion === definition.version) return event;
    if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
      throw new UpcastError(
        event,
        `its stored schema version ${String(event.schemaVersion)} is not a version number`,
      );
    }
    if (event.schemaVersion > definition.version) {
      throw new UpcastError(
        event,
        `it was written at schema version ${event.schemaVersion}, newer than this code's ${definition.version}: run the code that defines version ${event.schemaVersion} (or later) to read it`,
      );
    }
    for (let from = event.schemaVersion; from < definition.version; from++) {
      const upcaster = definition.upcasters[from];
      if (upcaster === undefined) {
        throw new UpcastError(event, `there is no upcaster from version ${from} to ${from + 1}`);
      }
      try {
        event.data = upcaster(event.data, event) as E['data'];
      } catch (error) {
        throw new UpcastError(event, `upcasters[${from}] threw`, error);
      }
      event.schemaVersion = from + 1;
    }
    return event;
  }
}
