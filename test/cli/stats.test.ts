import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { runCli as runInProcess } from '../../src/cli/cli.js';
import type { TableStats } from '../../src/cli/commands/stats.js';
import { EventStore, SnapshotStore, type Table } from '../../src/index.js';
import { createTestTable } from '../support/tables.js';
import { connectionArgs, lines, recordingIo, runCli } from './helpers.js';

describe('dynago stats', function () {
  this.timeout(30_000);
  let table: Table;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'cli-stats' });
    const store = new EventStore({ table });
    const deposit = (amount: number): { type: string; data: unknown } => ({
      type: 'Deposited',
      data: { amount },
    });
    await store.append('account-1', [deposit(1), deposit(2), deposit(3)]);
    await store.append('account-2', [deposit(4), { type: 'Closed', data: { reason: 'é' } }]);
    await store.append('cart-1', [{ type: 'Added', data: { sku: 'A-1', tags: ['x', 'y'] } }]);
    await store.append('settings', [{ type: 'Set', data: { dark: true, none: null } }]);
    await new SnapshotStore<{ balance: number }>({ table }).save('account-1', { balance: 6 }, { version: 3 });
    await table.putItem('checkpoint#balances#account-1', 0, { version: 3 });
    await table.putItem('checkpoint#balances#account-2', 0, { version: 2 });
    await table.putItem('misc', 0, { a: 'xyz' }); // pk 2+4, sk 2+2, a 1+3: 14 bytes
  });

  after(async () => {
    await table.deleteTable();
  });

  it('counts streams, events and snapshots per category, other items by prefix; bytes as DynamoDB counts them', async () => {
    const result = await runCli(['stats', ...connectionArgs(table)]);
    expect(result.code, result.stderr).to.equal(0);
    const stats = JSON.parse(result.stdout) as TableStats;
    const counts = stats.categories.map(({ category, streams, events, snapshots }) => ({
      category,
      streams,
      events,
      snapshots,
    }));
    expect(counts).to.deep.equal([
      { category: 'account', streams: 2, events: 5, snapshots: 1 },
      { category: 'cart', streams: 1, events: 1, snapshots: 0 },
      { category: 'settings', streams: 1, events: 1, snapshots: 0 },
    ]);
    expect(stats.total).to.include({ streams: 4, events: 7, snapshots: 1 });
    expect(stats.other.map(({ prefix, items }) => [prefix, items])).to.deep.equal([
      ['(no prefix)', 1],
      ['checkpoint', 2],
    ]);
    expect(stats.other[0]?.bytes).to.equal(14);
    expect(stats.complete).to.equal(true);
    expect(stats.scannedItems).to.equal(11);
    // DynamoDB Local keeps the table's size up to date: the sum of its item sizes. Its number sizes
    // differ from the documented rule stats uses (0 is 1 byte there, trailing zeros are not trimmed), by
    // a byte per item at most here (each has a 0 or a version number): a ballpark check, the 14 above exact.
    const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    const counted =
      stats.total.eventBytes +
      stats.total.snapshotBytes +
      stats.other.reduce((sum, entry) => sum + entry.bytes, 0);
    expect(Math.abs(counted - (described.Table?.TableSizeBytes ?? 0))).to.be.at.most(stats.scannedItems);
    expect(stats.total.eventBytes).to.be.within(7 * 60, 7 * 200);
    // The progress line goes to stderr only, never into the JSON.
    expect(result.stdout.trim().startsWith('{')).to.equal(true);
  });

  it('on a terminal: a table with a total row and the other items; the progress bar is cleared', async () => {
    const io = recordingIo(true, 100);
    const code = await runInProcess(['stats', '--segments', '2', ...connectionArgs(table)], {
      io,
      signal: new AbortController().signal,
    });
    expect(code, io.text.err).to.equal(0);
    const rows = lines(io.text.out);
    expect(rows[0]).to.match(
      /^CATEGORY +STREAMS +EVENTS +EVENT BYTES +AVG EVENT +SNAPSHOTS +SNAPSHOT BYTES$/,
    );
    expect(rows[1]).to.match(/^account +2 +5 +\d+ B +\d+ B +1 +\d+ B$/);
    expect(rows[4]).to.match(/^\(total\) +4 +7 /);
    expect(rows[5]).to.match(/^OTHER ITEMS +ITEMS +BYTES$/);
    expect(rows[6]).to.match(/^\(no prefix\) +1 +14 B$/);
    expect(io.text.err).to.include('\r\x1b[2Kstats: [');
    expect(io.text.err.endsWith('\r\x1b[2K')).to.equal(true);
  });
});
