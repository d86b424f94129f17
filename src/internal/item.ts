import { ItemTooLargeError, ValidationError } from '../errors.js';

/** DynamoDB's item size limit: 400 KB, attribute names included. */
export const MAX_ITEM_BYTES = 400 * 1024;

const utf8 = new TextEncoder();

/** UTF-8 length of a string, without allocating for ASCII-only strings. */
export function byteLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range test is the point
  return /^[\x00-\x7f]*$/.test(text) ? text.length : utf8.encode(text).length;
}

/**
 * Walks an item once: rejects what DynamoDB cannot store (functions, symbols, BigInt, NaN, Infinity,
 * numbers beyond ±(2^53 - 1), cycles, class instances such as Date or Map, empty sets, sets of mixed or
 * unsettable values) with a {@link ValidationError} naming the path and saying how to convert the value,
 * and returns its size by DynamoDB's rules, so an oversize item fails before any request.
 *
 * `undefined` properties are left out, as JSON does (the client is set to remove them). `original` is the
 * caller's object when `item` is a copy of it, so a cycle back to it is reported where it starts.
 */
export function inspectItem(item: Record<string, unknown>, what: string, original: object = item): number {
  plainObject(item, what);
  let size = 0;
  const seen = new Set<object>([item, original]);
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += byteLength(name) + valueSize(value, `${what}.${name}`, seen);
  }
  return size;
}

/** {@link inspectItem}, then {@link ItemTooLargeError} past 400 KB with `describeItem` in the message. */
export function checkItem(
  item: Record<string, unknown>,
  what: string,
  describeItem = what,
  original: object = item,
): number {
  const size = inspectItem(item, what, original);
  if (size > MAX_ITEM_BYTES) {
    throw new ItemTooLargeError(
      `${describeItem} is ${size} bytes, over DynamoDB's item limit of ${MAX_ITEM_BYTES} bytes (400 KB). ` +
        'Store large payloads elsewhere (for example S3) and keep a reference.',
      size,
    );
  }
  return size;
}

function valueSize(value: unknown, path: string, seen: Set<object>): number {
  switch (typeof value) {
    case 'string':
      return byteLength(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new ValidationError(
          `${path} is ${value}: DynamoDB cannot store NaN or Infinity. Use null or a finite number.`,
        );
      }
      // The SDK refuses these while marshalling (they would not read back as written), and that
      // surfaced as an opaque DynamoDBError; fractions inside the range are fine.
      if (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER) {
        throw new ValidationError(
          `${path} is ${value}, beyond the safe integer range (±${Number.MAX_SAFE_INTEGER}): a JavaScript number cannot hold it exactly. ` +
            'Store it as a string (for example String(bigint)).',
        );
      }
      return numberSize(value);
    case 'boolean':
      return 1;
    case 'bigint':
      throw new ValidationError(
        `${path} is a BigInt: store it as a string (or a Number when it is a safe integer).`,
      );
    case 'function':
    case 'symbol':
      throw new ValidationError(
        `${path} is a ${typeof value}: only data (strings, numbers, booleans, null, arrays, objects, sets, Uint8Array) can be stored.`,
      );
    case 'undefined':
      throw new ValidationError(`${path} is undefined inside a list: use null, or leave the element out.`);
  }
  if (value === null) return 1;
  const object = value as object;
  if (object instanceof Uint8Array) return object.byteLength;
  if (seen.has(object)) {
    throw new ValidationError(
      `${path} refers back to one of its own parents (a cycle): it cannot be stored.`,
    );
  }
  seen.add(object);
  let size = 3;
  if (Array.isArray(object)) {
    object.forEach((element, index) => {
      size += 1 + valueSize(element, `${path}[${index}]`, seen);
    });
  } else if (object instanceof Set) {
    if (object.size === 0) {
      throw new ValidationError(
        `${path} is an empty Set: DynamoDB cannot store empty sets. Leave the attribute out.`,
      );
    }
    size = 0;
    let kind: string | undefined;
    let first: unknown;
    for (const element of object) {
      const elementKind = element instanceof Uint8Array ? 'binary' : typeof element;
      if (
        !['string', 'number', 'binary'].includes(elementKind) ||
        (kind !== undefined && kind !== elementKind)
      ) {
        const holds =
          kind === undefined || kind === elementKind
            ? setElement(element)
            : `${setElement(first)} and ${setElement(element)}`;
        throw new ValidationError(
          `${path} must be a Set of strings, of numbers or of Uint8Array, all of one kind (a DynamoDB set), but it holds ${holds}. ` +
            'Store other or mixed values as an array ([...set]).',
        );
      }
      if (kind === undefined) first = element;
      kind = elementKind;
      size += valueSize(element, `${path}[]`, seen);
    }
  } else if (isPlainObject(object)) {
    for (const [name, element] of Object.entries(object)) {
      if (element === undefined) continue;
      size += 1 + byteLength(name) + valueSize(element, `${path}.${name}`, seen);
    }
  } else {
    throw new ValidationError(`${path} is ${describe(object)}: ${conversion(object)}`);
  }
  seen.delete(object);
  return size;
}

