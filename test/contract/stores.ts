/**
 * What the contract suite runs against: the public API both event stores (and both snapshot stores)
 * share. `InMemoryEventStore` must fit `Pick<EventStore, …>`: a method it lacks, or one with another
 * signature, fails to compile here.
 */
import { randomBytes } from 'node:crypto';
import type { EventDefinition, EventStore, SnapshotStore, SnapshotStoreOptions } from '../../src/index.js';

export type ContractEventStore = Pick<
  EventStore,
  'append' | 'appendMany' | 'read' | 'readPage' | 'readAll' | 'readAllSegments' | 'version' | 'head' | 'tail'
>;

export type ContractSnapshotStore<State> = Pick<SnapshotStore<State>, 'save' | 'load' | 'fromItem'>;

/** Schema version and hooks of a snapshot store (`SnapshotStoreOptions` without the table). */
export type SnapshotShape<State> = Omit<SnapshotStoreOptions<State>, 'table'>;

/** An event store and a way to make snapshot stores paired with it (sharing its storage). */
export interface ContractStores {
  events: ContractEventStore;
  snapshots<State>(shape?: SnapshotShape<State>): ContractSnapshotStore<State>;
  /** Another event store on the same storage, with these event definitions. */
  eventsWith(definitions: readonly EventDefinition[]): ContractEventStore;
}

/** Makes stores on fresh, empty storage (a new table; a new in-memory store). */
export type MakeStores = () => Promise<ContractStores>;

/** What each part of the suite gets. */
export interface ContractContext {
  /** Stores on storage the whole suite shares: tests keep apart by stream ids of their own. */
  shared(): ContractStores;
  /** Stores on fresh, empty storage, for reads of everything. */
  fresh: MakeStores;
}

/** A stream id no other test uses: `<category>-<8 hex>`. */
export function uniqueId(category: string): string {
  return `${category}-${randomBytes(4).toString('hex')}`;
}

/** A category no other test uses. */
export function uniqueCategory(label: string): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

/** `[{ type, data: { n } }, …]` for n = 1..count. */
export function numbered(count: number, type = 'Counted'): { type: string; data: { n: number } }[] {
  return Array.from({ length: count }, (_, index) => ({ type, data: { n: index + 1 } }));
}

/** from..to, either way. */
export function range(from: number, to: number): number[] {
  const step = from <= to ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, index) => from + index * step);
}

/** The versions of some events, in the order given. */
export function versionsOf(events: { version: number }[]): number[] {
  return events.map((event) => event.version);
}
