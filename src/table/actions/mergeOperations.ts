import type { TableContext } from '../context.js';
import type { UpdateChanges } from './updateItem.js';

/**
 * What an unconditional `putOp` / `updateOp` / `deleteOp` was built from, remembered so that two
 * operations on one item can be merged into one (see {@link mergeOperations}). Operations with a
 * condition or an optimistic lock are not remembered: their effect depends on the item as it stands
 * between the two writes, which a merged write never sees.
 */
export type OperationSource =
  | { kind: 'update'; ctx: TableContext; pk: unknown; sk: unknown; changes: UpdateChanges }
  | { kind: 'put'; ctx: TableContext; pk: unknown; sk: unknown; item: Record<string, unknown> }
  | { kind: 'delete'; ctx: TableContext; pk: unknown; sk: unknown };

const sources = new WeakMap<object, OperationSource>();

export function rememberSource<T extends object>(operation: T, source: OperationSource): T {
  sources.set(operation, source);
  return operation;
}

export function sourceOf(operation: object): OperationSource | undefined {
  return sources.get(operation);
}

/** One attribute's change within an update: the value it is set to, a number added, or removed. */
type Change = { set: unknown } | { add: number } | { remove: true };

/**
 * The one write whose effect on the item equals `earlier` followed by `later` (both on the same item,
 * both unconditional), or undefined when no such write can be built exactly:
 *
 * - a put or delete after anything: the later write alone (it replaces the whole item);
 * - an update after a put or delete: a put of the earlier item (or of nothing) with the update applied;
 * - two updates: per attribute, the later `set` / `remove` wins; `add` after `add` adds the sums,
 *   `add` after `set` or `remove` sets the result.
 *
 * Numbers are merged only when they are safe integers and so is the sum: DynamoDB adds decimals
 * exactly, JavaScript does not (0.1 + 0.2), so a fraction is never summed here. Set-typed `add`s are
 * not merged either. Whatever is not merged is written as it was given, by the caller's choice (two
 * writes). Cost: the merged write is one request and its write units instead of two.
 */
export function mergeSources(earlier: OperationSource, later: OperationSource): OperationSource | undefined {
  if (later.kind === 'put' || later.kind === 'delete') return later;
  if (earlier.kind === 'put' || earlier.kind === 'delete') {
    const item = applyChanges(earlier.kind === 'put' ? earlier.item : {}, later.changes);
    return item && { kind: 'put', ctx: later.ctx, pk: later.pk, sk: later.sk, item };
  }
  const changes = new Map<string, Change>(changesOf(earlier.changes));
  for (const [name, change] of changesOf(later.changes)) {
    const before = changes.get(name);
    if (!('add' in change) || before === undefined) {
      changes.set(name, change);
      continue;
    }
    if (typeof change.add !== 'number' || !Number.isSafeInteger(change.add)) return undefined;
    if ('remove' in before) changes.set(name, { set: change.add });
    else if ('add' in before) {
      const sum = before.add + change.add;
      if (!Number.isSafeInteger(sum)) return undefined;
      changes.set(name, { add: sum });
    } else {
      if (typeof before.set !== 'number' || !Number.isSafeInteger(before.set)) return undefined;
      const sum = before.set + change.add;
      if (!Number.isSafeInteger(sum)) return undefined;
      changes.set(name, { set: sum });
    }
  }
  for (const change of changes.values()) {
    if ('add' in change && !Number.isSafeInteger(change.add)) return undefined;
  }
  const set: Record<string, unknown> = {};
  const add: Record<string, number> = {};
  const remove: string[] = [];
  for (const [name, change] of changes) {
    if ('set' in change) set[name] = change.set;
    else if ('add' in change) add[name] = change.add;
    else remove.push(name);
  }
  return { kind: 'update', ctx: later.ctx, pk: later.pk, sk: later.sk, changes: { set, add, remove } };
}

function* changesOf(changes: UpdateChanges): Iterable<[string, Change]> {
  const set: [string, unknown][] = Object.entries(changes.set ?? {});
  for (const [name, value] of set) {
    if (value !== undefined) yield [name, { set: value }];
  }
  for (const [name, value] of Object.entries(changes.add ?? {})) yield [name, { add: value as number }];
  for (const name of changes.remove ?? []) yield [name, { remove: true }];
}

/** `item` with `changes` applied as DynamoDB would, or undefined when a sum cannot be made exactly. */
function applyChanges(
  item: Record<string, unknown>,
  changes: UpdateChanges,
): Record<string, unknown> | undefined {
  const result: Record<string, unknown> = { ...item };
  for (const [name, change] of changesOf(changes)) {
    if ('set' in change) result[name] = change.set;
    else if ('remove' in change) delete result[name];
    else {
      const current = result[name] ?? 0;
      if (typeof current !== 'number' || typeof change.add !== 'number') return undefined;
      const sum = current + change.add;
      if (!Number.isSafeInteger(current) || !Number.isSafeInteger(sum)) return undefined;
      result[name] = sum;
    }
  }
  return result;
}
