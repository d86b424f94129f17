import { expect } from 'chai';
import { DynamoDBUnavailableError, type Table } from '../../src/index.js';
import { type FaultKind, type FaultProxy, startFaultProxy } from '../support/faultProxy.js';
import { countRequests } from '../support/helpers.js';
import { createProxiedTable, failureOf, tableThrough } from '../support/reliability.js';
import { testEndpoint } from '../support/tables.js';

describe('reliability: the fault proxy', () => {
  let proxy: FaultProxy;
  let table: Table;
  let direct: Table;

  before(async () => {
    proxy = await startFaultProxy({ target: testEndpoint().url, seed: 11 });
    ({ table, direct } = await createProxiedTable(proxy.url, { prefix: 'proxy' }));
    await direct.putItem('item', 1, { n: 1 });
  });

  after(async () => {
    await direct.deleteTable();
    await proxy.close();
  });

  afterEach(() => {
    proxy.configure({ rate: 0, weights: {} });
    expect(proxy.pendingScript(), 'every scripted fault was used').to.equal(0);
  });

  it('the same seed gives the same sequence of decisions; another seed another one', async () => {
    const runs: string[][] = [];
    for (const seed of [5, 5, 6]) {
      const seeded = await startFaultProxy({
        target: testEndpoint().url,
        seed,
        rate: 0.5,
        weights: { reset: 0, dropResponse: 0, delay: 0 },
      });
      try {
        const through = tableThrough(seeded.url, direct.tableName, { maxAttempts: 1 });
        for (let i = 0; i < 40; i++) await through.getItem('item', 1).catch(() => undefined);
        runs.push([...seeded.decisions]);
        expect(seeded.totalFaults()).to.equal(seeded.decisions.filter((d) => d !== 'none').length);
      } finally {
        await seeded.close();
      }
    }
    expect(runs[0]).to.have.length(40);
    expect(runs[0]).to.deep.equal(runs[1]);
    expect(runs[0]).to.not.deep.equal(runs[2]);
    expect(new Set(runs[0])).to.include.members(['none', 'serverError', 'throttling', 'throughputExceeded']);
  });

  it('the rate is respected roughly, and rate 0 switches faults off', async () => {
    proxy.configure({
      rate: 0.3,
      weights: { delay: 1, serverError: 0, throughputExceeded: 0, throttling: 0, reset: 0, dropResponse: 0 },
    });
    const before = proxy.decisions.length;
    for (let i = 0; i < 100; i++) await table.getItem('item', 1);
    const delayed = proxy.decisions.slice(before).filter((d) => d === 'delay').length;
    expect(delayed).to.be.within(15, 45);
    proxy.configure({ rate: 0 });
    const mark = proxy.decisions.length;
    for (let i = 0; i < 20; i++) await table.getItem('item', 1);
    expect(proxy.decisions.slice(mark).every((d) => d === 'none')).to.equal(true);
  });

  const kinds: FaultKind[] = ['serverError', 'throughputExceeded', 'throttling', 'reset', 'dropResponse'];

  for (const kind of kinds) {
    it(`${kind}: absorbed by the SDK's retries when fewer than maxAttempts in a row`, async () => {
      const requests = countRequests(table.client);
      try {
        const before = proxy.counts[kind];
        proxy.script('GetItem', [kind, kind]);
        expect(await table.getItem('item', 1, { consistentRead: true })).to.deep.equal({
          pk: 'item',
          sk: 1,
          n: 1,
        });
        expect(proxy.counts[kind] - before).to.equal(2);
        expect(requests.counts.GetItemCommand).to.equal(3);
      } finally {
        requests.detach();
      }
    });

    it(`${kind}: on every attempt → DynamoDBUnavailableError, retryable, after maxAttempts requests`, async () => {
      const requests = countRequests(table.client);
      try {
        proxy.script('GetItem', [kind, kind, kind]);
        const error = await failureOf(table.getItem('item', 1));
        expect(error).to.be.instanceOf(DynamoDBUnavailableError);
        expect((error as DynamoDBUnavailableError).retryable).to.equal(true);
        expect((error as Error).message).to.match(/GetItem/);
        expect(requests.counts.GetItemCommand).to.equal(3);
      } finally {
        requests.detach();
      }
    });
  }

  it('delay: the request goes through, late', async () => {
    proxy.script('GetItem', ['delay']);
    expect(await table.getItem('item', 1)).to.deep.equal({ pk: 'item', sk: 1, n: 1 });
  });

  it('dropResponse: the write reaches DynamoDB although the client never hears of it', async () => {
    const single = await createProxiedTable(proxy.url, { prefix: 'drop', client: { maxAttempts: 1 } });
    try {
      proxy.script('PutItem', ['dropResponse']);
      const error = await failureOf(single.table.putItem('written', 1, { n: 42 }));
      expect(error).to.be.instanceOf(DynamoDBUnavailableError);
      expect(await single.direct.getItem('written', 1, { consistentRead: true })).to.deep.equal({
        pk: 'written',
        sk: 1,
        n: 42,
      });
      expect(proxy.dropped.at(-1)?.operation).to.equal('PutItem');
      expect(proxy.dropped.at(-1)?.body).to.include('"written"');
    } finally {
      await single.direct.deleteTable();
    }
  });
});
