import { createHash } from 'node:crypto';

/**
 * A digest of what an event says (type, data, metadata), stored beside events whose ids the caller
 * gave. A re-sent append is recognised by its ids; the digest proves the re-send says the same thing, so
 * "same id, other data" is an IdempotencyError instead of a success that drops the new data. Comparing
 * 22 characters is cheaper than reading back and comparing whole payloads, and costs about 30 bytes per
 * item (under 0.03 WCU). Events without caller-given ids carry no digest: nobody can re-send them.
 *
 * The JSON is canonical (object keys sorted), so `{ a, b }` and `{ b, a }` digest alike.
 */
export function eventDigest(type: string, data: unknown, metadata: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([type, data ?? null, metadata ?? null]))
    .digest('base64url')
    .slice(0, 22); // 132 bits: collisions are out of reach for a check of one id's payload
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Set) return `{"$set":${canonicalJson([...value].sort())}}`;
  if (ArrayBuffer.isView(value))
    return `{"$bytes":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}
