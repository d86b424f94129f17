import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli as runInProcess } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/cli/config.js';
import { EventStore, type Table } from '../../src/index.js';
import { createTestTable } from '../support/tables.js';
import { configSource } from './configSource.js';
import { CliProcess, jsonLines, lines, recordingIo, runCli } from './helpers.js';

describe('dynago projections, rebuild, retry-parked (with a config module)', function () {
  this.timeout(30_000);
  let table: Table;
  let dir: string;

  const balance = async (streamId: string) =>
    (await table.getItem<{ balance: number }>(`balance#${streamId}`, 0, { consistentRead: true }))?.balance;

  before(async () => {
    table = await createTestTable({ sortKeyType: 'N', prefix: 'cli-config' });
    dir = await mkdtemp(join(tmpdir(), 'dynago-cli-'));
    await writeFile(join(dir, 'dynago.config.mjs'), configSource(table));
    const store = new EventStore({ table });
    const deposit = (amount: number) => ({ type: 'Deposited', data: { amount } as Record<string, unknown> });
    await store.append('account-1', [deposit(10), deposit(5)]);
    await store.append('account-2', [deposit(7), { type: 'Withdrawn', data: { amount: 2 } }]);
    await store.append('account-3', [deposit(1), { type: 'Poison', data: {} }, deposit(100)]);
    for (let index = 0; index < 6; index++) {
      await store.append(`account-bulk${index}`, [
        deposit(1),
        deposit(1),
        deposit(1),
        deposit(1),
        deposit(1),
      ]);
    }
  });

  after(async () => {
    await table.deleteTable();
    await rm(dir, { recursive: true, force: true });
  });

  it('rebuild <projection>: applies the events; a parked stream is reported, exit 1', async () => {
    const result = await runCli(['rebuild', 'balances'], { cwd: dir });
    expect(result.stdout).to.match(
      /^rebuilt projection balances: 37 events of 9 streams, 35 applied in \d+:\d\d \(\d+ events\/s\)\n$/,
    );
    expect(result.stderr).to.match(
      /1 stream is parked in balances: fix the projection, then run "dynago retry-parked balances"\.\n$/,
    );
    expect(result.code).to.equal(1);
    expect(await balance('account-1')).to.equal(15);
    expect(await balance('account-2')).to.equal(5);
    expect(await balance('account-3')).to.equal(1);
  });

  it('projections: the parked events of each projection, as JSON lines and as a table', async () => {
    const result = await runCli(['projections'], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const statuses = jsonLines<{
      name: string;
      parked: { streamId: string; version: number; error: string }[];
    }>(result.stdout);
    expect(statuses.map((status) => status.name)).to.deep.equal(['balances', 'slow']);
    expect(statuses[0]?.parked.map(({ streamId, version }) => ({ streamId, version }))).to.deep.equal([
      { streamId: 'account-3', version: 2 },
    ]);
    expect(statuses[0]?.parked[0]?.error).to.include('cannot project Poison');
    expect(statuses[1]?.parked).to.deep.equal([]);

    const io = recordingIo(true, 100);
    const code = await runInProcess(['projections'], { io, cwd: dir, signal: new AbortController().signal });
    expect(code, io.text.err).to.equal(0);
    const rows = lines(io.text.out);
    expect(rows[0]).to.match(/^PROJECTION +PARKED +LAG +OLDEST PARKED$/);
    expect(rows[1]).to.match(/^balances +1 +- +account-3 v2 since \d{4}-/);
    expect(rows[2]).to.match(/^slow +0 +-$/);
    expect(rows[3]).to.equal('parked in balances:');
    expect(rows[4]).to.match(/^ {2}account-3 v2 \(.*\): .*cannot project Poison/);
  });

  it('retry-parked: parked again while the bug is there (exit 1); applied once it is fixed (exit 0)', async () => {
    const again = await runCli(['retry-parked', 'balances'], { cwd: dir });
    expect(again.code).to.equal(1);
    expect(again.stdout).to.equal('retried 1 parked stream of balances: 1 parked again\n');
    expect(again.stderr).to.match(/^parked again: account-3 v2 \(.*\): .*cannot project Poison\n$/);
    const fixed = await runCli(['retry-parked', 'balances'], { cwd: dir, env: { DYNAGO_TEST_FIXED: '1' } });
    expect(fixed.code, fixed.stderr).to.equal(0);
    expect(fixed.stdout).to.equal('retried 1 parked stream of balances: 0 parked again\n');
    expect(await balance('account-3')).to.equal(101);
  });

  it('rebuild <category>: every snapshot of the category rewritten from the events', async () => {
    const result = await runCli(['rebuild', 'account'], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^rebuilt category account: 37 events of 9 streams in /);
    const snapshot = await table.getItem<{ state: { balance: number } }>(
      'event#account-1',
      Number.MAX_SAFE_INTEGER,
      {
        consistentRead: true,
      },
    );
    expect(snapshot?.state).to.deep.equal({ balance: 15 });
  });

  it('rebuild: Ctrl-C stops it cleanly (exit 130, what was done), run again it resumes; plain progress lines off a terminal', async () => {
    const rebuild = new CliProcess(['rebuild', 'slow', '--concurrency', '1', '--segments', '1'], {
      cwd: dir,
      env: { DYNAGO_TEST_SLOW_MS: '100', DYNAGO_PROGRESS_MS: '100' },
    });
    await rebuild.waitFor(
      'stderr',
      /rebuild projection slow: [1-9]\d* events, \d+ streams, \d+ applied, \d+ events\/s, 0:0\d elapsed\n/,
    );
    rebuild.interrupt();
    const result = await rebuild.exited;
    expect(result.code).to.equal(130);
    expect(result.stdout).to.equal('');
    expect(lines(result.stderr).at(-1)).to.match(
      /^stopped: \d+ events? of \d+ streams? done \(\d+ applied\)\. Run the same command again to resume: the checkpoints skip what was applied\.$/,
    );
    expect(result.ms).to.be.below(8_000);
    // Run again, it resumes: only what the first run did not apply is applied.
    const applied = Number(/\((\d+) applied\)/.exec(result.stderr)?.[1]);
    expect(applied).to.be.within(1, 36);
    const again = await runCli(['rebuild', 'slow'], { cwd: dir });
    expect(again.code, again.stderr).to.equal(0);
    const appliedAgain = Number(/, (\d+) applied in /.exec(again.stdout)?.[1]);
    // One write may have landed as Ctrl-C aborted its response (concurrency 1): counted by neither run.
    expect(appliedAgain).to.be.within(37 - applied - 1, 37 - applied);
    expect(again.stdout).to.match(/^rebuilt projection slow: 37 events of 9 streams, /);
  });

  it('an unknown name, --segment with a category, a config without a projector: one line each', async () => {
    const unknown = await runCli(['rebuild', 'nothing'], { cwd: dir });
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(
      /^dynago rebuild: "nothing" is neither a projection nor a category of .*dynago\.config\.mjs; projections: balances, slow; categories: account\.\n$/,
    );
    const segment = await runCli(['rebuild', 'account', '--segment', '1'], { cwd: dir });
    expect(segment.code).to.equal(2);
    expect(segment.stderr).to.equal(
      'dynago rebuild: --segment is for projections only. See "dynago rebuild --help".\n',
    );
    const retry = await runCli(['retry-parked', 'nothing'], { cwd: dir });
    expect(retry.code).to.equal(1);
    expect(retry.stderr).to.equal(
      'dynago retry-parked: no projection named "nothing"; the projector has balances, slow.\n',
    );
  });

  it('finds dynago.config.ts (with tsx), or --config; refuses two configs, none, or unknown keys', async () => {
    const other = await mkdtemp(join(tmpdir(), 'dynago-cli-'));
    try {
      const none = await runCli(['projections'], { cwd: other });
      expect(none.code).to.equal(1);
      expect(none.stderr).to.match(
        /^dynago projections: no config in .*: write dynago\.config\.js .* or pass --config <file>\.\n$/,
      );

      await writeFile(join(other, 'dynago.config.ts'), configSource(table, true));
      const typescript = await runCli(['projections'], { cwd: other });
      expect(typescript.code, typescript.stderr).to.equal(0);
      expect(jsonLines(typescript.stdout).map((status) => status.name)).to.deep.equal(['balances', 'slow']);

      await writeFile(join(other, 'dynago.config.js'), 'export default {};\n');
      const two = await runCli(['projections'], { cwd: other });
      expect(two.code).to.equal(1);
      expect(two.stderr).to.match(
        /dynago\.config\.ts and dynago\.config\.js are both in .*: pass --config <file> to say which\.\n$/,
      );

      await writeFile(join(other, 'odd.mjs'), 'export default { projectors: [] };\n');
      const odd = await runCli(['projections', '--config', 'odd.mjs'], { cwd: other });
      expect(odd.code).to.equal(1);
      expect(odd.stderr).to.equal(
        'dynago projections: odd.mjs: unknown key "projectors" in the config; it takes projector and repositories.\n',
      );

      // (not dynago.config.js: with tsx, importing x.js loads x.ts when both exist)
      await writeFile(join(other, 'empty.mjs'), 'export default async () => ({});\n');
      const empty = await runCli(['projections', '--config', 'empty.mjs'], { cwd: other });
      expect(empty.code).to.equal(1);
      expect(empty.stderr).to.equal(
        'dynago projections: projections needs a projector, and empty.mjs exports none.\n',
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('a .ts config that Node cannot load: a one-line hint at tsx, Node 22.6+ or .js', async () => {
    const failing = async () => {
      throw Object.assign(new TypeError('Unknown file extension ".ts"'), {
        code: 'ERR_UNKNOWN_FILE_EXTENSION',
      });
    };
    const error = await loadConfig('/somewhere/dynago.config.ts', failing).then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.message).to.match(
      /^dynago\.config\.ts is TypeScript and this Node \(v[\d.]+\) does not load TypeScript: run with tsx \(NODE_OPTIONS="--import tsx" dynago …\), use Node 22\.6 or later/,
    );
    const js = await loadConfig('/somewhere/dynago.config.js', failing).then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(js?.message).to.equal('cannot load dynago.config.js: Unknown file extension ".ts"');
  });
});
