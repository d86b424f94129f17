import { expect } from 'chai';
import { runCli as runInProcess } from '../../src/cli/cli.js';
import { EventStore, type StoredEvent, type Table } from '../../src/index.js';
import { createStreamedEventTable } from '../projections/helpers.js';
import { createTestTable } from '../support/tables.js';
import { CliProcess, connectionArgs, jsonLines, lines, recordingIo, runCli } from './helpers.js';

describe('dynago tail', function () {
  this.timeout(30_000);
  let table: Table;
  let store: EventStore;

  before(async () => {
    table = await createStreamedEventTable('cli-tail');
    store = new EventStore({ table });
    await store.append('account-old', [{ type: 'Opened', data: { n: 0 } }]);
  });

  after(async () => {
    await table.deleteTable();
  });

  it('from now: prints the events appended after it started, as JSON lines; Ctrl-C stops it, exit 0', async () => {
    const tail = new CliProcess(['tail', '--poll-ms', '50', ...connectionArgs(table)]);
    await tail.waitFor('stderr', /tailing .* from now; Ctrl-C to stop\n/);
    await store.append('account-new', [{ type: 'Deposited', data: { amount: 5 } }]);
    await store.append('cart-1', [{ type: 'Added', data: { sku: 'A' } }]);
    await tail.waitFor('stdout', /"cart-1"/);
    tail.interrupt();
    const result = await tail.exited;
    expect(result.code, result.stderr).to.equal(0);
    const events = jsonLines<StoredEvent>(result.stdout);
    expect(events.map((event) => [event.streamId, event.version, event.type])).to.deep.equal([
      ['account-new', 1, 'Deposited'],
      ['cart-1', 1, 'Added'],
    ]);
    expect(events[0]?.data).to.deep.equal({ amount: 5 });
    expect(lines(result.stderr).at(-1)).to.equal('stopped: 2 events printed');
  });

  it('--from-start --category: everything the stream holds, of that category only', async () => {
    const tail = new CliProcess([
      'tail',
      '--from-start',
      '--category',
      'account',
      '--poll-ms',
      '50',
      ...connectionArgs(table),
    ]);
    await tail.waitFor('stderr', /tailing .* \(account\) from the oldest record of its stream/);
    await store.append('cart-2', [{ type: 'Added', data: { sku: 'B' } }]);
    await store.append('account-new', [{ type: 'Withdrawn', data: { amount: 1 } }]);
    // The records of a shard come in order: once this one is printed, cart-2 was read and skipped.
    await tail.waitFor('stdout', /"Withdrawn"/);
    tail.interrupt();
    const result = await tail.exited;
    expect(result.code, result.stderr).to.equal(0);
    expect(
      jsonLines<StoredEvent>(result.stdout).map((event) => `${event.streamId}@${event.version}`),
    ).to.deep.equal(['account-old@1', 'account-new@1', 'account-new@2']);
  });

  it('on a terminal: one line per event (time, stream, version, type, data), cut to the width', async () => {
    const io = recordingIo(true, 100);
    const stop = new AbortController();
    const running = runInProcess(['tail', '--poll-ms', '50', ...connectionArgs(table)], {
      io,
      signal: stop.signal,
    });
    while (!io.text.err.includes('tailing')) await new Promise((resolve) => setTimeout(resolve, 20));
    await store.append('account-tty', [{ type: 'Deposited', data: { note: 'n'.repeat(100) } }]);
    while (!io.text.out.includes('account-tty')) await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    expect(await running).to.equal(0);
    const [line] = lines(io.text.out);
    expect(line).to.match(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}account-tty {2}v1 {2}Deposited {2}\{"note":"n+…$/,
    );
    expect([...(line as string)].length).to.equal(99);
  });

  it('a table without a stream: one line, exit 1', async () => {
    const plain = await createTestTable({ sortKeyType: 'N', prefix: 'cli-tail-plain' });
    try {
      const result = await runCli(['tail', ...connectionArgs(plain)]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal(
        `dynago tail: table ${plain.tableName} has no DynamoDB Stream with new images: turn it on (NEW_IMAGE), or create the table with "dynago create-table --stream".\n`,
      );
    } finally {
      await plain.deleteTable();
    }
  });
});
