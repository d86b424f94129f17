import { CONNECTION_OPTIONS, HELP_OPTION } from '../args.js';
import type { Command } from '../command.js';
import { connectionOf, errorContextOf, openTable } from '../connection.js';
import { EXIT } from '../errors.js';

/** `dynago create-table [--stream]` */
export const createTableCommand: Command = {
  name: 'create-table',
  summary: 'Create the event table, optionally with its DynamoDB Stream.',
  arguments: [],
  description: [
    'Creates the table with a string partition key and a numeric sort key (the event version), billed on demand, and waits until it is active. With --stream, its DynamoDB Stream is on with new images, as `dynago tail` and Projector.run need.',
  ],
  options: [
    {
      heading: 'Options',
      specs: {
        stream: { type: 'boolean', description: 'Turn the DynamoDB Stream on (NEW_IMAGE).' },
        ...HELP_OPTION,
      },
    },
    { heading: 'Connection', specs: CONNECTION_OPTIONS },
  ],
  async run({ values, env, io, signal, errorContext }) {
    const connection = connectionOf(values, env, 'create-table');
    Object.assign(errorContext, errorContextOf(connection));
    const table = openTable(connection);
    const stream = values.stream === true;
    await table.createTable({ sortKeyType: 'N', ...(stream ? { stream: 'NEW_IMAGE' } : {}), signal });
    io.out.write(
      `created table ${connection.tableName} (${connection.partitionKeyName}: string, ${connection.sortKeyName}: number${stream ? ', stream: NEW_IMAGE' : ''})\n`,
    );
    return EXIT.ok;
  },
};
