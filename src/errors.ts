/**
 * The error catalogue. Everything dynago throws extends {@link DynagoError}; each error has a dotted
 * `code` (grouped by range: `validation.*`, `condition.*`, `transaction.*`, `batch.*`, `cursor.*`,
 * `table.*`, `events.*`, `dynamodb.*`, `testing.*`), keeps the SDK's exception as `cause`, and says
 * what the caller may do next with two flags that never both hold:
 *
 * - `retryable`: sending the very same request again, later, may succeed (throttling, a network
 *   fault, a transaction that kept meeting another one). Nothing about the caller's decision changes.
 * - `reloadable`: the request was refused because the stored state is not the one the caller decided
 *   on (another writer was first). Sending it again would fail the same way: read the current state,
 *   decide again, and send a new request.
 *
 * | error                           | retryable | reloadable |
 * | ------------------------------- | --------- | ---------- |
 * | `DynamoDBUnavailableError`      | yes       | no         |
 * | `DynamoDBTimeoutError`          | yes       | no         |
 * | `BatchIncompleteError`          | yes       | no         |
 * | `TransactionConflictError`      | yes       | no         |
 * | `DynamoDBError`                 | on a server fault | no |
 * | `OptimisticLockError`           | no        | yes        |
 * | `ConcurrencyError`              | no        | yes        |
 * | every other error               | no        | no         |
 *
 * A plain `ConditionFailedError` or a `TransactionCanceledError` is not `reloadable`: the condition is
 * the caller's own, and only the caller knows whether it is a version check (reload) or a rule that
 * will keep failing (say, a unique name).
 *
 * `testing.noDynamoDB` is thrown by `dynago/testing` (its `NoDynamoDBError` lives there, not here).
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
  | 'validation.itemCollectionSizeLimit'
  | 'validation.keySchema'
  | 'condition.failed'
  | 'condition.optimisticLock'
  | 'transaction.canceled'
  | 'transaction.conflict'
  | 'transaction.limit'
  | 'batch.incomplete'
  | 'cursor.invalid'
  | 'table.notFound'
  | 'table.exists'
  | 'events.concurrency'
  | 'events.streamCorrupted'
  | 'events.idempotency'
  | 'events.upcast'
  | 'events.streamDeleted'
  | 'dynamodb.unavailable'
  | 'dynamodb.error'
  | 'dynamodb.wrongEndpoint'
  | 'testing.noDynamoDB';

/** What every error constructor accepts besides its message. Both flags default to false. */
export interface DynagoErrorOptions {
  cause?: unknown;
  /** See {@link DynagoError.retryable}. */
  retryable?: boolean;
  /** See {@link DynagoError.reloadable}. */
  reloadable?: boolean;
}

/** The base of every error dynago throws; see the module comment for the two flags. */
export class DynagoError extends Error {
  readonly code: DynagoErrorCode;
  /**
   * True when sending the same request again, later, may succeed (throttling, a network fault, a
   * transaction conflict): retry it as it is, with backoff. Never true together with `reloadable`.
   */
  readonly retryable: boolean;
  /**
   * True when the stored state is not the one the caller decided on (someone else wrote first): the
   * same request would fail again. Reload, decide again, send a new request.
   */
  readonly reloadable: boolean;

  constructor(code: DynagoErrorCode, message: string, options: DynagoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    // One flag at most: an error that is both would send a retry loop and a reload loop after it at once.
    this.reloadable = !this.retryable && (options.reloadable ?? false);
  }

  /** Type guard: `err` is a dynago error, optionally with a code that starts with `codePrefix`. */
  static is(err: unknown, codePrefix?: DynagoErrorCode | `${string}.`): err is DynagoError {
    return err instanceof DynagoError && (codePrefix === undefined || err.code.startsWith(codePrefix));
  }
}

/** Bad input: the message names the parameter or attribute and what to do. Nothing was sent. */
export class ValidationError extends DynagoError {
  constructor(
    message: string,
    options: DynagoErrorOptions & { code?: 'validation.invalidInput' | 'validation.keySchema' } = {},
  ) {
    super(options.code ?? 'validation.invalidInput', message, options);
  }
}

/** A key attribute of a table as DynamoDB declares it: its name and type (`S`, `N` or `B`). */
export interface KeyAttribute {
  name: string;
  type: string;
}

/** A table's key as DynamoDB has it (from DescribeTable). */
export interface TableKeySchema {
  partitionKey: KeyAttribute;
  /** Undefined for a table with only a partition key. */
  sortKey?: KeyAttribute;
}

/**
 * The table's key is not what the caller assumed: the `Table` was configured with other key names
 * (`partitionKeyName`, `sortKeyName`), a key value had another type than the table declares, a store
 * needs other key types (an `EventStore` needs a numeric sort key), or `createTable({ ifNotExists: true })`
 * found the table with another key. `actual` is the table's key (one DescribeTable, sent only on this
 * failure path); the message names both sides. A {@link ValidationError} with code `validation.keySchema`.
 */
