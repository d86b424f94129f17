/** The shape of bench/results.json, and the helpers that build its entries from samples. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pairedRatios, summaryOf } from './alternate.js';
import type { Environment } from './env.js';
import { meter } from './meter.js';
import { round, type Summary } from './stats.js';

/** What one operation costs, averaged over a metered pass: requests sent and capacity units charged. */
export interface Cost {
  requests: number;
  units: number;
  requestsByCommand: Record<string, number>;
  /** Operations in the metered pass. */
  operations: number;
}

export interface VariantResult {
  name: string;
  samples: number[];
  summary: Summary;
  cost?: Cost;
}

export interface Target {
  /** E.g. `dynago / raw SDK ≤ 1.03`. */
  text: string;
  /** The largest time ratio dynago / baseline that meets it. */
  maxRatio: number;
  met: boolean;
  /** Capacity part of the target: dynago's units per operation must not exceed the baseline's. */
  capacityMet?: boolean;
}

export interface Comparison {
  id: string;
  workload: number;
  /** `end-to-end`: against DynamoDB Local (charted); `client-only`: canned responses, no network. */
  kind: 'end-to-end' | 'client-only';
  title: string;
  /** What a sample measures, e.g. `ms per call`. */
  unit: string;
  /** How a sample is produced. */
  method: string;
  dynago: VariantResult;
  baseline: VariantResult;
  /** median(dynago) / median(baseline): below 1, dynago takes less time. */
  ratio: number;
  /** dynago / baseline within each round (both measured back to back). */
  pairedRatio: Summary;
  target?: Target;
  notes: string[];
  /** Other sides measured in the same rounds, for reference (not compared). */
  extra?: Record<string, { summary: Summary; cost?: Cost }>;
}

export interface ContentionScenario {
  name: string;
  workers: number;
  accounts: number;
  commandsPerRound: number;
  rounds: number;
  commandsPerSecond: Summary;
  retriesPerCommand: { p50: number; p99: number; max: number; mean: number };
  latencyMs: { p50: number; p99: number };
  failedCommands: number;
  requestsPerCommand: number;
  unitsPerCommand: number;
  balancesCorrect: boolean;
}

/** Workload 8: one side of the ledger's command loop (8 workers), its figures over the measured rounds. */
export interface CommandSide {
  name: string;
  /** How it reads and writes, in a few words. */
  how: string;
  workers: number;
  accounts: number;
  commandsPerRound: number;
  rounds: number;
  commandsPerSecond: Summary;
  /** Requests sent per command, and per command name (`PutItemCommand`, …), retries and snapshots included. */
  requestsPerCommand: number;
  requestsByCommand: Record<string, number>;
  readUnitsPerCommand: number;
  writeUnitsPerCommand: number;
  conflictsPerCommand: number;
  latencyMs: { p50: number; p99: number };
  /** Commands the account refused (domain rules), and commands still conflicting after their last try. */
  refused: number;
  failed: number;
  /** Every account's balance, loaded at the end, equals the sum of the commands acknowledged. */
  balancesCorrect: boolean;
}

export interface MemoryRun {
  variant: string;
  events: number;
  /** RSS of the child after its imports, before the replay (MiB). */
  startRssMiB: number;
  /** Peak RSS of the child over its whole life (`process.resourceUsage().maxRSS`, MiB). */
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  seconds: number;
  eventsPerSecond: number;
}

/** Workload 9: one side of the projection rebuild, its figures over the measured rounds. */
export interface ProjectionRebuildSide {
  name: string;
  how: string;
  events: number;
  streams: number;
  rounds: number;
  msPerRebuild: Summary;
  /** events / median rebuild time. */
  eventsPerSecond: number;
  /** Requests per event (scan pages and writes), from the last measured round, and per command name. */
  requestsPerEvent: number;
  requestsByCommand: Record<string, number>;
  /** As DynamoDB Local reports them (a transaction: 1 per item; the service charges 2). */
  writeUnitsPerEvent: number;
  readUnitsPerEvent: number;
}

/** Workload 9: live projection lag under a steady rate of appends. */
export interface ProjectionLive {
  appendsPerSecond: number;
  targetRate: number;
  seconds: number;
  events: number;
  /** Events whose read-model write was seen before the end. */
  projected: number;
  /** Appends started more than 50 ms after their due time (the client could not keep the rate). */
  lateAppends: number;
  lagMs: { p50: number; p99: number; max: number };
  /** Write units of the projector (read-model client) per appended event. */
  writeUnitsPerEvent: number;
}

/** Workload 10: requests per operation on each side, counted over every measured round. */
export interface TelemetryRequests {
  what: string;
  /** Operations counted per side. */
  operations: number;
  /** Requests per operation (by command name), and requests that asked for ReturnConsumedCapacity (in all). */
  on: { total: number; byCommand: Record<string, number>; withCapacity: number };
  off: { total: number; byCommand: Record<string, number>; withCapacity: number };
  /** The same requests on both sides, and none asking for capacity. */
  same: boolean;
}

/** Workload 10: the A/A control of an end-to-end comparison: "off" on a second client / "off". */
export interface TelemetryControl {
  /** The comparison it belongs to. */
  id: string;
  /** median(control) / median(off): what two identical sides measure. */
  ratio: number;
  pairedRatio: Summary;
}

