/**
 * docker-compose.yml, without Docker: read as text (no YAML parser among the dependencies), its
 * healthcheck probe run with bash against a local HTTP server standing in for DynamoDB Local.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';

const composeFile = new URL('../../docker-compose.yml', import.meta.url);

/** The items of the block list under `key:` (one item per line, `- value`), as the text after `- `. */
function listUnder(text: string, key: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith(`${key}:`));
  if (start < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^\s*- (.*)$/.exec(line);
    if (!item) break;
    items.push(item[1] as string);
  }
  return items;
}

/** Runs the probe as the container would (compose turns `$$` into `$`), with port 8000 replaced. */
function probe(command: string, port: number): Promise<number> {
  const script = command.replaceAll('$$', '$').replace('/127.0.0.1/8000', `/127.0.0.1/${port}`);
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { timeout: 10_000 }, (error) => {
      resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0);
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('docker-compose.yml', () => {
  let text: string;
  let probeCommand: string;

  before(async () => {
    text = await readFile(composeFile, 'utf8');
    const test = listUnder(text, 'test');
    expect(test.slice(0, 3), 'healthcheck test: ["CMD", "bash", "-c", probe]').to.deep.equal([
      'CMD',
      'bash',
      '-c',
    ]);
    probeCommand = test[3] ?? '';
  });

  it('publishes DynamoDB on DYNAMODB_PORT, 8000 by default', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable syntax, not JavaScript's
    expect(listUnder(text, 'ports')).to.deep.equal(['"${DYNAMODB_PORT:-8000}:8000"']);
  });

  it('has a healthcheck, so `docker compose up --wait` waits for DynamoDB', () => {
    expect(text).to.match(/^ {4}healthcheck:\n/m);
    expect(probeCommand).to.include('/dev/tcp/127.0.0.1/8000');
    expect(probeCommand, 'the image has no curl or wget').to.not.match(/\b(curl|wget)\b/);
    for (const setting of ['interval', 'timeout', 'retries'])
      expect(text).to.match(new RegExp(`^ {6}${setting}: `, 'm'));
  });

  it('probe: healthy when an HTTP server answers, even with a 400', async () => {
    const server = createServer((_, response) => {
      response.statusCode = 400;
      response.end('{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException"}');
    });
    const port = await listen(server);
    try {
      expect(await probe(probeCommand, port)).to.equal(0);
    } finally {
      server.close();
    }
  });

  it('probe: unhealthy when nothing listens', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    expect(await probe(probeCommand, port)).to.not.equal(0);
  });
});
