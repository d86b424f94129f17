import { categoryOf } from '../../events/category.js';
import { EVENT_PREFIX, MAX_EVENT_VERSION, SNAPSHOT_SORT_KEY } from '../../internal/layout.js';
import { CONNECTION_OPTIONS, HELP_OPTION, integerOption } from '../args.js';
import type { Command } from '../command.js';
import { connectionOf, errorContextOf, openTable } from '../connection.js';
import { checkKeys, describeTable } from '../describe.js';
import { EXIT } from '../errors.js';
import { formatBytes, formatCount, formatTable } from '../format.js';
import type { Output } from '../io.js';
import { itemBytes } from '../itemBytes.js';
import { Progress, progressInterval } from '../progress.js';

/** The numbers of one category. */
export interface CategoryStats {
  category: string;
  streams: number;
  events: number;
  eventBytes: number;
  snapshots: number;
  snapshotBytes: number;
}

/** Items that are neither events nor snapshots, by the prefix of their partition key (`checkpoint`…). */
export interface OtherStats {
  prefix: string;
  items: number;
  bytes: number;
}

/** What `stats` prints as JSON. */
export interface TableStats {
  table: string;
  /** False when Ctrl-C stopped the scan: the numbers cover only the items read so far. */
  complete: boolean;
  scannedItems: number;
  categories: CategoryStats[];
  total: Omit<CategoryStats, 'category'>;
  other: OtherStats[];
}

/** Sorts one item into the running totals. Streams are counted by their version-1 event. */
class Tally {
  readonly categories = new Map<string, CategoryStats>();
  readonly other = new Map<string, OtherStats>();
  scanned = 0;
  events = 0;
  streams = 0;

  constructor(
    private readonly partitionKeyName: string,
    private readonly sortKeyName: string,
  ) {}

  add(item: Record<string, unknown>): void {
    this.scanned++;
    const bytes = itemBytes(item);
    const pk = item[this.partitionKeyName];
    const sk = item[this.sortKeyName];
    if (typeof pk === 'string' && pk.startsWith(EVENT_PREFIX) && typeof sk === 'number') {
      const isEvent = Number.isSafeInteger(sk) && sk >= 1 && sk <= MAX_EVENT_VERSION;
      // a deleted stream's stubs and tombstone (EventStore.deleteStream) are neither events nor snapshots
      if (item.deleted !== undefined) return;
      if (isEvent || sk === SNAPSHOT_SORT_KEY) {
        const stats = this.category(categoryOf(pk.slice(EVENT_PREFIX.length)));
        if (isEvent) {
          stats.events++;
          stats.eventBytes += bytes;
          this.events++;
          if (sk === 1) {
            stats.streams++;
            this.streams++;
          }
        } else {
          stats.snapshots++;
          stats.snapshotBytes += bytes;
        }
        return;
      }
    }
    const text = typeof pk === 'string' ? pk : String(pk);
    const hash = text.indexOf('#');
    const prefix = hash > 0 ? text.slice(0, hash) : '(no prefix)';
    const other = this.other.get(prefix) ?? { prefix, items: 0, bytes: 0 };
    other.items++;
    other.bytes += bytes;
    this.other.set(prefix, other);
  }

