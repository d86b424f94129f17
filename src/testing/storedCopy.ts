/**
 * A copy of checked item data as DynamoDB hands it back after storing it: plain objects without their
 * `undefined` properties, arrays, sets and Uint8Array copied, primitives as they are. The in-memory stores
 * keep and return such copies, so that a caller who mutates what it appended, or what it read, changes
 * nothing stored: the same as with DynamoDB. Only for data the stores' item check has accepted (no
 * functions, class instances, cycles …).
 */
export function storedCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (value instanceof Set) return new Set([...value].map(storedCopy)) as T;
  if (Array.isArray(value)) return value.map(storedCopy) as T;
  const copy: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    if (inner !== undefined) copy[name] = storedCopy(inner);
  }
  return copy as T;
}
