/**
 * What a caller hears when the endpoint is wrong: no scheme (`localhost:8000`), a server that accepts
 * connections but never answers, a server that answers HTTP but is not DynamoDB, nothing listening.
 * Each is a typed error whose message names the endpoint and the option to change. No DynamoDB: the
 * servers are tiny local ones (net, http) on loopback ports.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { expect } from 'chai';
import {
  DynamoDBTimeoutError,
  DynamoDBUnavailableError,
  EventStore,
  Table,
  type TableOptions,
  ValidationError,
  WrongEndpointError,
} from '../../src/index.js';
import { rejects, throws } from '../support/helpers.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function tableAt(url: string, extra: Partial<TableOptions> = {}): Table {
  return new Table({
    tableName: 'endpoint-test',
    partitionKeyName: 'pk',
    region: 'us-east-1',
    endpoint: { url, ...credentials },
    ...extra,
  });
}

async function listen(server: NetServer | HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

async function close(server: NetServer | HttpServer): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
}

/** A port nothing listens on: one that was just listened on and closed. */
async function closedPort(): Promise<string> {
  const server = createNetServer();
  const url = await listen(server);
  await close(server);
  return url;
}

describe('new Table: endpoint.url', () => {
  const bad: [string, unknown, string][] = [
    [
      'no scheme',
      'localhost:8000',
      'has no scheme: write the whole URL, for example "http://localhost:8000"',
    ],
    ['an IP and port without a scheme', '127.0.0.1:8000', 'for example "http://127.0.0.1:8000"'],
    ['another scheme', 'ftp://localhost:8000', 'must start with http:// or https://'],
    ['an empty string', '', 'endpoint.url must be the URL of DynamoDB'],
    ['a number', 8000, 'endpoint.url must be the URL of DynamoDB'],
  ];
  for (const [what, url, message] of bad) {
    it(`refuses ${what}, before any request, saying how to write it`, () => {
      const error = throws(
        () => new Table({ tableName: 't', partitionKeyName: 'pk', endpoint: { url } as never }),
        ValidationError,
      );
      expect(error.message).to.contain('endpoint.url');
      expect(error.message).to.contain(message);
    });
  }

  it('refuses an endpoint that is not an object', () => {
    const error = throws(
      () => new Table({ tableName: 't', partitionKeyName: 'pk', endpoint: 'http://localhost:8000' as never }),
      ValidationError,
    );
    expect(error.message).to.contain("endpoint must be an object like { url: 'http://localhost:8000' }");
  });

  it('accepts http and https URLs', () => {
    tableAt('http://localhost:8000');
    tableAt('https://dynamodb.eu-west-1.amazonaws.com');
  });

  it('refuses timeouts.totalMs that is not a positive number, naming it', () => {
    const error = throws(
      () => tableAt('http://localhost:8000', { timeouts: { totalMs: 0 } }),
      ValidationError,
    );
    expect(error.message).to.contain('timeouts.totalMs');
  });
});