/** Workload 10: one call measured against a stubbed `send`: the client CPU that telemetry adds. */
export interface TelemetryCall {
  id: string;
  what: string;
  /** `append`, `command`, `read`. */
  unit: string;
  calls: number;
  rounds: number;
  /** Process CPU per call, µs: telemetry on (no provider), off, and off again (the A/A control). */
  cpuUs: { on: Summary; off: Summary; control: Summary };
  /** The median call's wall time, µs, in the same batches (each call timed). */
  wallUs: { on: Summary; off: Summary; control: Summary };
  /** The median of the per-round differences on − off (measured in the same round), µs CPU per call. */
  cpuDiffUs: number;
  cpuDiffQuartilesUs: [number, number];
  /** The same for control − off: what two identical sides differ by. */
  controlDiffUs: number;
  controlDiffQuartilesUs: [number, number];
  /** The median of the per-round differences of the median call's wall time, on − off and control − off. */
  wallDiffUs: number;
  controlWallDiffUs: number;
  /** The larger of cpuDiffUs and wallDiffUs: what the verdict uses. */
  diffUs: number;
  /** The end-to-end comparison (DynamoDB Local) the difference is set against, and its "off" median (ms). */
  endToEndId: string;
  endToEndMs: number;
  /** diffUs / the end-to-end time of the same operation: target ≤ 0.01. */
  fraction: number;
  met: boolean;
  requests: TelemetryRequests;
}

/** When, and by which command, the figures of one workload were measured (results merged across runs). */
export interface WorkloadRun {
  command: string;
  quick: boolean;
  startedAt: string;
}

export interface Results {
  command: string;
  quick: boolean;
  startedAt: string;
  durationSeconds: number;
  /** 1-minute load average of the machine when the run started and when it ended. */
  loadAverage: { start: number; end: number };
  environment: Environment;
  comparisons: Comparison[];
  contention?: { scenarios: ContentionScenario[]; notes: string[] };
  memory?: { runs: MemoryRun[]; ratio1Mto100k: number; notes: string[] };
  commands?: { sides: CommandSide[]; notes: string[] };
  projections?: { rebuild: ProjectionRebuildSide[]; live: ProjectionLive; notes: string[] };
  telemetry?: {
    providerRegistered: boolean;
    requests: TelemetryRequests[];
    controls: TelemetryControl[];
    calls: TelemetryCall[];
    notes: string[];
  };
  /**
   * Per workload number: the run its figures come from. A run with `--only` replaces the workloads it ran
   * and keeps the others from the previous bench/results.json; the top-level fields describe the latest run.
   */
  workloadRuns?: Record<string, WorkloadRun>;
  seeding: { what: string; items: number; seconds: number }[];
}

/** Builds a comparison from alternately measured samples. */
export function comparison(input: {
  id: string;
  workload: number;
  kind?: Comparison['kind'];
  title: string;
  unit: string;
  method: string;
  dynago: { name?: string; samples: number[]; cost?: Cost };
  baseline: { name: string; samples: number[]; cost?: Cost };
  target?: { text: string; maxRatio: number; capacity?: boolean };
  notes?: string[];
  extra?: Comparison['extra'];
}): Comparison {
  const dynago: VariantResult = {
    name: input.dynago.name ?? 'dynago',
    samples: input.dynago.samples.map((value) => round(value, 5)),
    summary: summaryOf(input.dynago.samples),
    ...(input.dynago.cost ? { cost: input.dynago.cost } : {}),
  };
  const baseline: VariantResult = {
    name: input.baseline.name,
    samples: input.baseline.samples.map((value) => round(value, 5)),
    summary: summaryOf(input.baseline.samples),
    ...(input.baseline.cost ? { cost: input.baseline.cost } : {}),
  };
  const ratio = round(dynago.summary.median / baseline.summary.median, 3);
  let target: Target | undefined;
  if (input.target) {
    const capacityMet =
      input.target.capacity && dynago.cost && baseline.cost
        ? dynago.cost.units <= baseline.cost.units + 1e-9
        : undefined;
    target = {
      text: input.target.text,
      maxRatio: input.target.maxRatio,
      met: ratio <= input.target.maxRatio && capacityMet !== false,
      ...(capacityMet !== undefined ? { capacityMet } : {}),
    };
  }
  return {
    id: input.id,
    workload: input.workload,
    kind: input.kind ?? 'end-to-end',
    title: input.title,
    unit: input.unit,
    method: input.method,
    dynago,
    baseline,
    ratio,
    pairedRatio: summaryOf(pairedRatios(input.dynago.samples, input.baseline.samples), 3),
    ...(target ? { target } : {}),
    notes: input.notes ?? [],
    ...(input.extra ? { extra: input.extra } : {}),
  };
}

/**
 * Runs `op` `operations` times with a {@link meter} on `client` and returns the average cost of one
 * operation. Not timed: the metered pass is separate from the timed rounds.
 */
export async function measureCost(
  client: DynamoDBClient | DynamoDBDocumentClient,
  operations: number,
  op: (index: number) => Promise<unknown>,
): Promise<Cost> {
  const metered = meter(client);
  try {
    for (let index = 0; index < operations; index++) await op(index);
  } finally {
    metered.detach();
  }
  return {
    requests: round(metered.totalRequests() / operations, 4),
    units: round(metered.units / operations, 4),
    requestsByCommand: Object.fromEntries(
      Object.entries(metered.requests).map(([name, count]) => [name, round(count / operations, 4)]),
    ),
    operations,
  };
}
