import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Table } from '../../src/index.js';
import { createStreamedEventTable } from '../projections/helpers.js';
import { testEndpoint } from '../support/tables.js';
import { jsonLines, ROOT } from './helpers.js';

const run = promisify(execFile);

/** Runs the built bin with plain Node (no tsx): exit code and output. */
async function runBin(bin: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The package as npm would install it: dist built from src, package.json beside it. */
describe('dynago bin: the built dist/cli/main.js under plain Node', function () {
  this.timeout(60_000);
  let dir: string;
  let bin: string;
  let table: Table;
  const cleanup: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynago-bin-'));
    await run(
      join(ROOT, 'node_modules', '.bin', 'tsc'),
      ['-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
      {
        cwd: ROOT,
      },
    );
    await writeFile(join(dir, 'package.json'), await readFile(join(ROOT, 'package.json')));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    bin = join(dir, manifest.bin.dynago as string);
    table = await createStreamedEventTable('cli-bin');
  });

  after(async () => {
    await table?.deleteTable();
    for (const path of [dir, ...cleanup]) await rm(path, { recursive: true, force: true });
  });

  it('package.json names it as the bin; it starts with a shebang and prints the version', async () => {
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).to.equal(true);
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runBin(bin, ['--version'], dir);
    expect(result).to.deep.equal({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a .js config that imports the built package runs projections', async () => {
    const project = join(dir, 'project');
    await mkdir(project);
    const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
    await writeFile(
      join(project, 'dynago.config.mjs'),
      `import { EventStore, Projector, Table } from '${pathToFileURL(join(dir, 'dist', 'index.js')).href}';
const table = new Table({ tableName: '${table.tableName}', partitionKeyName: 'pk', sortKeyName: 'sk', region: '${region}',
  endpoint: { url: '${url}', accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' } });
export default { projector: new Projector({ events: new EventStore({ table }), projections: [{ name: 'noop', project: () => [] }] }) };
`,
    );
    const result = await runBin(bin, ['projections'], project);
    expect(result.code, result.stderr).to.equal(0);
    expect(jsonLines(result.stdout)).to.deep.equal([{ name: 'noop', parked: [], applied: 0 }]);
  });

  it('without the optional @aws-sdk/client-dynamodb-streams: every command but tail works; tail says what to install', async () => {
    // node_modules as the user may have it: everything but the Streams client.
    // Outside the build's directory, whose node_modules has everything (Node would look there next).
    const project = await mkdtemp(join(tmpdir(), 'dynago-bin-no-streams-'));
    cleanup.push(project);
    await mkdir(join(project, 'node_modules', '@aws-sdk'), { recursive: true });
    const modules = join(ROOT, 'node_modules');
    for (const entry of await readdir(modules)) {
      if (entry !== '@aws-sdk') await symlink(join(modules, entry), join(project, 'node_modules', entry));
    }
    for (const entry of await readdir(join(modules, '@aws-sdk'))) {
      if (entry === 'client-dynamodb-streams') continue;
      await symlink(join(modules, '@aws-sdk', entry), join(project, 'node_modules', '@aws-sdk', entry));
    }
    await writeFile(join(project, 'package.json'), await readFile(join(ROOT, 'package.json')));
    const copy = join(project, 'dist');
    await run('cp', ['-r', join(dir, 'dist'), copy]);
    const main = join(copy, 'cli', 'main.js');
    const connection = ['--table', table.tableName, '--endpoint', testEndpoint().url];
    const read = await runBin(main, ['read', 'account-1', ...connection], project);
    expect(read.stderr).to.equal(
      `dynago read: stream "account-1" not found: table ${table.tableName} has no events for it.\n`,
    );
    const tail = await runBin(main, ['tail', ...connection], project);
    expect(tail.code).to.equal(1);
    expect(tail.stderr).to.equal(
      'dynago tail: tail needs @aws-sdk/client-dynamodb-streams, an optional peer dependency of dynago: npm install @aws-sdk/client-dynamodb-streams.\n',
    );
  });

  it('a .ts config on a Node that cannot load TypeScript: one line pointing at tsx, exit 1', async function () {
    if ((process.features as { typescript?: unknown }).typescript) {
      this.skip(); // this Node strips types itself: the config loads
    }
    const project = join(dir, 'typescript');
    await mkdir(project);
    await writeFile(
      join(project, 'dynago.config.ts'),
      'const config: object = {};\nexport default config;\n',
    );
    const result = await runBin(bin, ['projections'], project);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.match(
      /^dynago projections: dynago\.config\.ts is TypeScript and this Node \(v[\d.]+\) does not load TypeScript: run with tsx .*\n$/,
    );
  });
});
