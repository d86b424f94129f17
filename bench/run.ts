/**
 * `npm run bench [-- --quick] [-- --only=1,3]`: dynago side by side with the raw AWS SDK and Castore on
 * DynamoDB Local, started as the tests start it (startDynamoDB from src/testing). Writes
 * bench/results.json, docs/benchmarks.md and docs/benchmarks.svg. A benchmark, not a test: it asserts
 * nothing, it reports. Run it alone on the machine (e.g. `flock /tmp/dynago-test.lock npm run bench`).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDB } from '../src/testing/index.js';
import { ratioChart } from './lib/chart.js';
import { Bench } from './lib/context.js';
import { describeEnvironment } from './lib/env.js';
import { markdown } from './lib/report.js';
import type { Comparison, Results, WorkloadRun } from './lib/results.js';
import { appendWorkload } from './workloads/append.js';
import { commandsWorkload } from './workloads/commands.js';
import { contentionWorkload } from './workloads/contention.js';
import { loadWorkload } from './workloads/load.js';
import { memoryWorkload } from './workloads/memory.js';
import { projectionsWorkload } from './workloads/projections.js';
import { rebuildWorkload } from './workloads/rebuild.js';
import { replayWorkload } from './workloads/replay.js';
import { tableWorkload } from './workloads/table.js';
import { telemetryWorkload } from './workloads/telemetry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: string[]): { quick: boolean; only: Set<number>; out: string; render: boolean } {
  let quick = false;
  let render = false;
  let only = new Set<number>();
  let out = root;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--render') render = true;
    else if (arg.startsWith('--only=')) only = new Set(arg.slice(7).split(',').map(Number));
    else if (arg.startsWith('--out=')) out = arg.slice(6);
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'npm run bench -- [--quick] [--only=1,2,…] [--out=DIR] [--render]\n' +
          '  --quick   fewer rounds and smaller data (a few minutes): a smoke run, not for publication\n' +
          '  --only    run only these workloads (1 table, 2 append, 3 replay, 4 load, 5 rebuild, 6 contention, 7 memory,\n' +
          '            8 commands: the ledger, 8 workers, dynago warm / cold vs a raw-SDK loop,\n' +
          '            9 projections: balances rebuild (checkpoint item / table) vs an UpdateItem loop, live lag,\n' +
          '            10 telemetry: OpenTelemetry api loaded with no provider vs switched off, on DynamoDB Local\n' +
          '            and against a stubbed send);\n' +
          '            the other workloads are kept from the existing DIR/bench/results.json, and the report says\n' +
          '            which run each workload comes from\n' +
          '  --out     write bench/results.json and docs/benchmarks.{md,svg} under DIR instead of the repository\n' +
          '  --render  measure nothing: write docs/benchmarks.{md,svg} again from DIR/bench/results.json',
      );
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}; try --help.`);
  }
  return { quick, only, out, render };
}

const WORKLOADS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The workload numbers a results file holds figures for. */
function workloadsIn(results: Results): number[] {
  const present = new Set(results.comparisons.map((c) => c.workload));
  if (results.contention) present.add(6);
  if (results.memory) present.add(7);
  if (results.commands) present.add(8);
  if (results.projections) present.add(9);
  if (results.telemetry) present.add(10);
  return [...present].sort((a, b) => a - b);
}

/**
 * A partial run (`--only`) merged into the previous results: the workloads it ran replace theirs (their
 * comparisons and sections), every other workload is kept, with the run it came from in `workloadRuns`.
 */
function merge(previous: Results | undefined, current: Results, ran: number[]): Results {
  const runOf = (r: Results): WorkloadRun => ({ command: r.command, quick: r.quick, startedAt: r.startedAt });
  const workloadRuns: Record<string, WorkloadRun> = {};
  if (previous) {
    for (const n of workloadsIn(previous)) workloadRuns[n] = previous.workloadRuns?.[n] ?? runOf(previous);
  }
  for (const n of ran) workloadRuns[n] = runOf(current);
  if (!previous) return { ...current, workloadRuns };
  const section = <K extends 'contention' | 'memory' | 'commands' | 'projections' | 'telemetry'>(
    key: K,
    n: number,
  ) => {
    const value = ran.includes(n) ? current[key] : previous[key];
    return value ? { [key]: value } : {};
  };
  const newSeeding = new Set(current.seeding.map((s) => s.what));
  const {
    contention: _contention,
    memory: _memory,
    commands: _commands,
    projections: _projections,
    telemetry: _telemetry,
    ...base
  } = current;
  return {
    ...base,
    comparisons: [
      ...previous.comparisons.filter((c) => !ran.includes(c.workload)),
      ...current.comparisons,
    ].sort((a, b) => a.workload - b.workload),
    ...section('contention', 6),
    ...section('memory', 7),
    ...section('commands', 8),
    ...section('projections', 9),
    ...section('telemetry', 10),
    workloadRuns: Object.fromEntries(Object.entries(workloadRuns).sort(([a], [b]) => Number(a) - Number(b))),
    seeding: [...previous.seeding.filter((s) => !newSeeding.has(s.what)), ...current.seeding],
  };
}

