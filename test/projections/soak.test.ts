/**
 * The projection soak: 20 accounts receive seeded deposits and withdrawals (written straight to
 * DynamoDB Local) while `Projector.run` follows the table's stream through the fault proxy, which
 * faults 10 % of every request of the projector: DynamoDB's (checkpoints, read-model writes, gap reads)
 * and the Streams API's (DescribeStream, GetShardIterator, GetRecords). Two projections, one with its
 * checkpoints in items of their own (transactions) and one with the checkpoint in the read-model item.
 * At the end both read models equal a fold of the events: nothing lost, nothing applied twice.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { expect } from 'chai';
import { EventStore, type Projection, Projector, type StoredEvent, Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { createClient, type FaultProxy, mulberry32, startFaultProxy } from '../support/faultProxy.js';
import { testEndpoint } from '../support/tables.js';

const SEED = 20_261_202;
const ACCOUNTS = 20;
const EVENTS = 400;

describe('projections soak: live through 10 % faults on DynamoDB and on DynamoDB Streams', function () {
  this.timeout(120_000);
  let proxy: FaultProxy;
  let events: Table;
  let model: Table;

  before(async () => {
    proxy = await startFaultProxy({ target: testEndpoint().url, seed: SEED, rate: 0 });
    const name = createTestTableName('proj-soak');
    events = new Table({
      tableName: name,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      client: createClient(testEndpoint().url),
    });
    model = new Table({
      tableName: `${name}-model`,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      client: createClient(testEndpoint().url),
    });
    await events.createTable({ sortKeyType: 'N', stream: 'NEW_IMAGE' });
    await model.createTable({ sortKeyType: 'N' });
  });

  after(async () => {
    await events.deleteTable();
    await model.deleteTable();
    await proxy.close();
  });

  it('both read models equal a fold of the events', async () => {
    const through = (table: Table) =>
      new Table({
        tableName: table.tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        client: createClient(proxy.url),
      });
    const faultyModel = through(model);
    const amount = (event: StoredEvent) =>
      (event.data as { amount: number }).amount * (event.type === 'Withdrawn' ? -1 : 1);
    const inTable: Projection = {
      name: 'soak-table',
      project: (event) => [
        faultyModel.updateOp(`tbl#${event.streamId}`, 0, { add: { balance: amount(event), events: 1 } }),
      ],
    };
    const inItem: Projection = {
      name: 'soak-item',
      checkpoint: 'item',
      project: (event) => [
        faultyModel.updateOp(`itm#${event.streamId}`, 0, { add: { balance: amount(event), events: 1 } }),
      ],
    };
    const { url, region, accessKeyId, secretAccessKey } = { ...testEndpoint(), url: proxy.url };
    const projector = new Projector({
      events: new EventStore({ table: through(events) }),
      projections: [inTable, inItem],
      checkpoints: faultyModel,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
    });
    const stop = new AbortController();
    proxy.configure({ rate: 0.1 });
    const running = projector.run({
      signal: stop.signal,
      pollIntervalMs: 20,
      streams: new DynamoDBStreamsClient({
        endpoint: url,
        region,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 3,
      }),
    });
    // the writer goes straight to DynamoDB: the faults are the projector's
    const store = new EventStore({ table: events });
    const random = mulberry32(SEED);
    const expected = new Map<string, { balance: number; events: number }>();
    for (let n = 0; n < EVENTS; n++) {
      const streamId = `account-${Math.floor(random() * ACCOUNTS)}`;
      const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        type: random() < 0.7 ? 'Deposited' : 'Withdrawn',
        data: { amount: 1 + Math.floor(random() * 100) },
      }));
      const appended = await store.append(streamId, batch);
      const sum = expected.get(streamId) ?? { balance: 0, events: 0 };
      for (const event of appended.events) {
        sum.balance += amount(event);
        sum.events++;
      }
      expected.set(streamId, sum);
    }
    const matches = async (prefix: string) => {
      for (const [streamId, want] of expected) {
        const item = await model.getItem<{ balance: number; events: number }>(`${prefix}#${streamId}`, 0, {
          consistentRead: true,
        });
        if (item?.balance !== want.balance || item?.events !== want.events) return false;
      }
      return true;
    };
    const deadline = Date.now() + 90_000;
    while (!((await matches('tbl')) && (await matches('itm')))) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    proxy.configure({ rate: 0 });
    stop.abort();
    await running;
    for (const [streamId, want] of expected) {
      for (const prefix of ['tbl', 'itm']) {
        const item = await model.getItem<{ balance: number; events: number }>(`${prefix}#${streamId}`, 0, {
          consistentRead: true,
        });
        expect({ balance: item?.balance, events: item?.events }, `${prefix}#${streamId}`).to.deep.equal(want);
      }
    }
    expect((await projector.status('soak-table')).parked).to.deep.equal([]);
    expect((await projector.status('soak-item')).parked).to.deep.equal([]);
  });
});
