import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from '../errors.js';
import type { StoredEvent } from './types.js';

export type { StandardSchemaV1 };

/**
 * Turns the data of schema version `k` into the data of version `k + 1`. It gets the event as read (its
 * `data` at version `k`) for context, and must not change it: return new data.
 */
// biome-ignore lint/suspicious/noExplicitAny: old shapes have no type here; `any` lets an upcaster annotate the shape it reads, `(data: { amount: number }) => …`, which `unknown` would refuse.
export type Upcaster = (data: any, event: Readonly<StoredEvent>) => unknown;

/**
 * An event type: its name, the current version of its data's shape, an optional Standard Schema
 * validator (zod, valibot, arktype …) that every append checks, and the upcasters that bring data
 * written at an older version up to the current one on every read. Build it with {@link defineEvent}.
 */
export interface EventDefinition<Type extends string = string, Data = unknown> {
  readonly type: Type;
  /** The current schema version of `data`: what appends write, and what reads hand out. */
  readonly version: number;
  readonly schema?: StandardSchemaV1<unknown, Data>;
  /** `upcasters[k]` turns version k into k + 1, for every k from 1 to `version − 1`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

export interface DefineEventOptions<S extends StandardSchemaV1 | undefined> {
  /** Any Standard Schema validator; `append` checks `data` with it, and stores its output. */
  schema?: S;
  /** The current schema version of the data (default 1). Raise it when the shape changes. */
  version?: number;
  /**
   * `{ k: (data) => data at k + 1 }` for every k from 1 to `version − 1`: a stored event of version k is
   * passed through `upcasters[k]`, `upcasters[k + 1]` … up to the current version when it is read.
   */
  upcasters?: Record<number, Upcaster>;
}

/** The data type a definition's schema produces (unknown without a schema). */
type DataOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown;

/**
 * Defines an event type. With a schema, appends validate `data` (a failure is an
 * {@link EventValidationError} naming the type and the field; nothing is written) and reads are typed
 * by the schema's output. With `version` > 1, events stored at an older version are upcast on every
 * read path (`read`, `readPage`, `readAll`, loads, projections); appends always write the current one.
 * The definition is checked here: an upcaster missing from 1 to `version − 1` is a ValidationError now,
 * not a surprise on the first old event read.
 *
 * @example
 * ```ts
 * const Deposited = defineEvent('Deposited', {
 *   schema: z.object({ amount: z.number().positive(), currency: z.string() }),
 *   version: 2,
 *   upcasters: { 1: (data) => ({ ...data, currency: 'EUR' }) },
 * });
 * const store = new EventStore({ table, events: [Deposited, Withdrawn] });
 * ```
 */
export function defineEvent<const Type extends string, S extends StandardSchemaV1 | undefined = undefined>(
  type: Type,
  options: DefineEventOptions<S> = {},
): EventDefinition<Type, DataOf<S>> {
  const where = `defineEvent(${JSON.stringify(type)})`;
  if (typeof type !== 'string' || type === '') {
    throw new ValidationError('defineEvent: the event type must be a non-empty string, like "Deposited".');
  }
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ValidationError(`${where}: version must be a whole number from 1, got ${String(version)}.`);
  }
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new ValidationError(
      `${where}: schema must implement Standard Schema (a "~standard" property with validate), as zod, valibot and arktype schemas do.`,
    );
  }
  const upcasters = { ...(options.upcasters ?? {}) };
  for (const [key, upcaster] of Object.entries(upcasters)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new ValidationError(
        `${where}: upcasters[${key}] would turn version ${key} into ${from + 1}, but versions run from 1 to ${version}; upcasters take the keys 1 to ${version - 1}.`,
      );
    }
    if (typeof upcaster !== 'function') {
      throw new ValidationError(`${where}: upcasters[${key}] must be a function (data) => data.`);
    }
  }
  for (let from = 1; from < version; from++) {
    if (upcasters[from] === undefined) {
      throw new ValidationError(
        `${where}: version ${version} needs an upcaster for every older version, and upcasters[${from}] (version ${from} → ${from + 1}) is missing. Without it, events stored at version ${from} could not be read.`,
      );
    }
  }
  return Object.freeze({
    type,
    version,
    ...(schema !== undefined ? { schema: schema as StandardSchemaV1<unknown, DataOf<S>> } : {}),
    upcasters: Object.freeze(upcasters),
  });
}

/** The stored events a list of definitions describes: a union, one member per event type. */
export type EventOf<Definitions extends EventDefinition> =
  Definitions extends EventDefinition<infer Type, infer Data> ? StoredEvent<Type, Data> : never;

/** The events to append that a list of definitions allows. */
export type InputOf<Definitions extends EventDefinition> =
  Definitions extends EventDefinition<infer Type, infer Data>
    ? { type: Type; data: Data; metadata?: Record<string, unknown>; id?: string }
    : never;
