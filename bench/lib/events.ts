/**
 * The events every workload writes and folds: one "Deposited" event of about 250 bytes, stored in
 * dynago's item layout or in Castore's, and the seeding of long streams with parallel batch writes.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Table } from '../../src/index.js';

export const EVENT_TYPE = 'Deposited';

export interface Deposit {
  amount: number;
  currency: string;
  reference: string;
  description: string;
}

/** The payload of the event at `version`: the same for both libraries. */
export function deposit(version: number): Deposit {
  return {
    amount: (version % 100) + 1,
    currency: 'EUR',
    reference: `invoice-${String(version).padStart(8, '0')}`,
    description: 'Monthly subscription renewal, plan Pro, billed annually, card',
  };
}

/** The item dynago's EventStore writes for this event (see src/events/codec.ts). */
export function dynagoEventItem(
  streamId: string,
  version: number,
  timestamp: number,
): Record<string, unknown> {
  return {
    pk: `event#${streamId}`,
    sk: version,
    id: uuidv7(),
    type: EVENT_TYPE,
    data: deposit(version),
    timestamp,
  };
}

/** The item Castore's single-table adapter writes for this event (its `getPushEventInput`). */
export function castoreEventItem(
  eventStoreId: string,
  aggregateId: string,
  version: number,
  timestamp: string,
): Record<string, unknown> {
  return {
    aggregateId: `${eventStoreId}#${aggregateId}`,
    version,
    type: EVENT_TYPE,
    timestamp,
    payload: deposit(version),
    ...(version === 1 ? { eventStoreId } : {}),
  };
}

/**
 * Writes items `makeItem(1)` … `makeItem(count)` with `table.batchWriteItems`, `parallel` calls at a time
 * (each sends 4 requests of 25 at a time), generating `chunk` items per call so memory stays small.
 */
export async function seed(
  table: Table,
  count: number,
  makeItem: (index: number) => Record<string, unknown>,
  options: { chunk?: number; parallel?: number } = {},
): Promise<void> {
  const chunk = options.chunk ?? 2_000;
  const parallel = options.parallel ?? 4;
  let next = 1;
  const worker = async () => {
    while (next <= count) {
      const from = next;
      const to = Math.min(count, from + chunk - 1);
      next = to + 1;
      const items: Record<string, unknown>[] = [];
      for (let index = from; index <= to; index++) items.push(makeItem(index));
      await table.batchWriteItems(items);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The state every replay folds into. */
export interface Balance {
  balance: number;
  events: number;
}

export const emptyBalance = (): Balance => ({ balance: 0, events: 0 });

/** The fold: a running balance. Mutates and returns `state` (as a fast hand-written fold would). */
export function addDeposit(state: Balance, amount: number): Balance {
  state.balance += amount;
  state.events++;
  return state;
}

let sink = 0;

/**
 * Burns CPU deterministically: `iterations` rounds of integer hashing. Stands for a fold that does real
 * work per event (validation, mapping, business rules).
 */
export function spin(iterations: number, seed: number): number {
  let hash = seed | 0;
  for (let i = 0; i < iterations; i++) hash = Math.imul(hash ^ i, 16_777_619);
  sink ^= hash;
  return hash;
}

/** Iterations of {@link spin} that take about `micros` microseconds on this machine. */
export function calibrateSpin(micros: number): number {
  let iterations = 1_000;
  for (;;) {
    const start = performance.now();
    for (let run = 0; run < 200; run++) spin(iterations, run);
    const perCall = ((performance.now() - start) * 1_000) / 200;
    if (perCall > 50) return Math.max(1, Math.round((iterations * micros) / perCall));
    iterations *= 4;
  }
}

/** Keeps {@link spin}'s results observable so the JIT cannot drop the work. */
export function spinSink(): number {
  return sink;
}
