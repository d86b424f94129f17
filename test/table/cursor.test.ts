import { expect } from 'chai';
import { InvalidCursorError, Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { collect, rejects } from '../support/helpers.js';
import { countRequests, createTestTable, testEndpoint } from '../support/tables.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Sort keys of growing length, so that the cursors below have every length modulo 3 and 4.
const sortKeys = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'ggggggg', 'hhhhhhhh', 'iiiiiiiii'];
const items = [
  ...sortKeys.map((sk, i) => ({ pk: 'c1', sk, gpk: 'g', gsk: i })),
  ...sortKeys.map((sk, i) => ({ pk: 'c2', sk, gpk: 'g', gsk: 100 + i })),
];
const indexes = [
  {
    name: 'gsi1',
    partitionKey: { name: 'gpk', type: 'S' as const },
    sortKey: { name: 'gsk', type: 'N' as const },
  },
  {
    name: 'gsi2',
    partitionKey: { name: 'gpk', type: 'S' as const },
    sortKey: { name: 'gsk', type: 'N' as const },
  },
];

describe('Table.query cursors', () => {
  let table: Table;
  let twin: Table;
  /** A cursor after the first 3 items of partition c1. */
  let cursor: string;

  before(async () => {
    [table, twin] = await Promise.all([
      createTestTable({ prefix: 'cursor', indexes }),
      createTestTable({ prefix: 'cursor-twin', indexes }),
    ]);
    await Promise.all([table.batchWriteItems(items), twin.batchWriteItems(items)]);
    const page = await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 3 });
    cursor = page.cursor as string;
  });

  after(async () => {
    await Promise.all([table.deleteTable(), twin.deleteTable()]);
  });

  /** Asserts `call` rejects with InvalidCursorError without sending any request. */
  async function expectInvalid(on: Table, call: () => Promise<unknown>): Promise<void> {
    const requests = countRequests(on.client);
    try {
      const error = await rejects(call(), InvalidCursorError);
      expect(error.code).to.equal('cursor.invalid');
      expect(error.message).to.match(/^Invalid cursor: /);
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  }

  describe('a valid cursor', () => {
    it('is URL-safe and opaque: no key values or attribute names readable in it', () => {
      expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
      expect(encodeURIComponent(cursor)).to.equal(cursor);
      // The plaintext would show in the decoded bytes; checking the base64 text for a two-letter value
      // would fail now and then by chance (random ciphertext), so only quoted or longer values are checked.
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      expect(decoded).not.to.contain('"c1"');
      expect(decoded).not.to.contain('ccc');
      expect(decoded).not.to.contain('"pk"');
      expect(decoded).not.to.contain('"sk"');
    });

    it('continues right after the last returned item, and there is none once the partition is done', async () => {
      const next = await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 3, cursor });
      expect(next.items.map((item) => item.sk)).to.deep.equal(['dddd', 'eeeee', 'ffffff']);
      const last = await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 10, cursor: next.cursor });
      expect(last).to.deep.equal({
        items: items.slice(6, 9).map(({ pk, sk, gpk, gsk }) => ({ pk, sk, gpk, gsk })),
        after: { pk: 'c1', sk: 'ffffff' }, // the key the cursor continued after
      });
    });

    it('of an index query (a partial key: index and table key attributes) pages on', async () => {
      const first = await table.query<{ gsk: number }>(
        'gpk = :g',
        { ':g': 'g' },
        { index: 'gsi1', limit: 4 },
      );
      expect(first.items.map((item) => item.gsk)).to.deep.equal([0, 1, 2, 3]);
      const next = await table.query<{ gsk: number }>(
        'gpk = :g',
        { ':g': 'g' },
        { index: 'gsi1', limit: 4, cursor: first.cursor },
      );
      expect(next.items.map((item) => item.gsk)).to.deep.equal([4, 5, 6, 7]);
    });

    it('works on another Table instance for the same table (another process, after a restart)', async () => {
      const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
      const again = new Table({
        tableName: table.tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        region,
        endpoint: { url, accessKeyId, secretAccessKey },
      });
      const next = await again.query('pk = :pk', { ':pk': 'c1' }, { limit: 1, cursor });
      expect(next.items.map((item) => item.sk)).to.deep.equal(['dddd']);
    });

    it('is accepted by queryAll for the same query', async () => {
      const rest = await collect(table.queryAll<{ sk: string }>('pk = :pk', { ':pk': 'c1' }, { cursor }));
      expect(rest.map((item) => item.sk)).to.deep.equal(sortKeys.slice(3));
    });
  });

  describe('is refused with InvalidCursorError before any request when it', () => {
    const q = (options: Record<string, unknown>, values: Record<string, unknown> = { ':pk': 'c1' }) =>
      table.query('pk = :pk', values, { limit: 3, ...options });

    for (const [what, bad] of [
      ['is a random word', 'hello'],
      ['is the empty string', ''],
      ['is 40 random base64url characters', 'Q29tcGxldGVseSBtYWRlIHVwIGJ5IGEgdGVzdCEhIQ'],
      ['is a number', 12345],
      ['is an object', { pk: 'c1', sk: 'ccc' }],
      ['is readable JSON of a key', JSON.stringify({ pk: 'c1', sk: 'ccc' })],
    ] as const) {
      it(what, async () => {
        await expectInvalid(table, () => q({ cursor: bad }));
      });
    }

    it('is truncated (by one, four and all but 30 characters)', async () => {
      for (const cut of [cursor.slice(0, -1), cursor.slice(0, -4), cursor.slice(0, 30)]) {
        await expectInvalid(table, () => q({ cursor: cut }));
      }
    });

    it('has one character in the middle edited', async () => {
      const at = Math.floor(cursor.length / 2);
      const edited = cursor.slice(0, at) + (cursor[at] === 'A' ? 'B' : 'A') + cursor.slice(at + 1);
      await expectInvalid(table, () => q({ cursor: edited }));
    });

    it('holds a character outside base64url (+ / = space % .)', async () => {
      const at = Math.floor(cursor.length / 2);
      for (const character of ['+', '/', '=', ' ', '%', '.']) {
        await expectInvalid(table, () => q({ cursor: cursor.slice(0, at) + character + cursor.slice(at) }));
      }
      await expectInvalid(table, () => q({ cursor: `${cursor}=` }));
      await expectInvalid(table, () => q({ cursor: ` ${cursor}` }));
    });

    it('has any single character edited, or one appended, at any position (cursors of every length)', async () => {
      const cursors: string[] = [];
      let page = await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 1 });
      while (page.cursor && cursors.length < 8) {
        cursors.push(page.cursor);
        page = await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 1, cursor: page.cursor });
      }
      expect(new Set(cursors.map((c) => c.length % 4)).size, 'cursor lengths modulo 4').to.be.at.least(3);
      const accepted: string[] = [];
      const requests = countRequests(table.client);
      try {
        for (const original of cursors) {
          const edits = [`${original}A`, `${original}w`];
          for (let at = 0; at < original.length; at++) {
            const next = BASE64URL[(BASE64URL.indexOf(original[at] as string) + 1) % 64] as string;
            edits.push(original.slice(0, at) + next + original.slice(at + 1));
          }
          for (const edited of edits) {
            try {
              await table.query('pk = :pk', { ':pk': 'c1' }, { limit: 1, cursor: edited });
              accepted.push(`${original} -> ${edited}`);
            } catch (err) {
              if (!(err instanceof InvalidCursorError)) throw err;
            }
          }
        }
        expect(accepted, 'edited cursors that were accepted').to.deep.equal([]);
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });

    it('comes from another partition value', async () => {
      await expectInvalid(table, () => q({ cursor }, { ':pk': 'c2' }));
    });

    it('comes from another key condition', async () => {
      await expectInvalid(table, () =>
        table.query('pk = :pk and sk > :sk', { ':pk': 'c1', ':sk': 'a' }, { limit: 3, cursor }),
      );
    });

    it('comes from the other sort order', async () => {
      await expectInvalid(table, () => q({ cursor, ascending: false }));
    });

    it('comes from a query without the filter', async () => {
      await expectInvalid(table, () =>
        table.query('pk = :pk', { ':pk': 'c1', ':g': 'g' }, { limit: 3, cursor, filter: 'gpk = :g' }),
      );
    });

    it('comes from another index with the same key condition and values', async () => {
      const fromGsi1 = await table.query('gpk = :g', { ':g': 'g' }, { index: 'gsi1', limit: 2 });
      expect(fromGsi1.cursor).to.be.a('string');
      await expectInvalid(table, () =>
        table.query('gpk = :g', { ':g': 'g' }, { index: 'gsi2', limit: 2, cursor: fromGsi1.cursor }),
      );
    });

    it('comes from the table when an index is queried, or from an index when the table is', async () => {
      // Only the index differs; the cursor is checked before DynamoDB would judge the key condition.
      await expectInvalid(table, () => q({ cursor, index: 'gsi1' }));
      const fromIndex = await table.query('gpk = :g', { ':g': 'g' }, { index: 'gsi1', limit: 2 });
      await expectInvalid(table, () =>
        table.query('gpk = :g', { ':g': 'g' }, { limit: 2, cursor: fromIndex.cursor }),
      );
    });

    it('comes from another table with the same items and query', async () => {
      await expectInvalid(twin, () => twin.query('pk = :pk', { ':pk': 'c1' }, { limit: 3, cursor }));
    });

    it('was sealed with another cursorSecret (while the same secret works across instances)', async () => {
      const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
      const withSecret = (cursorSecret: string) =>
        new Table({
          tableName: table.tableName,
          partitionKeyName: 'pk',
          sortKeyName: 'sk',
          region,
          endpoint: { url, accessKeyId, secretAccessKey },
          cursorSecret,
        });
      const one = withSecret('secret-1');
      const sealed = (await one.query('pk = :pk', { ':pk': 'c1' }, { limit: 3 })).cursor;
      const same = await withSecret('secret-1').query(
        'pk = :pk',
        { ':pk': 'c1' },
        { limit: 3, cursor: sealed },
      );
      expect(same.items.map((item) => item.sk)).to.deep.equal(['dddd', 'eeeee', 'ffffff']);
      const other = withSecret('secret-2');
      await expectInvalid(other, () =>
        other.query('pk = :pk', { ':pk': 'c1' }, { limit: 3, cursor: sealed }),
      );
      await expectInvalid(table, () => q({ cursor: sealed }));
    });

    it('is tampered with and given to queryAll (refused on the first read)', async () => {
      const edited = `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`;
      await expectInvalid(table, () =>
        table.queryAll('pk = :pk', { ':pk': 'c1' }, { cursor: edited }).next(),
      );
    });
  });
});

