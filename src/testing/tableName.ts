import { randomBytes } from 'node:crypto';

/**
 * A fresh, random DynamoDB table name, so that tests never share (or trip over) a table: the prefix, the
 * current time in base 36 and 8 random hex characters, e.g. `test-m3x1q2ab-9f31c2d0`. Characters the
 * prefix may not contain (DynamoDB allows `a-z A-Z 0-9 _ - .`) become `-`; the name is at most 255 long.
 *
 * @example
 * ```ts
 * import { createTestTableName } from 'dynago/testing';
 *
 * const tableName = createTestTableName('orders'); // 'orders-m3x1q2ab-9f31c2d0'
 * ```
 */
export function createTestTableName(prefix = 'test'): string {
  const safePrefix = prefix.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 200) || 'test';
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