  result(table: string, complete: boolean): TableStats {
    const categories = [...this.categories.values()].sort((a, b) => a.category.localeCompare(b.category));
    const total = { streams: 0, events: 0, eventBytes: 0, snapshots: 0, snapshotBytes: 0 };
    for (const stats of categories) {
      total.streams += stats.streams;
      total.events += stats.events;
      total.eventBytes += stats.eventBytes;
      total.snapshots += stats.snapshots;
      total.snapshotBytes += stats.snapshotBytes;
    }
    const other = [...this.other.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
    return { table, complete, scannedItems: this.scanned, categories, total, other };
  }

  private category(name: string): CategoryStats {
    let stats = this.categories.get(name);
    if (stats === undefined) {
      stats = { category: name, streams: 0, events: 0, eventBytes: 0, snapshots: 0, snapshotBytes: 0 };
      this.categories.set(name, stats);
    }
    return stats;
  }
}

function printStats(out: Output, stats: TableStats): void {
  const average = (bytes: number, count: number) =>
    count === 0 ? '-' : formatBytes(Math.round(bytes / count));
  const row = (name: string, entry: Omit<CategoryStats, 'category'>) => [
    name,
    formatCount(entry.streams),
    formatCount(entry.events),
    formatBytes(entry.eventBytes),
    average(entry.eventBytes, entry.events),
    formatCount(entry.snapshots),
    formatBytes(entry.snapshotBytes),
  ];
  const right = 'right' as const;
  out.write(
    formatTable(
      [
        { header: 'CATEGORY' },
        { header: 'STREAMS', align: right },
        { header: 'EVENTS', align: right },
        { header: 'EVENT BYTES', align: right },
        { header: 'AVG EVENT', align: right },
        { header: 'SNAPSHOTS', align: right },
        { header: 'SNAPSHOT BYTES', align: right },
      ],
      [...stats.categories.map((entry) => row(entry.category, entry)), row('(total)', stats.total)],
      out.columns,
    ),
  );
  if (stats.other.length > 0) {
    out.write('\n');
    out.write(
      formatTable(
        [{ header: 'OTHER ITEMS' }, { header: 'ITEMS', align: right }, { header: 'BYTES', align: right }],
        stats.other.map((entry) => [entry.prefix, formatCount(entry.items), formatBytes(entry.bytes)]),
        out.columns,
      ),
    );
  }
}

/** `dynago stats` */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'Count streams, events and bytes per category (one Scan).',
  arguments: [],
  description: [
    'Reads the whole table once with a parallel Scan (eventually consistent: about 0.5 read units per 4 KB) and counts, per category, the streams (by their first event), the events and their bytes, and the snapshots; the other items (checkpoints, parked events, shard positions, read models kept in the same table) are counted by the prefix of their partition key.',
    "Bytes are each item's size as DynamoDB counts it: the UTF-8 bytes of every attribute name plus its value (a string its UTF-8 bytes, a number 1 byte plus 1 per two digits, a boolean or null 1 byte, a list or map 3 bytes plus 1 per element). 1 KB = 1024 bytes.",
    "A table on a terminal, one JSON document otherwise. Progress (with an ETA from the table's item count, which DynamoDB refreshes about every six hours) goes to stderr. Ctrl-C stops the scan and prints the partial numbers (exit code 130).",
  ],
  options: [
    {
      heading: 'Options',
      specs: {
        segments: {
          type: 'string',
          value: '<n>',
          description: 'Parallel scan segments (1 to 1000). Default: 4.',
        },
        json: { type: 'boolean', description: 'JSON even on a terminal.' },
        ...HELP_OPTION,
      },
    },
    { heading: 'Connection', specs: CONNECTION_OPTIONS },
  ],
  async run({ values, env, io, signal, errorContext }) {
    const segments = integerOption(values, 'segments', 'stats', { min: 1, max: 1000 }) ?? 4;
    const connection = connectionOf(values, env, 'stats');
    Object.assign(errorContext, errorContextOf(connection));
    const table = openTable(connection);
    const description = await describeTable(table, signal);
    checkKeys(table, description);
    const tally = new Tally(connection.partitionKeyName, connection.sortKeyName);
    const interval = progressInterval(env);
    const progress = new Progress({
      out: io.err,
      label: 'stats',
      unit: 'items',
      ...(description.itemCount !== undefined ? { total: description.itemCount } : {}),
      ...(interval !== undefined ? { intervalMs: interval } : {}),
    });
    // One failing segment stops the others; Ctrl-C stops them all.
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let outcomes: PromiseSettledResult<void>[];
    try {
      outcomes = await Promise.allSettled(
        table
          .scanSegments<Record<string, unknown>>({ segments, signal: stop.signal })
          .map(async (segment) => {
            try {
              for await (const item of segment) {
                tally.add(item);
                progress.update(tally.scanned, { events: tally.events, streams: tally.streams });
              }
            } catch (error) {
              stop.abort(error);
              throw error;
            }
          }),
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      progress.finish();
    }
    const complete = !signal.aborted;
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (complete && failed) throw failed.reason;
    const stats = tally.result(connection.tableName, complete);
    if (values.json === true || !io.out.isTTY) io.out.write(`${JSON.stringify(stats, null, 2)}\n`);
    else printStats(io.out, stats);
    if (!complete) {
      io.err.write(
        `stopped after ${formatCount(stats.scannedItems)} items: the numbers above are partial; run stats again for all of them.\n`,
      );
      return EXIT.interrupted;
    }
    return EXIT.ok;
  },
};
