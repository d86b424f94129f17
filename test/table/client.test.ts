import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { Table, TableExistsError, TableNotFoundError, ValidationError } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { rejects, throws } from '../support/helpers.js';
import { countRequests, testEndpoint } from '../support/tables.js';

describe('new Table and createTable', () => {
  const endpoint = () => {
    const { url, accessKeyId, secretAccessKey } = testEndpoint();
    return { url, accessKeyId, secretAccessKey };
  };
  const rawClient = () => {
    const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
    return new DynamoDBClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey } });
  };

  it('echoes the configured table name and key names', () => {
    const table = new Table({ tableName: 'orders', partitionKeyName: 'id', sortKeyName: 'createdAt' });
    expect(table.tableName).to.equal('orders');
    expect(table.partitionKeyName).to.equal('id');
    expect(table.sortKeyName).to.equal('createdAt');
  });

  for (const [what, options, message] of [
    [
      'an empty table name',
      { tableName: '', partitionKeyName: 'pk' },
      'tableName must be a non-empty string',
    ],
    ['no partition key name', { tableName: 't' }, 'partitionKeyName must be a non-empty string'],
    [
      'an empty sort key name',
      { tableName: 't', partitionKeyName: 'pk', sortKeyName: '' },
      'sortKeyName must be a non-empty string',
    ],
  ] as const) {
    it(`refuses ${what}`, () => {
      const error = throws(
        () => new Table(options as ConstructorParameters<typeof Table>[0]),
        ValidationError,
      );
      expect(error.message).to.contain(message);
    });
  }

  it('createTable creates the table (on-demand, with its GSI) and waits until it is ACTIVE', async () => {
    const { region } = testEndpoint();
    const table = new Table({
      tableName: createTestTableName('client'),
      partitionKeyName: 'id',
      sortKeyName: 'at',
      region,
      endpoint: endpoint(),
    });
    await table.createTable({
      sortKeyType: 'N',
      indexes: [
        { name: 'byOwner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'at', type: 'N' } },
      ],
    });
    const client = rawClient();
    try {
      const { Table: described } = await client.send(
        new DescribeTableCommand({ TableName: table.tableName }),
      );
      expect(described?.TableStatus).to.equal('ACTIVE');
      expect(described?.KeySchema).to.deep.equal([
        { AttributeName: 'id', KeyType: 'HASH' },
        { AttributeName: 'at', KeyType: 'RANGE' },
      ]);
      expect(
        [...(described?.AttributeDefinitions ?? [])].sort((a, b) =>
          (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''),
        ),
      ).to.deep.equal([
        { AttributeName: 'at', AttributeType: 'N' },
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'owner', AttributeType: 'S' },
      ]);
      expect(described?.BillingModeSummary?.BillingMode).to.equal('PAY_PER_REQUEST');
      expect(described?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).to.deep.equal(['byOwner']);
      expect(described?.GlobalSecondaryIndexes?.[0]?.Projection?.ProjectionType).to.equal('ALL');

      await table.putItem('a', 1, { owner: 'ada' });
      expect(await table.getItem('a', 1, { consistentRead: true })).to.deep.equal({
        id: 'a',
        at: 1,
        owner: 'ada',
      });

      const again = await rejects(table.createTable({ sortKeyType: 'N' }), TableExistsError);
      expect((again.cause as Error).name).to.equal('ResourceInUseException');
      expect(again.message).to.contain('createTable({ ifNotExists: true })');
    } finally {
      await table.deleteTable();
      client.destroy();
    }
    await rejects(table.getItem('a', 1), TableNotFoundError);
  });

  it('createTable refuses an attribute declared with two types, before any request', async () => {
    const table = new Table({
      tableName: createTestTableName('client-bad'),
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region: testEndpoint().region,
      endpoint: endpoint(),
    });
    const requests = countRequests(table.client);
    try {
      const error = await rejects(
        table.createTable({ indexes: [{ name: 'g', partitionKey: { name: 'sk', type: 'N' } }] }),
        ValidationError,
      );
      expect(error.message).to.contain('attribute "sk" is declared both as S and as N');
      expect(requests.total()).to.equal(0);
    } finally {
      requests.detach();
    }
  });

  it('uses a document client given as client, with its own middleware', async () => {
    const base = rawClient();
    const client = DynamoDBDocumentClient.from(base);
    const table = new Table({ tableName: createTestTableName('client-own'), partitionKeyName: 'pk', client });
    expect(table.client).to.equal(client);
    const requests = countRequests(client);
    try {
      await table.createTable();
      await table.putItem('x', undefined, { n: 1 });
      expect(await table.getItem('x', undefined, { consistentRead: true })).to.deep.equal({ pk: 'x', n: 1 });
      expect(requests.counts.PutItemCommand).to.equal(1);
      expect(requests.counts.GetItemCommand).to.equal(1);
      await table.deleteTable();
    } finally {
      requests.detach();
      base.destroy();
    }
  });
});