export class KeySchemaError extends ValidationError {
  constructor(
    message: string,
    readonly tableName: string,
    readonly actual: TableKeySchema,
    options: DynagoErrorOptions = {},
  ) {
    super(message, { ...options, code: 'validation.keySchema' });
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
      { reloadable: true, ...options, code: 'condition.optimisticLock' },
    );
  }
}

/** Why one operation of a cancelled transaction failed; `code` is DynamoDB's (`None` when it did not). */
export interface CancellationReason {
  code: string;
  message?: string;
  item?: Record<string, unknown>;
}

/** `#1: ConditionalCheckFailed (message), #3: …` for the operations that did fail. */
function describeReasons(reasons: CancellationReason[]): string {
  const failed = reasons
    .map((reason, index) => ({ reason, index }))
    .filter(({ reason }) => reason.code !== 'None')
    .map(({ reason, index }) => `#${index}: ${reason.code}${reason.message ? ` (${reason.message})` : ''}`);
  return failed.join(', ') || 'none reported';
}

/**
 * DynamoDB cancelled the transaction because a condition did not hold (`ConditionalCheckFailed`), or
 * for a reason dynago has no better error for: nothing was written. `reasons[i]` belongs to operation
 * `i`. Throttling, `TransactionConflict`, `ValidationError` and `ItemCollectionSizeLimitExceeded`
 * cancellations have errors of their own (see `transactWrite`).
 */
export class TransactionCanceledError extends DynagoError {
  constructor(
    readonly reasons: CancellationReason[],
    options: DynagoErrorOptions = {},
  ) {
    super(
      'transaction.canceled',
      `Transaction cancelled, nothing was written. Failed operations: ${describeReasons(reasons)}.`,
      options,
    );
  }
}

/**
 * The transaction kept being cancelled because another transaction held one of its items
 * (`TransactionConflict`), through every re-send of `transactionRetry` (same `ClientRequestToken`).
 * Nothing was written; `retryable`: the same transaction may go through later. Not a failed condition.
 */
export class TransactionConflictError extends DynagoError {
  constructor(
    readonly reasons: CancellationReason[],
    /** How many times the transaction was sent. */
    readonly attempts: number,
    options: DynagoErrorOptions = {},
  ) {
    super(
      'transaction.conflict',
      `Transaction cancelled ${attempts === 1 ? 'once' : `${attempts} times`} by concurrent transactions on the same items; nothing was written. ` +
        `Conflicting operations: ${describeReasons(reasons)}. Sending it again later may succeed.`,
      { retryable: true, ...options },
    );
  }
}

/**
 * DynamoDB refused one operation of a transaction as invalid (cancellation reason `ValidationError`,
 * for example an update that adds to an attribute of the wrong type). Nothing was written. A
 * {@link ValidationError} (same code), with the transaction's `reasons`.
 */
export class TransactionValidationError extends ValidationError {
  constructor(
    readonly reasons: CancellationReason[],
    options: DynagoErrorOptions = {},
  ) {
    super(
      `Transaction cancelled: DynamoDB found an operation invalid, nothing was written. Failed operations: ${describeReasons(reasons)}.`,
      options,
    );
  }
}

/**
 * An item collection (the items sharing a partition key, in a table with a local secondary index)
 * would exceed DynamoDB's 10 GB limit. Nothing was written; sending it again fails the same way until
 * items of that partition are deleted. From a transaction (`reasons` set) or a single write.
 */
