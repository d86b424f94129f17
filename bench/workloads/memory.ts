/**
 * Workload 7: memory. Replays of 100 000 and of 1 000 000 events, each in a child process of its own
 * (so the peak RSS it reports, `process.resourceUsage().maxRSS`, is that replay's alone), in the same
 * run: dynago's peak must not grow with the stream's length. For reference, the plain Query loop and
 * Castore's getEvents (which holds the whole stream in memory) on 100 000 events.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Bench } from '../lib/context.js';
import type { MemoryRun } from '../lib/results.js';
import { round } from '../lib/stats.js';
import type { MemoryChildOptions, MemoryChildResult } from './memory-child.js';

const run = promisify(execFile);
const WINDOW = 10_000;
const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

async function child(
  bench: Bench,
  options: Omit<MemoryChildOptions, 'endpoint' | 'region' | 'credentials'>,
): Promise<MemoryRun> {
  const input: MemoryChildOptions = {
    ...options,
    endpoint: bench.db.endpoint,
    region: bench.db.region,
    credentials: bench.db.credentials,
  };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(input)], {
    maxBuffer: 1024 * 1024,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as MemoryChildResult;
  if (result.events !== options.events)
    throw new Error(`${options.variant} folded ${result.events} of ${options.events} events`);
  const memory: MemoryRun = {
    variant: options.window
      ? `${options.variant}, read in windows of ${options.window.toLocaleString('en')}`
      : options.variant,
    events: options.events,
    startRssMiB: round(result.startRssMiB, 4),
    peakRssMiB: round(result.peakRssMiB, 4),
    peakHeapUsedMiB: round(result.peakHeapUsedMiB, 4),
    seconds: round(result.seconds, 4),
    eventsPerSecond: Math.round(options.events / result.seconds),
  };
  bench.log(
    `memory: ${options.variant}, ${options.events} events: peak RSS ${memory.peakRssMiB} MiB (start ${memory.startRssMiB}), ${memory.seconds} s`,
  );
  return memory;
}

export async function memoryWorkload(
  bench: Bench,
): Promise<{ runs: MemoryRun[]; ratio1Mto100k: number; notes: string[] }> {
  const small = 100_000;
  const large = bench.scale(1_000_000, 300_000);
  const smallStream = await bench.fixtures.dynagoStream(small);
  const largeStream = await bench.fixtures.dynagoStream(large);
  const castore = await bench.fixtures.castoreStream(small);
  const on = (stream: { table: { tableName: string }; streamId: string }) => ({
    tableName: stream.table.tableName,
    streamId: stream.streamId,
  });
  const windowedSmall = await child(bench, {
    variant: 'dynago',
    ...on(smallStream),
    events: small,
    window: WINDOW,
  });
  const windowedLarge = await child(bench, {
    variant: 'dynago',
    ...on(largeStream),
    events: large,
    window: WINDOW,
  });
  const runs: MemoryRun[] = [windowedSmall, windowedLarge];
  runs.push(await child(bench, { variant: 'dynago', ...on(smallStream), events: small }));
  runs.push(await child(bench, { variant: 'plain Query loop', ...on(smallStream), events: small }));
  runs.push(
    await child(bench, {
      variant: 'Castore getEvents',
      tableName: castore.tableName,
      streamId: castore.aggregateId,
      events: small,
    }),
  );
  return {
    runs,
    ratio1Mto100k: round(windowedLarge.peakRssMiB / windowedSmall.peakRssMiB, 3),
    notes: [
      `Each replay runs in its own Node process (node --import tsx bench/workloads/memory-child.ts), which reports process.resourceUsage().maxRSS at the end; "RSS before reading" is its RSS once the SDK is loaded. The fold is a running balance.`,
      `DynamoDB Local answers a Query in a time that grows with the number of items left in the partition after the start key (it reads them all, then cuts the page at 1 MB), so one read() of a whole ${large.toLocaleString('en')}-event stream would take over ten minutes on it, nearly all of it DynamoDB Local's (a 300,000-event stream read whole took 72 s in a trial run, and the cost grows with the square of the length). The ${small.toLocaleString('en')} / ${large.toLocaleString('en')} comparison therefore reads both streams the same way: read(streamId, { from, to }) over consecutive windows of ${WINDOW.toLocaleString('en')} versions, each request still returning up to a 1 MB page. The rows without a window read the whole stream in one read() (or one getEvents), as in workload 3.`,
      "dynago's read holds at most two DynamoDB pages (1 MB each) at once: the one being folded and the prefetched next one. Castore's getEvents holds the whole stream, raw and unmarshalled.",
    ],
  };
}
