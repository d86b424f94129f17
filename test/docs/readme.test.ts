import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { testEndpoint } from '../support/tables.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, '.readme-examples');

/** The README's TypeScript blocks, pointed at the test DynamoDB and at tables of their own. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const suffix = Math.random().toString(36).slice(2, 8);
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) =>
    (match[1] as string)
      .replaceAll('http://localhost:8000', testEndpoint().url)
      // every table of its own per run; blocks that name the same table share it
      .replace(/tableName: '([\w-]+)'/g, (_, name: string) => `tableName: 'readme-${name}-${suffix}'`),
  );
}

describe('README examples', function () {
  this.timeout(120_000);
  let files: string[] = [];

  before(async () => {
    const blocks = await readmeBlocks();
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    files = await Promise.all(
      blocks.map(async (block, index) => {
        const file = join(dir, `block-${String(index + 1).padStart(2, '0')}.ts`);
        await writeFile(file, `${block}\nexport {};\n`);
        return file;
      }),
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        include: ['./*.ts'],
        compilerOptions: { noUnusedLocals: false },
      }),
    );
  });

  it('has examples to check', () => {
    expect(files.length).to.be.greaterThanOrEqual(7);
  });

  it('compiles every example with the strict compiler options of the project', async () => {
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    try {
      await promisify(execFile)(tsc, ['--noEmit', '-p', join(dir, 'tsconfig.json')], { cwd: root });
    } catch (error) {
      const { stdout, stderr } = error as { stdout: string; stderr: string };
      expect.fail(`README examples do not compile:\n${stdout}${stderr}`);
    }
  });

  it('runs every example, in order, without an error', async () => {
    const log = console.log;
    const printed: string[] = [];
    console.log = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    try {
      for (const file of files) await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
    }
    expect(printed).to.include('1000', 'the AddBalance example ends with a balance of 1000');
    expect(printed).to.include('3', 'the paging example reads 3 pages of 10, 10 and 5');
    expect(printed).to.include('120 4', 'the repository example withdraws 30 of 150 at version 4');
    expect(printed).to.include('cart 2 true', 'the in-memory example checks the cart out at version 2');
  });
});
