/**
 * StreamPoller on DynamoDB Local's real stream: a table with NEW_IMAGE stream records, positions kept
 * in that same table (TableShardPositions), so their own stream records must be skipped (ownsRecord)
 * rather than feed back.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { expect } from 'chai';
import { Table } from '../../src/index.js';
import { TableShardPositions } from '../../src/projections/shardPositions.js';
import { StreamPoller, type StreamRecord } from '../../src/projections/streamPoller.js';
import { createTestTableName } from '../../src/testing/index.js';
import { type TestEndpoint, testEndpoint } from '../support/tables.js';

/** Resolves once `done()` holds; fails after `ms`. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The position items stored in `table`. */
async function collectPositions(table: Table): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of table.scanAll()) if (String(item.pk).startsWith('position#')) items.push(item);
  return items;
}

/** The `n` of each record's new image, for the items this test put (`item#…`). */
function numbers(records: StreamRecord[]): number[] {
  return records
    .filter((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('item#'))
    .map((record) => Number((record.dynamodb?.NewImage?.n as { N?: string } | undefined)?.N));
}

describe('StreamPoller on DynamoDB Local', () => {
  let endpoint: TestEndpoint;
  let credentials: { accessKeyId: string; secretAccessKey: string };
  let raw: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let table: Table;
  let streamArn: string;

  before(() => {
    // Not at load time: the global setup sets the endpoint after the files are loaded.
    endpoint = testEndpoint();
    credentials = { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey };
    raw = new DynamoDBClient({ endpoint: endpoint.url, region: endpoint.region, credentials });
    streams = new DynamoDBStreamsClient({ endpoint: endpoint.url, region: endpoint.region, credentials });
  });

  beforeEach(async () => {
    const tableName = createTestTableName('poller');
    const created = await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    await waitUntilTableExists({ client: raw, maxWaitTime: 60 }, { TableName: tableName });
    streamArn = created.TableDescription?.LatestStreamArn as string;
    expect(streamArn).to.be.a('string');
    table = new Table({
      tableName,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region: endpoint.region,
      endpoint: { url: endpoint.url, ...credentials },
    });
  });

  afterEach(async () => {
    await raw.send(new DeleteTableCommand({ TableName: table.tableName }));
  });

  after(() => {
    raw?.destroy();
    streams?.destroy();
  });

  const put = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) await table.putItem(`item#${n}`, 0, { n });
  };

  const poller = (positions = new TableShardPositions(table, 'test')) =>
    new StreamPoller({
      client: streams,
      streamArn,
      positions,
      pollIntervalMs: 20,
      describeIntervalMs: 200,
      retryDelay: { baseDelayMs: 5, maxDelayMs: 50 },
    });

  it('tails the stream live: items put while running are handled in order; an abort resolves run', async () => {
    const seen: number[] = [];
    let last: string | undefined;
    const controller = new AbortController();
    const running = poller().run(
      async (records) => {
        seen.push(...numbers(records));
        last = records.at(-1)?.dynamodb?.SequenceNumber ?? last;
      },
      { signal: controller.signal, onTrimmed: async () => {} },
    );
    running.catch(() => {}); // awaited below; never unhandled if an assertion fails first
    await put(1, 5);
    await until(() => seen.length === 5);
    await put(6, 8);
    await until(() => seen.length === 8);
    // The positions live in the streamed table: their own records are skipped, not saved again and again.
    const savedAt = async () =>
      (await collectPositions(table)).map((item) => `${String(item.pk)}@${String(item.savedAt)}`);
    // the position of the last batch is saved after `handle` resolves: wait for it, then watch it stay
    for (let tries = 0; tries < 200; tries++) {
      if ((await collectPositions(table)).some((item) => item.sequenceNumber === last)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const before = await savedAt();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(before).to.have.length(1);
    expect(await savedAt()).to.deep.equal(before);
    const started = Date.now();
    controller.abort();
    await running;
    expect(Date.now() - started).to.be.lessThan(1_000);
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a restart resumes after the saved position: nothing is handled twice, nothing is missed', async () => {
    const positions = new TableShardPositions(table, 'restart');
    const first: number[] = [];
    const controller = new AbortController();
    const running = poller(positions).run(
      async (records) => {
        first.push(...numbers(records));
      },
      { signal: controller.signal, onTrimmed: async () => {} },
    );
    running.catch(() => {});
    await put(1, 3);
    await until(() => first.length === 3);
    controller.abort();
    await running;

    await put(4, 6); // written while no poller runs
    const second: number[] = [];
    const again = new AbortController();
    let trimmed = 0;
    const rerun = poller(positions).run(
      async (records) => {
        second.push(...numbers(records));
      },
      {
        signal: again.signal,
        onTrimmed: async () => {
          trimmed++;
        },
      },
    );
    rerun.catch(() => {});
    await until(() => second.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a re-read from TRIM_HORIZON would show by now
    again.abort();
    await rerun;

    expect(first).to.deep.equal([1, 2, 3]);
    expect(second).to.deep.equal([4, 5, 6]);
    expect(trimmed).to.equal(0);
  });

  it('a failing handle is retried with the same batch until it succeeds; nothing is skipped', async () => {
    const attempts: number[][] = [];
    const seen: number[] = [];
    let failures = 0;
    const controller = new AbortController();
    const running = poller().run(
      async (records) => {
        const batch = numbers(records);
        attempts.push(batch);
        if (batch.includes(3) && failures++ < 3) throw new Error('read model unavailable');
        seen.push(...batch);
      },
      { signal: controller.signal, onTrimmed: async () => {} },
    );
    running.catch(() => {});
    await put(1, 6);
    await until(() => seen.length === 6);
    controller.abort();
    await running;

    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const failed = attempts.filter((batch) => batch.includes(3));
    expect(failed).to.have.length(4); // three rejections, then the same batch once more
    for (const batch of failed) expect(batch).to.deep.equal(failed[0]);
  });
});
