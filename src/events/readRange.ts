import { ValidationError } from '../errors.js';
import { MAX_EVENT_VERSION } from '../internal/layout.js';
import { checkId, checkVersionBound } from '../internal/validate.js';
import type { ReadAllOptions, ReadOptions } from './types.js';

/**
 * Version windows in flight in a long forward read. On AWS one partition serves up to 3 000 RCU/s: about
 * 12 MB/s of strongly consistent reads (24 MB/s eventually consistent), so a single stream's read is
 * bounded there whatever the parallelism; 4 windows of about 1 MB reach it from one client.
 */
export const DEFAULT_PARALLEL = 4;

/** Scan segments of `readAll` when none are given. */
export const DEFAULT_SEGMENTS = 4;

/** A read of one stream, its options checked: versions `from` … `to`, in one direction, at most `limit`. */
export interface ReadRange {
  streamId: string;
  from: number;
  to: number;
  forward: boolean;
  limit: number | undefined;
}

/**
 * The stream id and the `from` / `to` / `direction` / `limit` of a read, checked (ValidationError naming
 * the option): every event store reads with the same rules.
 */
export function checkReadRange(streamId: string, options: ReadOptions): ReadRange {
  checkId(streamId, 'streamId');
  const from = checkVersionBound(options.from, 'from') ?? 1;
  // never above the last event version: the snapshot item lives above it
  const to = Math.min(checkVersionBound(options.to, 'to') ?? MAX_EVENT_VERSION, MAX_EVENT_VERSION);
  if (from > to) throw new ValidationError(`read: from (${from}) is after to (${to}).`);
  if (
    options.direction !== undefined &&
    options.direction !== 'forward' &&
    options.direction !== 'backward'
  ) {
    throw new ValidationError(
      `read: direction must be 'forward' or 'backward', got ${String(options.direction)}.`,
    );
  }
  const limit = options.limit === undefined ? undefined : checkVersionBound(options.limit, 'limit');
  return { streamId, from, to, forward: options.direction !== 'backward', limit };
}

/** `ReadOptions.parallel`, checked: a whole number from 1 to 64, default {@link DEFAULT_PARALLEL}. */
export function checkParallel(value: ReadOptions['parallel']): number {
  const parallel = value ?? DEFAULT_PARALLEL;
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > 64) {
    throw new ValidationError(`read: parallel must be a whole number from 1 to 64, got ${String(parallel)}.`);
  }
  return parallel;
}

/** `ReadAllOptions.segments`, checked: a whole number from 1, default {@link DEFAULT_SEGMENTS}. */
export function checkSegments(value: ReadAllOptions['segments']): number {
  const segments = value ?? DEFAULT_SEGMENTS;
  if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
    throw new ValidationError(`readAll: segments must be a whole number from 1, got ${String(segments)}.`);
  }
  return segments;
}
