/**
 * A small aggregate for the repository tests: a counter that records every command applied to it, so
 * a test can tell "applied exactly once" from "applied twice" or "lost", and which events a load folded.
 */
import type { StoredOf } from '../../src/index.js';

export type CounterEvent =
  | { type: 'Added'; data: { amount: number; command: string } }
  | { type: 'Reset'; data: { command: string } };

export interface Counter {
  total: number;
  /** Command ids in the order their events were applied. */
  applied: string[];
  /** Versions of the events folded into this state by the reducer (not by a snapshot). */
  folded: number[];
}

export const initialCounter = (): Counter => ({ total: 0, applied: [], folded: [] });

/** Mutates and returns the state: initialState must hand out a fresh one on every load. */
export function reduceCounter(state: Counter, event: StoredOf<CounterEvent>): Counter {
  if (event.type === 'Added') state.total += event.data.amount;
  else state.total = 0;
  state.applied.push(event.data.command);
  state.folded.push(event.version);
  return state;
}

/** `count` Added events of amount 1 for command `command`. */
export function added(command: string, count = 1, amount = 1): CounterEvent[] {
  return Array.from({ length: count }, () => ({ type: 'Added', data: { amount, command } }));
}

/** The stream of counter `id` (the repositories in these tests use the category `counter`). */
export function counterStream(id: string): string {
  return `counter-${id}`;
}
