/**
 * The measuring discipline: every variant of a workload runs in the same process against the same
 * DynamoDB Local, alternately (round 1: A B C, round 2: C B A, …, so neither side always goes first),
 * after warm-up rounds that are not recorded (the JIT of Node and of DynamoDB Local's JVM).
 */
import { median, round, type Summary, summarize } from './stats.js';

export interface Variant {
  /** `dynago`, `raw SDK`, `Castore`, `plain Query loop`, … */
  name: string;
  /** One sample: does the work once and returns the measure (e.g. milliseconds per operation). */
  sample(round: number): Promise<number>;
}

export interface Samples {
  /** Samples of each variant by name, in round order. */
  byVariant: Record<string, number[]>;
}

export async function alternate(
  variants: Variant[],
  options: {
    rounds: number;
    warmup: number;
    log?: (line: string) => void;
    label?: string;
    /**
     * Cycle through every order of the variants (A B C, A C B, B A C, …) instead of A B C / C B A, so
     * that with three or more variants each one takes every position equally often (with two, the same).
     */
    permute?: boolean;
  },
): Promise<Samples> {
  const byVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  const orders = options.permute ? permutations(variants) : [variants, [...variants].reverse()];
  for (let r = -options.warmup; r < options.rounds; r++) {
    const order = orders[(r + options.warmup) % orders.length] as Variant[];
    const line: string[] = [];
    for (const variant of order) {
      const value = await variant.sample(r);
      if (r >= 0) byVariant[variant.name]?.push(value);
      line.push(`${variant.name} ${round(value, 4)}`);
    }
    options.log?.(
      `${options.label ?? ''} ${r < 0 ? 'warm-up' : `round ${r + 1}/${options.rounds}`}: ${line.join(', ')}`,
    );
  }
  return { byVariant };
}

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Runs `op(i)` for i = 0 … ops-1 one after the other; returns milliseconds per operation. */
export async function msPerOp(ops: number, op: (index: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let index = 0; index < ops; index++) await op(index);
  return (performance.now() - start) / ops;
}

/** Milliseconds `work` takes. */
export async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** The per-round ratios `a[i] / b[i]`. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, index) => value / (b[index] as number));
}

export function summaryOf(samples: readonly number[], digits = 4): Summary {
  const summary = summarize(samples);
  return {
    median: round(summary.median, digits),
    min: round(summary.min, digits),
    max: round(summary.max, digits),
    n: summary.n,
  };
}

export interface Op {
  name: string;
  op(index: number): Promise<unknown>;
}

/**
 * The finest alternation, for short calls: within a round, call i of every variant runs back to back
 * (A B, then B A for the next i, …), each call timed on its own. Any drift of the machine or of
 * DynamoDB Local's JIT hits both sides alike. Returns, per variant, the median call of each round in
 * milliseconds (a median, so that a garbage collection or another process's burst does not count).
 */
export async function interleave(
  ops: Op[],
  options: {
    rounds: number;
    warmup: number;
    callsPerRound: number;
    log?: (line: string) => void;
    label?: string;
  },
): Promise<Samples> {
  const byVariant: Record<string, number[]> = Object.fromEntries(ops.map((o) => [o.name, []]));
  let index = 0;
  for (let r = -options.warmup; r < options.rounds; r++) {
    const calls = new Map<string, number[]>(ops.map((o) => [o.name, []]));
    for (let call = 0; call < options.callsPerRound; call++, index++) {
      const order = index % 2 === 0 ? ops : [...ops].reverse();
      for (const variant of order) {
        const start = performance.now();
        await variant.op(index);
        calls.get(variant.name)?.push(performance.now() - start);
      }
    }
    const line: string[] = [];
    for (const variant of ops) {
      const value = median(calls.get(variant.name) ?? []);
      if (r >= 0) byVariant[variant.name]?.push(value);
      line.push(`${variant.name} ${round(value, 4)}`);
    }
    if (r < 0 || (r + 1) % 5 === 0 || r + 1 === options.rounds) {
      options.log?.(
        `${options.label ?? ''} ${r < 0 ? 'warm-up' : `round ${r + 1}/${options.rounds}`}: ${line.join(', ')}`,
      );
    }
  }
  return { byVariant };
}

/**
 * Milliseconds `work` takes, and (pushed onto `cpu`) the milliseconds of this process's CPU it used:
 * what is left of the wall time was spent waiting for DynamoDB.
 */
export async function elapsedWithCpu(cpu: number[], work: () => Promise<unknown>): Promise<number> {
  const startCpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const wall = performance.now() - start;
  const used = process.cpuUsage(startCpu);
  cpu.push((used.user + used.system) / 1000);
  return wall;
}
