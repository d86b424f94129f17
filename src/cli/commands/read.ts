import { EventStore } from '../../events/EventStore.js';
import type { ReadOptions, StoredEvent } from '../../events/types.js';
import { CONNECTION_OPTIONS, HELP_OPTION, integerOption } from '../args.js';
import type { Command } from '../command.js';
import { connectionOf, errorContextOf, openTable } from '../connection.js';
import { checkKeys, describeTable } from '../describe.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { formatTable, formatTime } from '../format.js';
import type { Output } from '../io.js';

/** Events are printed in batches of this many rows on a terminal, so the columns line up per batch. */
const TABLE_BATCH = 100;

/** `{"amount":10}`: the data on one line, for the table's last column. */
function compactData(data: unknown): string {
  const text = JSON.stringify(data);
  return text === undefined ? '' : text;
}

/** The table of events for people: version, type, time, data (abbreviated to the terminal's width). */
function printTable(out: Output, events: StoredEvent[], header: boolean): void {
  const text = formatTable(
    [{ header: 'VERSION', align: 'right' }, { header: 'TYPE' }, { header: 'TIME' }, { header: 'DATA' }],
    events.map((event) => [
      String(event.version),
      event.type,
      formatTime(event.timestamp),
      compactData(event.data),
    ]),
    out.columns,
  );
  out.write(header ? text : text.slice(text.indexOf('\n') + 1));
}

/** `dynago read <streamId>` */
export const readCommand: Command = {
  name: 'read',
  summary: "Print a stream's events (a table, or JSON lines when piped).",
  arguments: [{ name: 'streamId', description: 'The stream, e.g. account-42.' }],
  description: [
    "Prints the events of one stream in version order (or backwards): on a terminal a table of version, type, time (UTC) and data, abbreviated to the terminal's width; otherwise, or with --json, one JSON object per line, each event whole.",
    'A stream with no events is an error (exit code 1); a range past the end of an existing stream prints nothing.',
  ],
  options: [
    {
      heading: 'Options',
      specs: {
        from: { type: 'string', value: '<version>', description: 'The first version to print. Default: 1.' },
        to: {
          type: 'string',
          value: '<version>',
          description: 'The last version to print. Default: the last.',
        },
        backward: { type: 'boolean', description: 'Newest first.' },
        limit: { type: 'string', value: '<n>', description: 'At most this many events.' },
        json: { type: 'boolean', description: 'JSON lines even on a terminal.' },
        ...HELP_OPTION,
      },
    },
    { heading: 'Connection', specs: CONNECTION_OPTIONS },
  ],
  async run({ values, positionals, env, io, signal, errorContext }) {
    const streamId = positionals[0] as string;
    const from = integerOption(values, 'from', 'read', { min: 1 });
    const to = integerOption(values, 'to', 'read', { min: 1 });
    const limit = integerOption(values, 'limit', 'read', { min: 1 });
    if (from !== undefined && to !== undefined && from > to) {
      throw new UsageError(`--from (${from}) is after --to (${to}).`, 'read');
    }
    const connection = connectionOf(values, env, 'read');
    Object.assign(errorContext, errorContextOf(connection));
    const table = openTable(connection);
    checkKeys(table, await describeTable(table, signal));
    const store = new EventStore({ table });
    const options: ReadOptions = {
      signal,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(values.backward === true ? { direction: 'backward' as const } : {}),
    };
    const json = values.json === true || !io.out.isTTY;
    let printed = 0;
    let batch: StoredEvent[] = [];
    for await (const event of store.read(streamId, options)) {
      printed++;
      if (json) {
        io.out.write(`${JSON.stringify(event)}\n`);
        continue;
      }
      batch.push(event);
      if (batch.length === TABLE_BATCH) {
        printTable(io.out, batch, printed === TABLE_BATCH);
        batch = [];
      }
    }
    if (batch.length > 0) printTable(io.out, batch, printed <= TABLE_BATCH);
    if (printed === 0 && (await store.version(streamId, { signal })) === 0) {
      throw new CliError(
        `stream "${streamId}" not found: table ${connection.tableName} has no events for it.`,
      );
    }
    return EXIT.ok;
  },
};
