/**
 * The package as users get it: `npm pack` (whose prepack builds), then the tarball installed into a
 * fresh ES module project and a fresh CommonJS project, each running README examples against the test
 * DynamoDB, and the published declarations compiled by a strict consumer.
 *
 * The installs take the AWS SDK from the npm cache when it is there (`npm ci` fills it) and ask the
 * registry otherwise.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { forTestDynamoDB, readmeExample, repoRoot, run, toCommonJs, toEsModule } from './consumer.js';

const verbose = process.env.DYNAGO_TEST_LOG === '1';

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    if (verbose) console.error(`[packaging] ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** A new project in `dir` with the tarball (and `extra` packages) installed. */
async function createProject(
  dir: string,
  type: 'module' | 'commonjs',
  tarball: string,
  extra: string[] = [],
) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `consumer-${type}`, version: '1.0.0', private: true, type }, null, 2)}\n`,
  );
  await timed(`npm install (${type})`, () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...extra], dir),
  );
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** The testing example prints the item it put, `{ pk: 'a', sk: 'b', ok: true }` in some order. */
function expectItemPrinted(stdout: string): void {
  for (const attribute of ["pk: 'a'", "sk: 'b'", 'ok: true']) expect(stdout).to.include(attribute);
}

describe('the published package (npm pack, installed in new projects)', function () {
  this.timeout(600_000);
  const suffix = Math.random().toString(36).slice(2, 8);
  let work: string;
  let tarball: string;
  let esm: string;
  let cjs: string;

  const testingExample = () => readmeExample("from 'dynago/testing'", 'startDynamoDB()');
  const eventStoreExample = () => readmeExample('new AggregateRepository', "store.append('account-1'");

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dynago-pack-'));
    await timed('npm pack', () => run('npm', ['pack', '--pack-destination', work], repoRoot));
    const tarballs = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    expect(tarballs, 'npm pack writes one tarball').to.have.length(1);
    tarball = join(work, tarballs[0] as string);
    esm = join(work, 'esm');
    cjs = join(work, 'cjs');
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('in an ES module project', () => {
    let installed: string;

    before(async () => {
      // Without the optional peer @aws-sdk/client-dynamodb-streams: the declarations must not need it.
      await createProject(esm, 'module', tarball, []);
      installed = join(esm, 'node_modules', 'dynago');
    });

    it('holds the build, the sources, the licence, the README and nothing else', async () => {
      expect((await readdir(installed)).sort()).to.deep.equal([
        'LICENSE',
        'README.md',
        'dist',
        'package.json',
        'src',
      ]);
      const files = await filesUnder(installed);
      for (const entry of ['index', 'testing/index']) {
        expect(files).to.include.members([`dist/${entry}.js`, `dist/${entry}.d.ts`, `src/${entry}.ts`]);
      }
      expect(await readFile(join(installed, 'LICENSE'), 'utf8')).to.match(
        /^MIT License\n\nCopyright \(c\) 2026/,
      );
    });

    it('has source and declaration maps whose sources are in the package', async () => {
      const maps = (await filesUnder(installed)).filter((file) => file.endsWith('.map'));
      expect(maps.filter((file) => file.endsWith('.d.ts.map'))).to.not.be.empty;
      expect(maps.filter((file) => file.endsWith('.js.map'))).to.not.be.empty;
      const missing: string[] = [];
      for (const map of maps) {
        const { sources, sourceRoot } = JSON.parse(await readFile(join(installed, map), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
        };
        for (const source of sources) {
          const path = resolve(join(installed, dirname(map)), sourceRoot ?? '', source);
          if (!path.startsWith(`${join(installed, 'src')}/`) || !existsSync(path))
            missing.push(`${map}: ${source}`);
        }
      }
      expect(missing, 'map sources not shipped in src/').to.deep.equal([]);
    });

    it('runs the README examples of dynago/testing and of the event store', async () => {
      await writeFile(join(esm, 'testing.mjs'), toEsModule(forTestDynamoDB(await testingExample())));
      const testing = await run(process.execPath, ['testing.mjs'], esm);
      expectItemPrinted(testing.stdout);

      const events = forTestDynamoDB(await eventStoreExample(), `packaging-esm-${suffix}`);
      await writeFile(join(esm, 'events.mjs'), toEsModule(events));
      const { stdout } = await run(process.execPath, ['events.mjs'], esm);
      expect(stdout.split('\n')).to.include.members(['120 4', 'true 4']);
    });

    it('compiles a strict consumer against the published declarations (lib check on)', async () => {
      await writeFile(join(esm, 'testing.ts'), await testingExample());
      await writeFile(join(esm, 'events.ts'), await eventStoreExample());
      await writeFile(
        join(esm, 'api.ts'),
        [
          "import { EventStore, SnapshotStore, type Table } from 'dynago';",
          '',
          'interface Account { pk: string; sk: string; balance: number }',
          '',
          'export async function save(table: Table, account: Account): Promise<Account> {',
          '  return table.putItem(account.pk, account.sk, account);',
          '}',
          '',
          'export function internals(table: Table) {',
          '  // @ts-expect-error @internal: not in the published declarations',
          '  void new EventStore({ table }).upcast;',
          '  // @ts-expect-error @internal: not in the published declarations',
          '  void table.describeKeySchema;',
          '  void new SnapshotStore<unknown>({ table }).fromItem; // public: SnapshotStoreLike has it',
          '}',
          '',
        ].join('\n'),
      );
      await writeFile(
        join(esm, 'required.cts'),
        [
          "import { Table } from 'dynago';",
          "import { startDynamoDB } from 'dynago/testing';",
          '',
          'export async function main(): Promise<string | undefined> {',
          '  const db = await startDynamoDB();',
          "  const table = new Table({ tableName: 't', partitionKeyName: 'pk', endpoint: { url: db.endpoint } });",
          "  const item = await table.getItem<{ pk: string }>('a');",
          '  await db.stop();',
          '  return item?.pk;',
          '}',
          '',
        ].join('\n'),
      );
      await writeFile(
        join(esm, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noUncheckedIndexedAccess: true,
            skipLibCheck: false,
            noEmit: true,
            types: ['node'],
            typeRoots: [join(repoRoot, 'node_modules', '@types')],
          },
          files: ['testing.ts', 'events.ts', 'api.ts', 'required.cts'],
        }),
      );
      const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      await timed('tsc (consumer)', () => run(process.execPath, [tsc, '-p', 'tsconfig.json'], esm));
    });
  });

  describe('in a CommonJS project', () => {
    before(async () => {
      await createProject(cjs, 'commonjs', tarball);
    });

    it('require()s both entry points', async () => {
      const { stdout } = await run(
        process.execPath,
        [
          '-e',
          "const { Table, EventStore } = require('dynago'); const { startDynamoDB } = require('dynago/testing');" +
            'console.log(typeof Table, typeof EventStore, typeof startDynamoDB);',
        ],
        cjs,
      );
      expect(stdout.trim()).to.equal('function function function');
    });

    it('runs the README examples of dynago/testing and of the event store', async () => {
      await writeFile(join(cjs, 'testing.js'), toCommonJs(forTestDynamoDB(await testingExample())));
      const testing = await run(process.execPath, ['testing.js'], cjs);
      expectItemPrinted(testing.stdout);

      const events = forTestDynamoDB(await eventStoreExample(), `packaging-cjs-${suffix}`);
      await writeFile(join(cjs, 'events.js'), toCommonJs(events));
      const { stdout } = await run(process.execPath, ['events.js'], cjs);
      expect(stdout.split('\n')).to.include.members(['120 4', 'true 4']);
    });
  });
});
