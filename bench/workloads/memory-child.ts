/**
 * One replay in a process of its own, so that its peak RSS is its own: started by the memory workload
 * (workload 7) with `node --import tsx bench/workloads/memory-child.ts <json options>`. Prints one JSON
 * line: events folded, seconds, RSS after the imports, peak RSS (`process.resourceUsage().maxRSS`).
 */
import { EventStore, type StoredEvent, Table } from '../../src/index.js';
import { castoreEventStore } from '../lib/castore.js';
import { addDeposit, type Deposit, emptyBalance } from '../lib/events.js';

export interface MemoryChildOptions {
  variant: 'dynago' | 'plain Query loop' | 'Castore getEvents';
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
  streamId: string;
  events: number;
  /**
   * dynago only: read the stream with read(streamId, { from, to }) in windows of this many versions,
   * one after the other, instead of one read of the whole stream (see the workload's notes).
   */
  window?: number;
}

export interface MemoryChildResult {
  events: number;
  seconds: number;
  startRssMiB: number;
  peakRssMiB: number;
  peakHeapUsedMiB: number;
}

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const options = JSON.parse(process.argv[2] ?? '{}') as MemoryChildOptions;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { plainReplay } = await import('./replay.js');
  const rawClient = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
  });
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  let folded = 0;
  if (options.variant === 'dynago') {
    const table = new Table({
      tableName: options.tableName,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      client: DynamoDBDocumentClient.from(rawClient, {
        marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
      }),
    });
    const store = new EventStore({ table });
    const window = options.window ?? options.events;
    let state = emptyBalance();
    for (let from = 1; from <= options.events; from += window) {
      const range = window === options.events ? {} : { from, to: from + window - 1 };
      for await (const event of store.read<StoredEvent<'Deposited', Deposit>>(options.streamId, range)) {
        state = addDeposit(state, event.data.amount);
      }
    }
    folded = state.events;
  } else if (options.variant === 'plain Query loop') {
    const client = DynamoDBDocumentClient.from(rawClient);
    folded = (
      await plainReplay(client, options.tableName, options.streamId, (s, amount) => addDeposit(s, amount))
    ).events;
  } else {
    const { events } = await castoreEventStore(options.tableName, rawClient).getEvents(options.streamId);
    let state = emptyBalance();
    for (const event of events) state = addDeposit(state, event.payload.amount);
    folded = state.events;
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const result: MemoryChildResult = {
    events: folded,
    seconds,
    startRssMiB: startRss / MiB,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    peakHeapUsedMiB: peakHeap / MiB,
  };
  console.log(JSON.stringify(result));
  rawClient.destroy();
}

await main();