export class ItemCollectionSizeLimitError extends DynagoError {
  constructor(
    message: string,
    readonly reasons: CancellationReason[] | undefined,
    options: DynagoErrorOptions = {},
  ) {
    super('validation.itemCollectionSizeLimit', message, options);
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

/**
 * `createTable` found the table already there (DynamoDB's ResourceInUseException). Call
 * `createTable({ ifNotExists: true })` to accept an existing table whose key matches.
 */
export class TableExistsError extends DynagoError {
  constructor(
    readonly tableName: string,
    options: DynagoErrorOptions = {},
  ) {
    super(
      'table.exists',
      `Table "${tableName}" already exists. Call createTable({ ifNotExists: true }) to accept an existing table ` +
        '(its key schema is checked), or deleteTable() first to start from an empty one.',
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

/**
 * No answer in time: `option` names the timeout that ran out (`timeouts.totalMs`, the deadline of one
 * request with the SDK's retries; `timeouts.requestMs`, one attempt; `timeouts.connectMs`, connecting),
 * `timeoutMs` its value. A {@link DynamoDBUnavailableError} (`retryable`): the request may or may not
 * have been applied.
 */
export class DynamoDBTimeoutError extends DynamoDBUnavailableError {
  constructor(
    message: string,
    readonly option: 'timeouts.totalMs' | 'timeouts.requestMs' | 'timeouts.connectMs',
    readonly timeoutMs: number | undefined,
    options: DynagoErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * Something answered at the endpoint, but not DynamoDB: an HTTP response without DynamoDB's request id
 * whose body is not a DynamoDB answer (a web page, another service, a wrong port). Not `retryable`:
 * fix `endpoint.url`. `endpoint` is the URL the table was given (undefined with your own `client`).
 */
export class WrongEndpointError extends DynagoError {
  constructor(
    message: string,
    readonly endpoint: string | undefined,
    readonly httpStatusCode: number | undefined,
    options: DynagoErrorOptions = {},
  ) {
    super('dynamodb.wrongEndpoint', message, options);
  }
}

/** Any other error DynamoDB returned; the SDK's exception is `cause`. */
export class DynamoDBError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('dynamodb.error', message, options);
  }
}

/**
 * The expected version of a stream did not match: another writer appended first. Nothing was written.
 * `reloadable`, not `retryable`: the same append would meet the same version again; load the stream,
 * decide again, and append with the new expected version.
 */
export class ConcurrencyError extends DynagoError {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'any',
    readonly actualVersion: number | undefined,
    options: DynagoErrorOptions = {},
  ) {
    super('events.concurrency', concurrencyMessage(streamId, expectedVersion, actualVersion), {
      reloadable: true,
      ...options,
    });
  }
}

function concurrencyMessage(
  streamId: string,
  expectedVersion: number | 'any',
  actualVersion: number | undefined,
): string {
  const now = actualVersion === undefined ? '' : ` (it is at version ${actualVersion})`;
  if (expectedVersion === 'any') {
    // 'any' has no version to add 1 to: it fails only when other writers kept taking the next version.
    return (
      `Stream "${streamId}": an append with expectedVersion 'any' kept finding the next version taken by other writers${now}. ` +
      'Nothing was written; try again later.'
    );
  }
  const actual =
    actualVersion === undefined
      ? `version ${expectedVersion + 1} is already taken`
      : `it is at version ${actualVersion}`;
  return `Stream "${streamId}" was expected at version ${expectedVersion}, but ${actual}. Reload the stream and decide again.`;
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

/** One problem a Standard Schema validator found: its message, and where in `data` (empty: `data` itself). */
export interface SchemaIssue {
  message: string;
  path: (string | number | symbol)[];
}

/**
 * An event's data refused by its type's schema (`defineEvent(type, { schema })`). The message names the
 * event type, the stream, the event's place in the append and the field; `issues` holds every problem.
 * Nothing was written.
 */
export class EventValidationError extends ValidationError {
  readonly issues: SchemaIssue[];

  constructor(
    readonly eventType: string,
    readonly streamId: string,
    readonly index: number,
    issues: readonly {
      message: string;
      path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
    }[],
  ) {
    const list = issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((segment) =>
        typeof segment === 'object' && segment !== null ? segment.key : segment,
      ),
    }));
    const described = list
      .slice(0, 3)
      .map((issue) => `${['data', ...issue.path.map(String)].join('.')}: ${issue.message}`)
      .join('; ');
    super(
      `Event "${eventType}" (events[${index}] of the append to "${streamId}") does not match its schema: ${described}${
        list.length > 3 ? `; and ${list.length - 3} more (see error.issues)` : ''
      }. Nothing was written.`,
    );
    this.issues = list;
  }
}

/**
 * A stored event that cannot be brought up to its type's current schema version: it was written by newer
 * code (a higher version than this code defines), or an upcaster threw (its error is the `cause`). The
 * read stops here rather than hand out data of the wrong shape.
 */
export class UpcastError extends DynagoError {
  readonly streamId: string;
  readonly version: number;
  readonly eventType: string;
  readonly schemaVersion: number;

  constructor(
    event: { streamId: string; version: number; type: string; schemaVersion: number },
    reason: string,
    cause?: unknown,
  ) {
    super(
      'events.upcast',
      `Event "${event.type}" at version ${event.version} of stream "${event.streamId}" cannot be read: ${reason}.`,
      cause === undefined ? {} : { cause },
    );
    this.streamId = event.streamId;
    this.version = event.version;
    this.eventType = event.type;
    this.schemaVersion = event.schemaVersion;
  }
}

/** Where a deleted stream went, as its tombstone says. */
export interface StreamDeletion {
  /** When the deletion began (epoch ms). */
  at: number;
  /** The table the stream was copied to before it was deleted (`EventStore.archive`). */
  archivedTo?: string;
}

/**
 * The stream was deleted (`EventStore.deleteStream`) or archived (`EventStore.archive`): it cannot be
 * read, and appending to it fails rather than silently starting a new stream at version 1. An archived
 * stream's message names the table it was copied to. Nothing was written.
 */
export class StreamDeletedError extends DynagoError {
  constructor(
    readonly streamId: string,
    readonly deletion: StreamDeletion | undefined,
  ) {
    super(
      'events.streamDeleted',
      `Stream "${streamId}" was ${deletion?.archivedTo !== undefined ? `archived to table "${deletion.archivedTo}" and deleted` : 'deleted'}${
        deletion?.at !== undefined ? ` (${new Date(deletion.at).toISOString()})` : ''
      }: it cannot be read or appended to. ${
        deletion?.archivedTo !== undefined
          ? `Read it from an EventStore on table "${deletion.archivedTo}".`
          : 'Use another stream id for new events.'
      }`,
    );
  }
}