describe('Table.query cursors over binary and numeric keys', () => {
  let binary: Table;
  let numeric: Table;

  before(async () => {
    const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
    binary = new Table({
      tableName: createTestTableName('cursor-bin'),
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region,
      endpoint: { url, accessKeyId, secretAccessKey },
    });
    [numeric] = await Promise.all([
      createTestTable({ prefix: 'cursor-num', partitionKeyType: 'N', sortKeyType: 'N' }),
      binary.createTable({ partitionKeyType: 'B', sortKeyType: 'B' }),
    ]);
    const pk = new Uint8Array([0xff, 0x00, 0x2f]);
    await Promise.all([
      binary.batchWriteItems([0, 1, 2, 3, 4].map((i) => ({ pk, sk: new Uint8Array([i, 0xfe]), i }))),
      numeric.batchWriteItems([-5, 0.5, 7, 1e10, 42].map((sk) => ({ pk: 3.25, sk }))),
    ]);
  });

  after(async () => {
    await Promise.all([binary.deleteTable(), numeric.deleteTable()]);
  });

  it('a binary key round-trips through the cursor', async () => {
    const values = { ':pk': new Uint8Array([0xff, 0x00, 0x2f]) };
    const first = await binary.query<{ i: number; sk: Uint8Array }>('pk = :pk', values, { limit: 2 });
    expect(first.items.map((item) => item.i)).to.deep.equal([0, 1]);
    const next = await binary.query<{ i: number; sk: Uint8Array }>('pk = :pk', values, {
      limit: 2,
      cursor: first.cursor,
    });
    expect(next.items.map((item) => item.i)).to.deep.equal([2, 3]);
    expect(next.items[0]?.sk).to.deep.equal(new Uint8Array([2, 0xfe]));
  });

  it('numeric keys (fractions, negatives, large numbers) round-trip through the cursor', async () => {
    const first = await numeric.query<{ sk: number }>('pk = :pk', { ':pk': 3.25 }, { limit: 2 });
    expect(first.items.map((item) => item.sk)).to.deep.equal([-5, 0.5]);
    const next = await numeric.query<{ sk: number }>(
      'pk = :pk',
      { ':pk': 3.25 },
      { limit: 2, cursor: first.cursor },
    );
    expect(next.items.map((item) => item.sk)).to.deep.equal([7, 42]);
    const last = await numeric.query<{ sk: number }>(
      'pk = :pk',
      { ':pk': 3.25 },
      { limit: 2, cursor: next.cursor },
    );
    expect(last.items.map((item) => item.sk)).to.deep.equal([1e10]);
    expect(last.cursor).to.equal(undefined);
  });
});
