import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { runCli as runInProcess } from '../../src/cli/cli.js';
import { EventStore, type StoredEvent, Table } from '../../src/index.js';
import { createTestTableName } from '../../src/testing/index.js';
import { testEndpoint } from '../support/tables.js';
import { connectionArgs, jsonLines, lines, recordingIo, runCli } from './helpers.js';

describe('dynago create-table and read', function () {
  this.timeout(30_000);
  const tableName = createTestTableName('cli-read');
  let endpoint: ReturnType<typeof testEndpoint>;
  let table: Table;
  let store: EventStore;

  before(() => {
    endpoint = testEndpoint();
    table = new Table({
      tableName,
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region: endpoint.region,
      endpoint: {
        url: endpoint.url,
        accessKeyId: endpoint.accessKeyId,
        secretAccessKey: endpoint.secretAccessKey,
      },
    });
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable().catch(() => {});
  });

  it('create-table --stream: a numeric sort key and a NEW_IMAGE stream; again: one line, exit 1', async () => {
    const created = await runCli(['create-table', '--stream', ...connectionArgs(table)]);
    expect(created.stderr).to.equal('');
    expect(created.code).to.equal(0);
    expect(created.stdout).to.equal(
      `created table ${tableName} (pk: string, sk: number, stream: NEW_IMAGE)\n`,
    );
    const described = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(described.Table?.AttributeDefinitions).to.deep.include({
      AttributeName: 'sk',
      AttributeType: 'N',
    });
    expect(described.Table?.StreamSpecification).to.deep.equal({
      StreamEnabled: true,
      StreamViewType: 'NEW_IMAGE',
    });

    const again = await runCli(['create-table', ...connectionArgs(table)]);
    expect(again.code).to.equal(1);
    expect(lines(again.stderr)).to.have.length(1);
    expect(again.stderr).to.equal(
      `dynago create-table: table "${tableName}" already exists (or is being created or deleted).\n`,
    );
  });

  it('read on a pipe: JSON lines, each event whole; --from/--to, --backward, --limit', async () => {
    await store.append('account-7', [
      { type: 'Opened', data: { owner: 'Ada' } },
      { type: 'Deposited', data: { amount: 10 }, metadata: { by: 'teller' } },
      { type: 'Deposited', data: { amount: 25 } },
      { type: 'Withdrawn', data: { amount: 5 } },
    ]);
    const all = await runCli(['read', 'account-7', ...connectionArgs(table)]);
    expect(all.code, all.stderr).to.equal(0);
    const events = jsonLines<StoredEvent>(all.stdout);
    expect(events.map((event) => [event.version, event.type])).to.deep.equal([
      [1, 'Opened'],
      [2, 'Deposited'],
      [3, 'Deposited'],
      [4, 'Withdrawn'],
    ]);
    expect(events[1]).to.include({ streamId: 'account-7', category: 'account' });
    expect(events[1]?.data).to.deep.equal({ amount: 10 });
    expect(events[1]?.metadata).to.deep.equal({ by: 'teller' });
    expect(events[1]?.timestamp).to.be.a('number');

    const [range, backward, limited] = await Promise.all([
      runCli(['read', 'account-7', '--from', '2', '--to', '3', ...connectionArgs(table)]),
      runCli(['read', 'account-7', '--backward', '--limit', '2', ...connectionArgs(table)]),
      runCli(['read', 'account-7', '--limit', '1', '--json', ...connectionArgs(table)]),
    ]);
    expect(jsonLines<StoredEvent>(range.stdout).map((event) => event.version)).to.deep.equal([2, 3]);
    expect(jsonLines<StoredEvent>(backward.stdout).map((event) => event.version)).to.deep.equal([4, 3]);
    expect(jsonLines<StoredEvent>(limited.stdout).map((event) => event.version)).to.deep.equal([1]);
  });

  it('read on a terminal: a table of version, type, time and data, cut to the width', async () => {
    const long = 'x'.repeat(200);
    await store.append('note-1', [
      { type: 'Written', data: { text: long } },
      { type: 'Edited', data: { text: 'short' } },
    ]);
    const io = recordingIo(true, 80);
    const code = await runInProcess(['read', 'note-1', ...connectionArgs(table)], {
      io,
      signal: new AbortController().signal,
    });
    expect(code, io.text.err).to.equal(0);
    const rows = lines(io.text.out);
    expect(rows).to.have.length(3);
    expect(rows[0]).to.match(/^VERSION {2}TYPE {5}TIME {22}DATA$/);
    expect(rows[1]).to.match(/^ {6}1 {2}Written {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}\{"text":"x+…$/);
    expect(rows[2]).to.match(/^ {6}2 {2}Edited {3}\S+Z {2}\{"text":"short"\}$/);
    for (const row of rows) expect([...row].length).to.be.at.most(79);
  });

  it('an unknown stream: one line, exit 1; a range past the end of a stream: nothing, exit 0', async () => {
    const unknown = await runCli(['read', 'account-nobody', ...connectionArgs(table)]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr).to.equal(
      `dynago read: stream "account-nobody" not found: table ${tableName} has no events for it.\n`,
    );
    const past = await runCli(['read', 'account-7', '--from', '50', ...connectionArgs(table)]);
    expect(past.code, past.stderr).to.equal(0);
    expect(past.stdout).to.equal('');
  });

  it('wrong key names or a missing table: one line that says what to pass, exit 1', async () => {
    const keys = await runCli(['read', 'account-7', ...connectionArgs(table), '--partition-key', 'id']);
    expect(keys.code).to.equal(1);
    expect(keys.stderr).to.equal(
      `dynago read: table "${tableName}" has keys pk and sk, not id and sk: pass --partition-key pk --sort-key sk.\n`,
    );
    const missing = await runCli([
      'read',
      'account-7',
      '--table',
      `${tableName}-nope`,
      '--endpoint',
      endpoint.url,
    ]);
    expect(missing.code).to.equal(1);
    expect(lines(missing.stderr)).to.have.length(1);
    expect(missing.stderr).to.match(
      /table ".*-nope" not found at http:\/\/.*: create it with "dynago create-table"/,
    );
  });

  it('the environment: DYNAGO_TABLE and DYNAMODB_ENDPOINT, and dummy credentials when it has none', async () => {
    const result = await runCli(['read', 'account-7', '--limit', '1'], {
      env: {
        DYNAGO_TABLE: tableName,
        DYNAMODB_ENDPOINT: endpoint.url,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_REGION: '',
      },
    });
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(jsonLines<StoredEvent>(result.stdout).map((event) => event.type)).to.deep.equal(['Opened']);
  });
});