describe('an endpoint that accepts connections but never answers', () => {
  let server: NetServer;
  let url: string;
  let connections = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createNetServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    url = await listen(server);
  });
  beforeEach(() => {
    connections = 0;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await close(server);
  });

  it('fails at the timeouts.totalMs deadline with a DynamoDBTimeoutError naming the options', async () => {
    // Each attempt may wait 10 s: only the overall deadline can end this call in time.
    const table = tableAt(url, { timeouts: { requestMs: 10_000, totalMs: 300 } });
    const started = Date.now();
    const error = await rejects(table.getItem('a'), DynamoDBTimeoutError);
    expect(Date.now() - started, 'a safety net, not a measurement').to.be.below(4_000);
    expect(error).to.be.instanceOf(DynamoDBUnavailableError);
    expect(error.retryable).to.equal(true);
    expect(error.option).to.equal('timeouts.totalMs');
    expect(error.timeoutMs).to.equal(300);
    expect(error.message).to.contain(
      `GetItem on table "endpoint-test" got no answer from DynamoDB at ${url}`,
    );
    expect(error.message).to.contain('within timeouts.totalMs (300 ms)');
    expect(error.message).to.contain('timeouts.requestMs, 10000 ms');
    expect(connections, 'the one attempt under way when the deadline passed').to.equal(1);
  });

  it('with a short timeouts.requestMs, the SDK retries each attempt and then names timeouts.requestMs', async () => {
    const table = tableAt(url, { timeouts: { requestMs: 100, totalMs: 20_000 } });
    const error = await rejects(table.getItem('a'), DynamoDBTimeoutError);
    expect(error.option).to.equal('timeouts.requestMs');
    expect(error.timeoutMs).to.equal(100);
    expect(error.message).to.contain(
      `got no answer from DynamoDB at ${url} within timeouts.requestMs (100 ms)`,
    );
    expect(error.message).to.contain('raise timeouts.requestMs in new Table({ timeouts })');
    expect(connections, 'every attempt of the SDK').to.be.greaterThan(1);
  });

  it('applies timeouts.totalMs to a client the caller brought too', async () => {
    const own = tableAt(url, { timeouts: { requestMs: 10_000, totalMs: 200 } });
    const table = new Table({
      tableName: 'endpoint-test',
      partitionKeyName: 'pk',
      client: own.client,
      timeouts: { totalMs: 200 },
    });
    const error = await rejects(table.getItem('a'), DynamoDBTimeoutError);
    expect(error.message).to.contain('within timeouts.totalMs (200 ms)');
    expect(error.message).to.contain('each attempt waits as long as your client allows');
  });

  it('an event store append does not re-send a write that ran out of timeouts.totalMs', async () => {
    const table = new Table({
      tableName: 'endpoint-test',
      partitionKeyName: 'pk',
      sortKeyName: 'sk',
      region: 'us-east-1',
      endpoint: { url, ...credentials },
      timeouts: { requestMs: 10_000, totalMs: 200 },
    });
    const store = new EventStore({ table });
    const error = await rejects(
      store.append('order-1', [{ type: 'Placed', data: {} }], { expectedVersion: 0 }),
      DynamoDBTimeoutError,
    );
    expect(error.message).to.contain('PutItem on table "endpoint-test"');
    expect(connections, 'one PutItem, not one per re-send').to.equal(1);
  });

  it("rejects with the caller's abort reason, not the deadline, when the caller aborts first", async () => {
    const table = tableAt(url, { timeouts: { requestMs: 10_000, totalMs: 5_000 } });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    const error = await rejects(table.getItem('a', undefined, { signal: controller.signal }));
    expect(error).to.equal(reason);
  });
});

describe('a server that answers HTTP but is not DynamoDB', () => {
  const servers: [string, number, string, string][] = [
    ['a 404 web page', 404, 'text/html', '<html><body>Not Found</body></html>'],
    ['a 200 web page', 200, 'text/html', '<html><body>Welcome</body></html>'],
    ['a JSON error of another service', 400, 'application/json', '{"error":"bad request"}'],
  ];
  for (const [what, status, type, body] of servers) {
    it(`${what}: WrongEndpointError naming the endpoint, saying it does not speak DynamoDB`, async () => {
      let requests = 0;
      const server = createHttpServer((_request, response) => {
        requests++;
        response.writeHead(status, { 'content-type': type }).end(body);
      });
      const url = await listen(server);
      try {
        const error = await rejects(tableAt(url).getItem('a'), WrongEndpointError);
        expect(error.code).to.equal('dynamodb.wrongEndpoint');
        expect(error.retryable).to.equal(false);
        expect(error.endpoint).to.equal(url);
        expect(error.httpStatusCode).to.equal(status);
        expect(error.message).to.contain(`the server at ${url} answered HTTP ${status} (${type})`);
        expect(error.message).to.contain('does not speak DynamoDB');
        expect(error.message).to.contain('Check endpoint.url');
        expect(error.message).not.to.contain('UnknownError');
        expect(requests, 'not retried: the answer will not change').to.equal(1);
      } finally {
        await close(server);
      }
    });
  }
});

describe('a server that drops each connection (reset, not a timeout)', () => {
  it('is a retryable DynamoDBUnavailableError, not a DynamoDBTimeoutError naming a timeout', async () => {
    const server = createNetServer((socket) => socket.on('data', () => socket.destroy()));
    const url = await listen(server);
    try {
      const error = await rejects(tableAt(url).getItem('a'), DynamoDBUnavailableError);
      expect(error).not.to.be.instanceOf(DynamoDBTimeoutError);
      expect(error.message).to.contain("after the SDK's retries");
      expect(error.message).not.to.contain('timeouts.');
    } finally {
      await close(server);
    }
  });
});

describe('nothing listening at the endpoint (connection refused)', () => {
  it('is retryable and says to check the endpoint, its host and port', async () => {
    const url = await closedPort();
    const error = await rejects(tableAt(url).getItem('a'), DynamoDBUnavailableError);
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('ECONNREFUSED');
    expect(error.message).to.contain(`check endpoint.url (${url}), its host and port`);
    expect(error.message).to.contain('safe to retry later');
  });
});
