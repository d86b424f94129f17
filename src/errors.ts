/**
 * The error catalogue. Everything dynago throws extends {@link DynagoError}; each error has a dotted
 * `code` (grouped by range: `validation.*`, `condition.*`, `transaction.*`, `batch.*`, `cursor.*`,
 * `table.*`, `events.*`, `dynamodb.*`, `testing.*`), keeps the SDK's exception as `cause`, and says
 * whether sending the same request again may succeed (`retryable`).
 *
 * @example
 * ```ts
 * try {
 *   await table.putItem('account#1', 'account#1', account, { optimisticLock: { attribute: 'version', current: 3 } });
 * } catch (err) {
 *   if (DynagoError.is(err, 'condition.optimisticLock')) {
 *     // reload err.item and try again
 *   }
 * }
 * ```
 */

export type DynagoErrorCode =
  | 'validation.invalidInput'
  | 'validation.itemTooLarge'
  | 'condition.failed'
  | 'condition.optimisticLock'
  | 'transaction.canceled'
  | 'transaction.limit'
  | 'batch.incomplete'
  | 'cursor.invalid'
  | 'table.notFound'
  | 'events.concurrency'
  | 'events.streamCorrupted'
  | 'events.idempotency'
  | 'dynamodb.unavailable'
  | 'dynamodb.error'
  | 'testing.noDynamoDB';

export interface DynagoErrorOptions {
  cause?: unknown;
  retryable?: boolean;
}

export class DynagoError extends Error {
  readonly code: DynagoErrorCode;
  /** True when sending the same request again, later, may succeed (throttling, a network fault). */
  readonly retryable: boolean;

  constructor(code: DynagoErrorCode, message: string, options: DynagoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** Type guard: `err` is a dynago error, optionally with a code that starts with `codePrefix`. */
  static is(err: unknown, codePrefix?: DynagoErrorCode | `${string}.`): err is DynagoError {
    return err instanceof DynagoError && (codePrefix === undefined || err.code.startsWith(codePrefix));
  }
}

/** Bad input: the message names the parameter or attribute and what to do. Nothing was sent. */
export class ValidationError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('validation.invalidInput', message, options);
  }
}

/** The item would exceed DynamoDB's 400 KB item limit. Nothing was written. */
export class ItemTooLargeError extends DynagoError {
  constructor(
    message: string,
    readonly sizeBytes: number | undefined,
    options: DynagoErrorOptions = {},
  ) {
    super('validation.itemTooLarge', message, options);
  }
}

/** A write's condition did not hold. `item` is the stored item (unmarshalled), when there is one. */
export class ConditionFailedError<T = Record<string, unknown>> extends DynagoError {
  readonly item: T | undefined;

  constructor(
    message: string,
    item: T | undefined,
    options: DynagoErrorOptions & { code?: 'condition.failed' | 'condition.optimisticLock' } = {},
  ) {
    super(options.code ?? 'condition.failed', message, options);
    this.item = item;
  }
}

/** The stored lock attribute was not the expected one: someone else wrote first. `item` is what they wrote. */
export class OptimisticLockError<T = Record<string, unknown>> extends ConditionFailedError<T> {
  constructor(
    readonly attribute: string,
    readonly expected: number,
    item: T | undefined,
    options: DynagoErrorOptions = {},
  ) {
    const stored = item === undefined ? undefined : (item as Record<string, unknown>)[attribute];
    const found =
      item === undefined ? 'the item does not exist' : `the stored ${attribute} is ${JSON.stringify(stored)}`;
    super(
      `Optimistic lock on "${attribute}" failed: expected ${expected === 0 ? 'no item' : expected}, but ${found}. ` +
        'Reload the item (it is on error.item) and retry.',
      item,
      { ...options, code: 'condition.optimisticLock' },
    );
  }
}

/** Why one operation of a cancelled transaction failed; `code` is DynamoDB's (`None` when it did not). */
export interface CancellationReason {
  code: string;
  message?: string;
  item?: Record<string, unknown>;
}

/** DynamoDB cancelled the transaction: nothing was written. `reasons[i]` belongs to operation `i`. */
export class TransactionCanceledError extends DynagoError {
  constructor(
    readonly reasons: CancellationReason[],
    options: DynagoErrorOptions = {},
  ) {
    const failed = reasons
      .map((reason, index) => ({ reason, index }))
      .filter(({ reason }) => reason.code !== 'None')
      .map(({ reason, index }) => `#${index}: ${reason.code}${reason.message ? ` (${reason.message})` : ''}`);
    super(
      'transaction.canceled',
      `Transaction cancelled, nothing was written. Failed operations: ${failed.join(', ') || 'none reported'}.`,
      options,
    );
  }
}

