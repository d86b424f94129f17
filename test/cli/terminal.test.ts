import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EventStore, type Table } from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js';
import { createTestTable, testEndpoint } from '../support/tables.js';
import { configSource } from './configSource.js';
import { MAIN, TSX } from './helpers.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;

/** A tmux server of its own (its own socket), 120 × 30, running one command in its only pane. */
class Terminal {
  private readonly socket = `dynago-cli-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(command: string) {
    // The shell keeps the pane open after the command, so that its last screen can be read.
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      '120',
      '-y',
      '30',
      '-s',
      'cli',
      `${command}; echo "exit=$?"; sleep 60`,
    );
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'cli');
  }

  /** Resolves with the screen once it matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  ctrlC(): void {
    this.tmux('send-keys', '-t', 'cli', 'C-c');
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: process.env });
  }
}

/** `'…'` for sh. */
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const dynago = (...args: string[]) => [process.execPath, '--import', TSX, MAIN, ...args].map(quote).join(' ');

describe(`dynago in a real terminal (tmux)${HAS_TMUX ? '' : ': skipped, tmux is not installed'}`, function () {
  this.timeout(30_000);
  let table: Table;
  let terminal: Terminal | undefined;

  before(async function () {
    if (!HAS_TMUX) {
      console.warn(
        '    skipped: tmux is not installed; the progress bar needs a real terminal to be checked.',
      );
      this.skip();
    }
    table = await createTestTable({ sortKeyType: 'N', prefix: 'cli-tty' });
  });

  afterEach(() => {
    terminal?.close();
    terminal = undefined;
  });

  after(async () => {
    await table?.deleteTable();
  });

  it('stats: a progress bar redrawn in place, with %, rate and ETA; then the table, the bar gone; Ctrl-C: partial numbers', async () => {
    // 1 200 events of ~2 KB: three Scan pages of 1 MB, each slowed down to 600 ms by a proxy.
    const now = Date.now();
    const items = Array.from({ length: 1200 }, (_, index) => ({
      pk: `event#load-${index}`,
      sk: 1,
      id: `id-${index}`,
      type: 'Loaded',
      data: { pad: 'x'.repeat(2000) },
      timestamp: now,
    }));
    await table.batchWriteItems(items);
    const proxy: FaultProxy = await startFaultProxy({
      target: testEndpoint().url,
      rate: 1,
      weights: { serverError: 0, throughputExceeded: 0, throttling: 0, reset: 0, dropResponse: 0, delay: 1 },
      delayMs: [600, 600],
    });
    try {
      terminal = new Terminal(
        dynago('stats', '--segments', '1', '--table', table.tableName, '--endpoint', proxy.url),
      );
      const during = await terminal.waitFor(/\[█+░+\] \d+% /);
      const bar = during.split('\n').filter((line) => line.startsWith('stats: ['));
      expect(bar, during).to.have.length(1); // one line, redrawn in place
      expect(bar[0], during).to.match(
        /: \[█+░+\] \d+% {2}\d[\d,]*\/~1,200 items {2}[\d,]+ events {2}[\d,]+ streams {2}[\d,]+ items\/s {2}ETA 0:\d\d {2}0:0\d elapsed$/,
      );
      expect(bar[0]?.length).to.be.at.most(119);
      const after = await terminal.waitFor(/exit=\d+/);
      expect(after).to.match(/exit=0/);
      expect(after).to.match(/^CATEGORY +STREAMS +EVENTS/m);
      expect(after).to.match(/^load +1,200 +1,200 +/m);
      expect(after).not.to.include('items/s');
      terminal.close();

      // Ctrl-C halfway: the numbers so far, said to be partial, exit 130.
      terminal = new Terminal(
        dynago('stats', '--segments', '1', '--table', table.tableName, '--endpoint', proxy.url),
      );
      await terminal.waitFor(/\[█+░+\] [1-9]\d*% /);
      terminal.ctrlC();
      const stopped = await terminal.waitFor(/exit=\d+/);
      expect(stopped).to.match(/exit=130/);
      expect(stopped).to.match(/^load +[1-9][\d,]* +[1-9][\d,]* +/m);
      expect(stopped).to.match(
        /^stopped after [\d,]+ items: the numbers above are partial; run stats again for all of them\.$/m,
      );
    } finally {
      await proxy.close();
    }
  });

  it('rebuild: a live progress line; Ctrl-C stops it and says what was done (exit 130)', async () => {
    const store = new EventStore({ table });
    for (let index = 0; index < 8; index++) {
      await store.append(
        `account-${index}`,
        [1, 2, 3, 4, 5].map((amount) => ({ type: 'Deposited', data: { amount } })),
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'dynago-cli-tty-'));
    try {
      await writeFile(join(dir, 'dynago.config.mjs'), configSource(table));
      terminal = new Terminal(
        `cd ${quote(dir)} && DYNAGO_TEST_SLOW_MS=100 ${dynago('rebuild', 'slow', '--concurrency', '1', '--segments', '1')}`,
      );
      const during = await terminal.waitFor(
        /rebuild projection slow: [1-9]\d* events {2}\d+ streams {2}\d+ applied {2}\d+ events\/s {2}0:0\d elapsed/,
      );
      expect(during.split('\n').filter((line) => line.startsWith('rebuild projection slow:'))).to.have.length(
        1,
      );
      terminal.ctrlC();
      const after = await terminal.waitFor(/exit=\d+/);
      expect(after).to.match(/exit=130/);
      expect(after).to.match(
        /stopped: \d+ events? of \d+ streams? done \(\d+ applied\)\. Run the same command again to resume/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
