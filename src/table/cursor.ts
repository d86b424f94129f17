import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { InvalidCursorError } from '../errors.js';

/**
 * The one cursor codec. A cursor is DynamoDB's `LastEvaluatedKey` sealed with AES-256-GCM:
 * - opaque: key values are encrypted, not readable JSON;
 * - URL-safe: base64url, no padding;
 * - tamper-evident and bound to its query: the query's fingerprint (table, index, key condition,
 *   names, values, filter, sort order) is the authenticated data, so a cursor that was edited, cut
 *   short, or made by another query fails to open and throws {@link InvalidCursorError} before any
 *   request is sent. A cursor therefore cannot move a read to another partition, index or table.
 *
 * The key is derived from the table's `cursorSecret` option, or from the table name when none is
 * set. The default makes cursors work across processes and restarts and catches any edit, but anyone
 * who knows the table name and this scheme can open it: set `cursorSecret` when cursors are handed to
 * untrusted clients and key values must stay private.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string | Uint8Array) {
    this.key = createHash('sha256').update('dynago.cursor.v1\u0000').update(secret).digest();
  }

  encode(lastKey: Record<string, unknown>, fingerprint: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(fingerprint));
    const body = Buffer.concat([cipher.update(JSON.stringify(toJson(lastKey))), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  decode(cursor: unknown, fingerprint: string): Record<string, unknown> {
    if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{30,}$/.test(cursor)) {
      throw invalid('it is not a cursor string this library produced');
    }
    const raw = Buffer.from(cursor, 'base64url');
    // base64url decoding ignores unused trailing bits: only the canonical spelling is the cursor we made
    if (raw.length < 30 || raw[0] !== 1 || raw.toString('base64url') !== cursor)
      throw invalid('it is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(1, 13));
      decipher.setAAD(Buffer.from(fingerprint));
      decipher.setAuthTag(raw.subarray(13, 29));
      const text = Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
      return fromJson(JSON.parse(text)) as Record<string, unknown>;
    } catch {
      throw invalid(
        'it was edited, or it belongs to another query (table, index, key condition, values or order)',
      );
    }
  }
}

/** A stable text form of a query's parameters: the same query gives the same fingerprint. */
export function fingerprint(parts: unknown[]): string {
  return JSON.stringify(toJson(parts));
}

function invalid(why: string): InvalidCursorError {
  return new InvalidCursorError(
    `Invalid cursor: ${why}. Pass back the cursor exactly as returned, to the same query, or start without one.`,
  );
}

/** JSON with sorted keys and tagged binary and sets, so equal values give equal text. */
function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $b: Buffer.from(value).toString('base64') };
  if (value instanceof Set) return { $set: [...value].map(toJson).sort() };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, toJson((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$b === 'string') return new Uint8Array(Buffer.from(record.$b, 'base64'));
    return Object.fromEntries(Object.entries(record).map(([key, element]) => [key, fromJson(element)]));
  }
  return value;
}