/** More operations than DynamoDB accepts in one transaction (100). Nothing was sent. */
export class TransactionLimitError extends DynagoError {
  constructor(message: string) {
    super('transaction.limit', message);
  }
}

/**
 * A batch read or write did not do all of its work, and says exactly what was left undone. Nothing is
 * dropped silently.
 *
 * - Batch get: keys still unprocessed after every retry; `unprocessed` lists them, `written` is undefined.
 * - Batch write/delete: some writes were made and others not, because DynamoDB kept leaving items
 *   unprocessed (throttling) or because a request failed (then `cause` is that request's error, and the
 *   writes not yet sent were never sent). `written` counts the writes made, `unprocessed` lists the
 *   items (puts) or keys (deletes) not written. A write whose request failed counts as not written, even
 *   though DynamoDB may have applied it before the response was lost: sending it again is safe (puts and
 *   deletes by key are idempotent), assuming it is not a stale value by then.
 */
export class BatchIncompleteError extends DynagoError {
  /** Batch write/delete: how many of the writes were made. Undefined for a batch get. */
  readonly written: number | undefined;

  constructor(
    message: string,
    /** Keys never read (batch get) or items/keys never written (batch write/delete). */
    readonly unprocessed: Record<string, unknown>[],
    options: DynagoErrorOptions & { written?: number } = {},
  ) {
    const { written, ...rest } = options;
    super('batch.incomplete', message, { retryable: true, ...rest });
    this.written = written;
  }

  /** Items/keys never written (batch write/delete); the same list as {@link unprocessed}. */
  get notWritten(): Record<string, unknown>[] {
    return this.unprocessed;
  }
}

/** A paging cursor that is malformed, edited, or belongs to another query. Nothing was sent. */
export class InvalidCursorError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('cursor.invalid', message, options);
  }
}

/** The table does not exist (or is not reachable with these credentials in this region). */
export class TableNotFoundError extends DynagoError {
  constructor(
    readonly tableName: string,
    options: DynagoErrorOptions = {},
  ) {
    super(
      'table.notFound',
      `Table "${tableName}" does not exist. Create it (table.createTable()) or check the table name, region and endpoint.`,
      options,
    );
  }
}

/** DynamoDB could not be reached or kept throttling after the SDK's retries. Safe to retry later. */
export class DynamoDBUnavailableError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('dynamodb.unavailable', message, { retryable: true, ...options });
  }
}

/** Any other error DynamoDB returned; the SDK's exception is `cause`. */
export class DynamoDBError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('dynamodb.error', message, options);
  }
}

/** The expected version of a stream did not match: another writer appended first. */
export class ConcurrencyError extends DynagoError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'any',
    readonly actualVersion: number | undefined,
    options: DynagoErrorOptions = {},
  ) {
    const actual =
      actualVersion === undefined
        ? `version ${Number(expectedVersion) + 1} is already taken`
        : `it is at version ${actualVersion}`;
    super(
      'events.concurrency',
      `Stream "${streamId}" was expected at version ${expectedVersion}, but ${actual}. Reload the stream and decide again.`,
      { retryable: true, ...options },
    );
  }
}

/** A stream's versions are not gapless: an event is missing or out of place. Never skipped silently. */
export class StreamCorruptedError extends DynagoError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly foundVersion: number | undefined,
    message?: string,
  ) {
    super(
      'events.streamCorrupted',
      message ??
        `Stream "${streamId}" is corrupted: expected version ${expectedVersion}, found ${
          foundVersion === undefined ? 'the end of the stream' : `version ${foundVersion}`
        }. Events must be written only through EventStore.append.`,
    );
  }
}

/** `dynago/testing` found no DynamoDB to run against. The message lists the ways to get one. */
export class NoDynamoDBError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('testing.noDynamoDB', message, options);
  }
}

/**
 * An append re-sent with event ids that are already stored, but not as this append says: the stored
 * events differ in type, data or metadata, or only some of the ids are stored, or not in this order.
 * Nothing was written. Give each new event a new id; reuse ids only to re-send the same append.
 */
export class IdempotencyError extends DynagoError {
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    message: string,
  ) {
    super(
      'events.idempotency',
      `Append to "${streamId}" re-uses event id "${eventId}", but ${message}. Nothing was written. ` +
        'Re-send an append only whole and unchanged; give new events new ids.',
    );
  }
}
