import { expect } from 'chai';
import type { Table } from '../../src/index.js';
import { collect, pad, recordInputs } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

interface PageItem {
  pk: string;
  sk: string;
  n: number;
  filler: string;
}

const TOTAL = 3000;
const key = { ':pk': 'page' };

/** The sort keys '0000' … '2999' from `from` on, `count` of them. */
const sortKeys = (from: number, count: number) => Array.from({ length: count }, (_, i) => pad(from + i));

describe('Table.query pagination over 3000 items of ~1 KB (several 1 MB DynamoDB pages)', function () {
  this.timeout(60_000);
  let table: Table;
  /** How many of these items DynamoDB puts in its first 1 MB page (measured once, then relied on). */
  let firstPage: number;
  let secondPage: number;

  before(async () => {
    table = await createTestTable({ prefix: 'paging' });
    const filler = 'x'.repeat(1000);
    const requests = countRequests(table.client);
    try {
      await table.batchWriteItems(
        Array.from({ length: TOTAL }, (_, n) => ({ pk: 'page', sk: pad(n), n, filler })),
      );
      expect(requests.counts).to.deep.equal({ BatchWriteItemCommand: TOTAL / 25 });
    } finally {
      requests.detach();
    }
    // Measured here so that every test can rely on it, whichever runs first.
    const page1 = await table.query('pk = :pk', key);
    const page2 = await table.query('pk = :pk', key, { cursor: page1.cursor });
    firstPage = page1.items.length;
    secondPage = page2.items.length;
  });

  after(async () => {
    await table.deleteTable();
  });

  it('query without a limit returns only the first DynamoDB page, with a cursor, in one request', async () => {
    const requests = countRequests(table.client);
    try {
      const page = await table.query<PageItem>('pk = :pk', key);
      expect(page.items).to.have.length(firstPage);
      // Items of ~1 KB: a 1 MB page holds between 800 and 1500 of them, so limits 1500 and 2500 below span
      // exactly 2 and 3 pages.
      expect(firstPage).to.be.within(800, 1499);
      expect(page.items.map((item) => item.sk)).to.deep.equal(sortKeys(0, firstPage));
      expect(page.items[0]).to.deep.equal({ pk: 'page', sk: '0000', n: 0, filler: 'x'.repeat(1000) });
      expect(page.cursor).to.be.a('string');
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });

      const next = await table.query<PageItem>('pk = :pk', key, { cursor: page.cursor });
      expect(next.items).to.have.length(secondPage);
      expect(next.items[0]?.sk).to.equal(pad(firstPage));
      expect(next.items.map((item) => item.sk)).to.deep.equal(sortKeys(firstPage, secondPage));
      expect(firstPage + secondPage).to.be.below(2500);
    } finally {
      requests.detach();
    }
  });

  it('queryAll yields all 3000 in sort-key order, one DynamoDB page per request', async () => {
    const requests = countRequests(table.client);
    try {
      const items = await collect(table.queryAll<PageItem>('pk = :pk', key));
      expect(items).to.have.length(TOTAL);
      expect(items.map((item) => item.sk)).to.deep.equal(sortKeys(0, TOTAL));
      expect(items.map((item) => item.n)).to.deep.equal(Array.from({ length: TOTAL }, (_, n) => n));
      expect(requests.counts).to.deep.equal({ QueryCommand: 3 });
    } finally {
      requests.detach();
    }
  });

  for (const [limit, pages] of [
    [100, 1],
    [1500, 2],
    [2500, 3],
    [3000, 3],
  ] as const) {
    it(`limit ${limit} returns exactly ${limit} items in ${pages} request(s), each asking only for what is missing`, async () => {
      const inputs = recordInputs(table.client, 'QueryCommand');
      const requests = countRequests(table.client);
      try {
        const result = await table.query<PageItem>('pk = :pk', key, { limit });
        expect(result.items.map((item) => item.sk)).to.deep.equal(sortKeys(0, limit));
        expect(result.cursor).to.be.a('string');
        expect(requests.counts).to.deep.equal({ QueryCommand: pages });
        const expectedLimits = [limit, limit - firstPage, limit - firstPage - secondPage].slice(0, pages);
        expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal(expectedLimits);
      } finally {
        inputs.detach();
        requests.detach();
      }
    });
  }

  it("the cursor of limit 1500 continues right after the 1500th item; after the last one there's nothing", async () => {
    const first = await table.query<PageItem>('pk = :pk', key, { limit: 1500 });
    const next = await table.query<PageItem>('pk = :pk', key, { limit: 10, cursor: first.cursor });
    expect(next.items.map((item) => item.sk)).to.deep.equal(sortKeys(1500, 10));

    const all = await table.query<PageItem>('pk = :pk', key, { limit: TOTAL });
    const requests = countRequests(table.client);
    try {
      expect(await table.query('pk = :pk', key, { limit: 10, cursor: all.cursor })).to.deep.equal({
        items: [],
        after: { pk: 'page', sk: sortKeys(TOTAL - 1, 1)[0] },
      });
      expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
    } finally {
      requests.detach();
    }
  });

  it('paging 100 at a time through cursors returns all 3000, no duplicates, in order', async () => {
    const requests = countRequests(table.client);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await table.query<PageItem>('pk = :pk', key, {
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        pageSizes.push(page.items.length);
        seen.push(...page.items.map((item) => item.sk));
        cursor = page.cursor;
        if (pageSizes.length > 40) expect.fail(`endless loop: ${pageSizes.length} pages and still a cursor`);
      } while (cursor);
      expect(seen).to.have.length(TOTAL);
      expect(new Set(seen).size).to.equal(TOTAL);
      expect(seen).to.deep.equal(sortKeys(0, TOTAL));
      // DynamoDB cannot tell that the 30th page ended the partition, so one last read comes back empty.
      expect(pageSizes).to.deep.equal([...Array<number>(30).fill(100), 0]);
      expect(requests.counts).to.deep.equal({ QueryCommand: 31 });
    } finally {
      requests.detach();
    }
  });

  it('descending, limit 3 returns the three highest sort keys', async () => {
    const result = await table.query<PageItem>('pk = :pk', key, { ascending: false, limit: 3 });
    expect(result.items.map((item) => item.sk)).to.deep.equal(['2999', '2998', '2997']);
  });

  describe('queryAll', () => {
    it('with limit 1500 yields exactly 1500 and never reads a page it does not need', async () => {
      const inputs = recordInputs(table.client, 'QueryCommand');
      try {
        const items = await collect(table.queryAll<PageItem>('pk = :pk', key, { limit: 1500 }));
        expect(items.map((item) => item.sk)).to.deep.equal(sortKeys(0, 1500));
        expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal([1500, 1500 - firstPage]);
      } finally {
        inputs.detach();
      }
    });

    it('with limit 3000 stops after the page holding the 3000th item (no extra empty read)', async () => {
      const requests = countRequests(table.client);
      try {
        const items = await collect(table.queryAll<PageItem>('pk = :pk', key, { limit: TOTAL }));
        expect(items).to.have.length(TOTAL);
        expect(requests.counts).to.deep.equal({ QueryCommand: 3 });
      } finally {
        requests.detach();
      }
    });

    it('reads the next page only when the caller gets past the current one', async () => {
      const requests = countRequests(table.client);
      try {
        const iterator = table.queryAll<PageItem>('pk = :pk', key);
        expect(requests.total()).to.equal(0);
        for (let i = 0; i < firstPage; i++) expect((await iterator.next()).value?.sk).to.equal(pad(i));
        expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
        expect((await iterator.next()).value?.sk).to.equal(pad(firstPage));
        expect(requests.counts).to.deep.equal({ QueryCommand: 2 });
        await iterator.return();
        expect(requests.counts).to.deep.equal({ QueryCommand: 2 });
      } finally {
        requests.detach();
      }
    });

    it('breaking out of the loop after the first item sends exactly one request', async () => {
      const requests = countRequests(table.client);
      try {
        for await (const item of table.queryAll<PageItem>('pk = :pk', key, { ascending: false })) {
          expect(item.sk).to.equal('2999');
          break;
        }
        expect(requests.counts).to.deep.equal({ QueryCommand: 1 });
      } finally {
        requests.detach();
      }
    });

    it('with pageSize 500 reads 500 per request and yields all 3000 in order', async () => {
      const inputs = recordInputs(table.client, 'QueryCommand');
      try {
        const items = await collect(table.queryAll<PageItem>('pk = :pk', key, { pageSize: 500 }));
        expect(items.map((item) => item.sk)).to.deep.equal(sortKeys(0, TOTAL));
        // Six full pages, then the read that finds the partition ended.
        expect(inputs.inputs.map((input) => input.Limit)).to.deep.equal([500, 500, 500, 500, 500, 500, 500]);
      } finally {
        inputs.detach();
      }
    });

    it('with prefetch yields all 3000 in order, each once', async () => {
      const requests = countRequests(table.client);
      try {
        const items = await collect(table.queryAll<PageItem>('pk = :pk', key, { prefetch: true }));
        expect(items.map((item) => item.sk)).to.deep.equal(sortKeys(0, TOTAL));
        expect(requests.counts).to.deep.equal({ QueryCommand: 3 });
      } finally {
        requests.detach();
      }
    });

    it("continues from a query's cursor", async () => {
      const first = await table.query<PageItem>('pk = :pk', key, { limit: 2990 });
      const rest = await collect(table.queryAll<PageItem>('pk = :pk', key, { cursor: first.cursor }));
      expect(rest.map((item) => item.sk)).to.deep.equal(sortKeys(2990, 10));
    });
  });
});