/** DynamoDB stores numbers as up to 38 significant digits, two per byte, plus one byte. */
function numberSize(value: number): number {
  if (Number.isSafeInteger(value)) {
    // the common case (versions, timestamps, amounts) without building a string
    let rest = Math.abs(value);
    while (rest !== 0 && rest % 10 === 0) rest /= 10;
    let digits = 0;
    do {
      digits++;
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    return Math.ceil(digits / 2) + 1;
  }
  const digits = Math.abs(value).toExponential().replace(/e.*$/, '').replace('.', '').length;
  return Math.ceil(digits / 2) + 1;
}

/** `value` itself when it is a plain object (what an item must be), else a {@link ValidationError}. */
export function plainObject(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    const advice = value !== null && typeof value === 'object' ? ` ${conversion(value)}` : '';
    throw new ValidationError(`${what} must be a plain object, got ${describe(value)}.${advice}`);
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** What a Set element is, for a message: `a string`, `a Uint8Array`, `an object`, `null`. */
function setElement(element: unknown): string {
  if (element === null) return 'null';
  if (element instanceof Uint8Array) return 'a Uint8Array';
  if (Array.isArray(element)) return 'an array';
  const type = typeof element;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

/** How to turn a value that is not a plain object (nor a Set, a list or a Uint8Array) into one that is. */
function conversion(object: object): string {
  if (object instanceof Date) {
    return 'only plain objects can be stored. Convert it first (a Date to an ISO string or epoch milliseconds).';
  }
  if (object instanceof Map) {
    return (
      'DynamoDB stores maps as plain objects. Use a plain object instead, for example Object.fromEntries(map) ' +
      'when its keys are strings (or an array of [key, value] pairs, [...map], when they are not).'
    );
  }
  if (object instanceof WeakMap || object instanceof WeakSet)
    return 'it cannot be stored: its contents cannot be read.';
  if (object instanceof Promise) return 'await it and store its value.';
  if (object instanceof RegExp) return 'store its pattern as a string (regexp.source).';
  if (object instanceof ArrayBuffer) return 'store its bytes as a Uint8Array (new Uint8Array(buffer)).';
  if (ArrayBuffer.isView(object)) {
    return 'only Uint8Array is stored as binary: store new Uint8Array(value.buffer, value.byteOffset, value.byteLength), or an array of its numbers (Array.from(value)).';
  }
  if (object instanceof Error)
    return 'store the fields you need in a plain object ({ name: error.name, message: error.message }).';
  const toJSON =
    typeof (object as { toJSON?: unknown }).toJSON === 'function'
      ? ' It has a toJSON method: store value.toJSON() if that returns plain data;'
      : '';
  return (
    `only plain objects (and arrays, Sets, Uint8Array) can be stored, not class instances, which would not read back as the class.${toJSON} ` +
    'Copy its data into a plain object first ({ ...value } copies its own enumerable fields), and rebuild the instance when you read it.'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  if (value instanceof Map) return 'a Map';
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : 'an object';
}

/**
 * Items the caller has already inspected and sized (or an item at least as large, of the same shape):
 * the event store checks each event item once, when it plans an append, and marks the attributes it
 * then writes, so the table does not walk them a second time. A WeakSet: nothing is kept alive.
 */
const checked = new WeakSet<object>();

/** Marks `item` as inspected by {@link checkItem} already (see above). */
export function markChecked<T extends object>(item: T): T {
  checked.add(item);
  return item;
}

/** True when `item` was marked by {@link markChecked}. */
export function isChecked(item: object): boolean {
  return checked.has(item);
}