function readResults(path: string): Results | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writeDocs(results: Results, out: string): string {
  const docsPath = join(out, 'docs');
  mkdirSync(docsPath, { recursive: true });
  const { environment: env } = results;
  const subtitle = `${results.command} · DynamoDB Local ${env.dynamodb.version} · Node ${env.node} · nproc ${env.nproc} · ${results.startedAt.slice(0, 10)}`;
  writeFileSync(join(docsPath, 'benchmarks.svg'), ratioChart(results.comparisons, subtitle));
  writeFileSync(join(docsPath, 'benchmarks.md'), markdown(results));
  return join(docsPath, 'benchmarks.md');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const results = JSON.parse(readFileSync(join(args.out, 'bench', 'results.json'), 'utf8')) as Results;
    console.log(`wrote ${writeDocs(results, args.out)} and benchmarks.svg from bench/results.json`);
    return;
  }
  const startedAt = new Date();
  const loadStart = loadavg()[0] ?? 0;
  const db = await startDynamoDB();
  const environment = describeEnvironment(db);
  const bench = new Bench(db, { quick: args.quick, only: args.only });
  const wanted = (n: number) => args.only.size === 0 || args.only.has(n);
  bench.log(`DynamoDB (${db.source}) at ${db.endpoint}${args.quick ? '; quick run' : ''}`);
  const comparisons: Comparison[] = [];
  let contention: Results['contention'];
  let memory: Results['memory'];
  let commands: Results['commands'];
  let projections: Results['projections'];
  let telemetry: Results['telemetry'];
  try {
    if (wanted(1)) comparisons.push(...(await tableWorkload(bench)));
    if (wanted(2)) comparisons.push(...(await appendWorkload(bench)));
    if (wanted(3)) comparisons.push(...(await replayWorkload(bench)));
    if (wanted(4)) comparisons.push(...(await loadWorkload(bench)));
    if (wanted(5)) comparisons.push(...(await rebuildWorkload(bench)));
    if (wanted(6)) contention = await contentionWorkload(bench);
    if (wanted(7)) memory = await memoryWorkload(bench);
    if (wanted(8)) {
      const result = await commandsWorkload(bench);
      comparisons.push(...result.comparisons);
      commands = result.commands;
    }
    if (wanted(9)) {
      const result = await projectionsWorkload(bench);
      comparisons.push(...result.comparisons);
      projections = result.projections;
    }
    if (wanted(10)) {
      const result = await telemetryWorkload(bench);
      comparisons.push(...result.comparisons);
      telemetry = result.telemetry;
    }
  } finally {
    await db.stop();
  }
  const measured: Results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    quick: args.quick,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    loadAverage: {
      start: Math.round(loadStart * 100) / 100,
      end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    },
    environment: { ...environment, gitAtEnd: describeEnvironment(db).git },
    comparisons,
    ...(contention ? { contention } : {}),
    ...(memory ? { memory } : {}),
    ...(commands ? { commands } : {}),
    ...(projections ? { projections } : {}),
    ...(telemetry ? { telemetry } : {}),
    seeding: bench.fixtures.seeding,
  };
  const resultsPath = join(args.out, 'bench', 'results.json');
  const ran = WORKLOADS.filter(wanted);
  const partial = args.only.size > 0;
  const results = merge(partial ? readResults(resultsPath) : undefined, measured, ran);
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  const docs = writeDocs(results, args.out);
  const kept = workloadsIn(results).filter((n) => !ran.includes(n));
  bench.log(
    `wrote ${resultsPath}, ${docs} and benchmarks.svg in ${measured.durationSeconds} s${kept.length > 0 ? ` (workloads ${kept.join(', ')} kept from the previous results)` : ''}`,
  );
}

await main();
