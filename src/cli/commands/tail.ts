import { checkCategory } from '../../events/category.js';
import type { StoredEvent } from '../../events/types.js';
import { eventOfRecord } from '../../projections/records.js';
import { InMemoryShardPositions } from '../../projections/shardPositions.js';
import type { StreamRecord } from '../../projections/streamPoller.js';
import { CONNECTION_OPTIONS, HELP_OPTION, integerOption, listOption } from '../args.js';
import type { Command } from '../command.js';
import { connectionOf, errorContextOf, openStreamsClient, openTable } from '../connection.js';
import { checkKeys, describeTable } from '../describe.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { abbreviate, formatTime, plural } from '../format.js';
import type { Output } from '../io.js';

/** One event on one line for people: time, stream, version, type, data cut to the terminal's width. */
function printEvent(out: Output, event: StoredEvent): void {
  const head = `${formatTime(event.timestamp)}  ${event.streamId}  v${event.version}  ${event.type}  `;
  const data = JSON.stringify(event.data) ?? '';
  out.write(`${head}${abbreviate(data, Math.max(20, out.columns - 1 - [...head].length))}\n`);
}

/** `dynago tail` */
export const tailCommand: Command = {
  name: 'tail',
  summary: 'Follow new events as they are appended (DynamoDB Streams).',
  arguments: [],
  description: [
    "Prints events as they are appended, from the table's DynamoDB Stream (it must be on, with new images: see create-table --stream), until Ctrl-C: one line each on a terminal, JSON lines otherwise. Events of a stream come in version order; streams interleave.",
    'By default it starts now: events whose time (the time stamped when they were appended) is before the start are skipped, so the clocks of the writers should agree with this one. --from-start prints everything the stream still holds (DynamoDB keeps 24 hours). Nothing is stored: each tail starts afresh.',
  ],
  options: [
    {
      heading: 'Options',
      specs: {
        category: {
          type: 'string',
          multiple: true,
          value: '<category>',
          description: 'Only the streams of this category (repeat it for several).',
        },
        'from-start': {
          type: 'boolean',
          description: 'Start at the oldest record the stream holds (TRIM_HORIZON), not now.',
        },
        'poll-ms': {
          type: 'string',
          value: '<ms>',
          description: 'How long a shard with nothing new waits before asking again. Default: 1000.',
        },
        json: { type: 'boolean', description: 'JSON lines even on a terminal.' },
        ...HELP_OPTION,
      },
    },
    { heading: 'Connection', specs: CONNECTION_OPTIONS },
  ],
  async run({ values, env, io, signal, errorContext }) {
    const categories = listOption(values, 'category');
    for (const category of categories) {
      try {
        checkCategory(category, '--category');
      } catch {
        throw new UsageError(
          `--category must be letters, digits and _, got ${JSON.stringify(category)}.`,
          'tail',
        );
      }
    }
    const pollIntervalMs = integerOption(values, 'poll-ms', 'tail', { min: 10, max: 60_000 }) ?? 1_000;
    const fromStart = values['from-start'] === true;
    const connection = connectionOf(values, env, 'tail');
    Object.assign(errorContext, errorContextOf(connection));
    const table = openTable(connection);
    const description = await describeTable(table, signal);
    checkKeys(table, description);
    if (
      description.streamArn === undefined ||
      !['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(String(description.streamView))
    ) {
      throw new CliError(
        `table ${connection.tableName} has no DynamoDB Stream with new images: turn it on (NEW_IMAGE), or create the table with "dynago create-table --stream".`,
      );
    }
    const client = await openStreamsClient(connection);
    // Loaded here: they need @aws-sdk/client-dynamodb-streams, an optional peer dependency.
    const [{ StreamPoller }, { positionsForNow }] = await Promise.all([
      import('../../projections/streamPoller.js'),
      import('../tailStart.js'),
    ]);
    const startedAt = Date.now();
    const seed = fromStart ? {} : await positionsForNow(client, description.streamArn, signal);
    const json = values.json === true || !io.out.isTTY;
    const events = new WeakMap<StreamRecord, StoredEvent>();
    const wanted = (record: StreamRecord): boolean => {
      const event = eventOfRecord(record, connection.partitionKeyName, connection.sortKeyName);
      if (event === undefined) return false;
      if (categories.length > 0 && !categories.includes(event.category)) return false;
      if (!fromStart && event.timestamp < startedAt) return false;
      events.set(record, event);
      return true;
    };
    const poller = new StreamPoller({
      client,
      streamArn: description.streamArn,
      positions: new InMemoryShardPositions(seed),
      pollIntervalMs,
      ignore: (record) => !wanted(record),
    });
    let printed = 0;
    let warnedTrimmed = false;
    io.err.write(
      `tailing ${connection.tableName}${categories.length > 0 ? ` (${categories.join(', ')})` : ''} ${fromStart ? 'from the oldest record of its stream' : 'from now'}; Ctrl-C to stop\n`,
    );
    await poller.run(
      async (records) => {
        for (const record of records) {
          const event = events.get(record);
          if (event === undefined) continue;
          printed++;
          if (json) io.out.write(`${JSON.stringify(event)}\n`);
          else printEvent(io.out, event);
        }
      },
      {
        signal,
        // Records past the stream's retention are gone; a tail has nothing to catch up, but says so.
        onTrimmed: async () => {
          if (fromStart && !warnedTrimmed) {
            warnedTrimmed = true;
            io.err.write(
              'note: part of the stream is older than its 24-hour retention and is gone; "dynago read" prints a stream whole.\n',
            );
          }
        },
      },
    );
    io.err.write(`stopped: ${plural(printed, 'event')} printed\n`);
    return EXIT.ok;
  },
};
