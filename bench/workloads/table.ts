/**
 * Workload 1: the table adapter against the same commands sent through DynamoDBDocumentClient:
 * getItem, putItem and a query returning 100 items. Calls of the two sides are interleaved one by one
 * (A B B A …) and timed individually. A second pass sends the same calls to a client whose HTTP handler
 * answers from memory, to isolate what each side costs on the client (library + SDK), without the
 * network and DynamoDB Local.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Table } from '../../src/index.js';
import { interleave } from '../lib/alternate.js';
import { cannedBody, cannedDocumentClient } from '../lib/canned.js';
import type { Bench } from '../lib/context.js';
import { type Comparison, comparison, measureCost } from '../lib/results.js';

const ITEMS = 100;
const PARTITION = 'orders#merchant-1';

function person(index: number): Record<string, unknown> {
  return {
    name: `Person ${index}`,
    city: 'Winterfell',
    email: `person${index}@example.com`,
    balance: index * 10,
    tags: ['customer', 'eu'],
  };
}

interface Kind {
  id: string;
  title: string;
  calls: number;
  what: string;
  dynago: (table: Table) => (index: number) => Promise<unknown>;
  sdk: (client: DynamoDBDocumentClient, tableName: string) => (index: number) => Promise<unknown>;
}

const kinds = (calls: number): Kind[] => [
  {
    id: 'getItem',
    title: 'getItem',
    calls,
    what: 'GetItem (eventually consistent) of a 150-byte item',
    dynago: (table) => (i) => table.getItem(`person#${i % ITEMS}`, 'profile'),
    sdk: (client, TableName) => (i) =>
      client.send(new GetCommand({ TableName, Key: { pk: `person#${i % ITEMS}`, sk: 'profile' } })),
  },
  {
    id: 'putItem',
    title: 'putItem',
    calls,
    what: 'PutItem (unconditional) of a 150-byte item',
    dynago: (table) => (i) => table.putItem(`person#${i % ITEMS}`, 'profile', person(i)),
    sdk: (client, TableName) => (i) =>
      client.send(
        new PutCommand({ TableName, Item: { ...person(i), pk: `person#${i % ITEMS}`, sk: 'profile' } }),
      ),
  },
  {
    id: 'query100',
    title: 'query of 100 items',
    calls: Math.round(calls / 3),
    what: `Query of one partition of ${ITEMS} items (one page, 15 KB)`,
    dynago: (table) => () => table.query('pk = :pk', { ':pk': PARTITION }),
    sdk: (client, TableName) => () =>
      client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PARTITION },
        }),
      ),
  },
];

export async function tableWorkload(bench: Bench): Promise<Comparison[]> {
  const table = await bench.dynagoTable('table', 'S');
  const sdk = bench.documentClient();
  const items = Array.from({ length: ITEMS }, (_, i) => ({ pk: `person#${i}`, sk: 'profile', ...person(i) }));
  const queryItems = Array.from({ length: ITEMS }, (_, i) => ({
    pk: PARTITION,
    sk: `order#${String(i).padStart(4, '0')}`,
    ...person(i),
  }));
  await table.batchWriteItems([...items, ...queryItems]);

  const rounds = bench.scale(20, 5);
  const log = (line: string) => bench.log(line);
  const results: Comparison[] = [];

  for (const kind of kinds(bench.scale(150, 60))) {
    const dynagoOp = kind.dynago(table);
    const sdkOp = kind.sdk(sdk, table.tableName);
    const samples = await interleave(
      [
        { name: 'dynago', op: dynagoOp },
        { name: 'raw SDK', op: sdkOp },
      ],
      { rounds, warmup: bench.scale(3, 1), callsPerRound: kind.calls, log, label: kind.title },
    );
    results.push(
      comparison({
        id: `table.${kind.id}`,
        workload: 1,
        title: kind.title,
        unit: 'ms per call',
        method: `${kind.what}; ${rounds} rounds of ${kind.calls} calls per side, interleaved call by call; a sample is a round's median call`,
        dynago: {
          samples: samples.byVariant.dynago ?? [],
          cost: await measureCost(table.client, 20, dynagoOp),
        },
        baseline: {
          name: 'raw SDK',
          samples: samples.byVariant['raw SDK'] ?? [],
          cost: await measureCost(sdk, 20, sdkOp),
        },
        target: { text: 'dynago / raw SDK ≤ 1.03', maxRatio: 1.03 },
      }),
    );
  }
  sdk.destroy();

  // The same calls without network: what each side costs on the client.
  const bodies = {
    GetItem: cannedBody({ Item: { pk: 'person#1', sk: 'profile', ...person(1) } }),
    PutItem: {},
    Query: cannedBody({ Items: queryItems }),
  };
  const cannedSdk = cannedDocumentClient(bodies);
  const cannedTable = new Table({
    tableName: table.tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client: cannedDocumentClient(bodies),
  });
  for (const kind of kinds(bench.scale(1_000, 300))) {
    const samples = await interleave(
      [
        { name: 'dynago', op: kind.dynago(cannedTable) },
        { name: 'raw SDK', op: kind.sdk(cannedSdk, table.tableName) },
      ],
      {
        rounds,
        warmup: bench.scale(3, 1),
        callsPerRound: kind.calls,
        log,
        label: `${kind.title} (no network)`,
      },
    );
    results.push(
      comparison({
        id: `table.${kind.id}.client`,
        workload: 1,
        kind: 'client-only',
        title: `${kind.title}, client side only`,
        unit: 'ms per call',
        method: `${kind.what}, answered from memory by a stub HTTP handler (no network, no DynamoDB): library + SDK time; ${rounds} rounds of ${kind.calls} interleaved calls, a sample is a round's median call`,
        dynago: { samples: samples.byVariant.dynago ?? [] },
        baseline: { name: 'raw SDK', samples: samples.byVariant['raw SDK'] ?? [] },
      }),
    );
  }
  return results;
}
