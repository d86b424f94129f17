/**
 * A deep copy of plain data (objects whose prototype is Object.prototype or null, arrays, primitives,
 * Date, Map, Set, Uint8Array), or `undefined` when `value` holds anything else (a class instance, a
 * function): such a value cannot be copied faithfully, and the caller must do without a copy.
 * Shared references are copied once, cycles are kept.
 */
export function clonePlain<T>(value: T): T | undefined {
  try {
    return copy(value, new Map()) as T;
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

const NOT_PLAIN = Symbol('not plain data');

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(copy(item, seen));
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return value.slice();
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [key, item] of value) out.set(copy(key, seen), copy(item, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const item of value) out.add(copy(item, seen));
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
  const out: Record<string, unknown> = prototype === null ? Object.create(null) : {};
  seen.set(value, out);
  for (const [key, item] of Object.entries(value)) out[key] = copy(item, seen);
  return out;
}
