import { ConditionFailedError, OptimisticLockError, ValidationError } from '../../errors.js';
import type { TableContext } from '../context.js';
import { and, type Condition, ExpressionBuilder } from '../expression.js';

/**
 * Optimistic locking on a version attribute: a write succeeds only when the stored value is `current`
 * (or, with `current` 0 or undefined, only when the item does not exist yet), and it stores `current + 1`.
 *
 * A lost response is the one case a lock cannot tell apart: if the SDK re-sends a locked write whose
 * first attempt landed, the re-send meets your own write and throws OptimisticLockError. Comparing
 * `error.item` with what you wrote is not proof (another writer from the same version may have written
 * the same values); to make such writes recognisable, store a unique write id in the item and compare it.
 * The event store and snapshot store do exactly that.
 */
export interface OptimisticLock {
  attribute: string;
  current: number | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  condition?: Condition;
  optimisticLock?: OptimisticLock;
}

/** The lock's expected value, validated: a non-negative integer (undefined counts as 0). */
export function lockExpected(ctx: TableContext, lock: OptimisticLock): number {
  if (typeof lock.attribute !== 'string' || lock.attribute === '') {
    throw new ValidationError(
      'optimisticLock.attribute must name the version attribute, for example "version".',
    );
  }
  if (lock.attribute === ctx.partitionKeyName || lock.attribute === ctx.sortKeyName) {
    throw new ValidationError(`optimisticLock.attribute cannot be the key attribute "${lock.attribute}".`);
  }
  const current = lock.current ?? 0;
  if (!Number.isSafeInteger(current) || current < 0) {
    throw new ValidationError(
      `optimisticLock.current must be a non-negative integer (0 or undefined for a new item), got ${String(lock.current)}.`,
    );
  }
  return current;
}

/**
 * The condition of a write: the caller's condition AND the lock's, with the caller's placeholders
 * added first so the library's own never collide with them.
 */
export function writeCondition(
  ctx: TableContext,
  builder: ExpressionBuilder,
  options: WriteOptions,
  what: string,
): string | undefined {
  const caller = options.condition
    ? builder.addCaller(
        options.condition.expression,
        options.condition.names,
        options.condition.values,
        `${what} condition`,
      )
    : undefined;
  let lock: string | undefined;
  if (options.optimisticLock) {
    const current = lockExpected(ctx, options.optimisticLock);
    lock =
      current === 0
        ? `attribute_not_exists(${builder.name(ctx.partitionKeyName)})`
        : `${builder.name(options.optimisticLock.attribute)} = ${builder.value(current)}`;
  }
  return and(caller, lock);
}

/** Everything a conditional write request needs, built once. */
export function conditionalParts(
  ctx: TableContext,
  options: WriteOptions,
  what: string,
  builder = new ExpressionBuilder(),
) {
  const condition = writeCondition(ctx, builder, options, what);
  return {
    builder,
    condition,
    request: condition
      ? { ConditionExpression: condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }
      : {},
  };
}

/**
 * A failed condition becomes an {@link OptimisticLockError} when the stored item shows the lock was
 * what failed, and stays a {@link ConditionFailedError} when the caller's own condition failed.
 */
export function explainConditionFailure(err: unknown, lock: OptimisticLock | undefined): unknown {
  if (!(err instanceof ConditionFailedError) || lock === undefined) return err;
  const current = lock.current ?? 0;
  const stored = err.item;
  const lockFailed =
    current === 0 ? stored !== undefined : stored === undefined || stored[lock.attribute] !== current;
  return lockFailed ? new OptimisticLockError(lock.attribute, current, stored, { cause: err.cause }) : err;
}
