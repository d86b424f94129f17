/**
 * Helpers for the CLI tests: the CLI run as a subprocess (`node --import tsx src/cli/main.ts …`), its
 * output collected, and the connection flags of a test table.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Io, Output } from '../../src/cli/io.js';
import type { Table } from '../../src/index.js';
import { testEndpoint } from '../support/tables.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx's loader by absolute URL, so that the CLI can run in any directory (a config's temp dir). */
export const TSX = import.meta.resolve('tsx');
/** The URL a config module imports dynago from (the sources, through tsx). */
export const DYNAGO_URL = new URL('../../src/index.ts', import.meta.url).href;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run. */
  ms: number;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The environment of a CLI run: the test's, minus anything that would pick a table for it. */
function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('DYNAGO_TABLE' in extra)) delete env.DYNAGO_TABLE;
  if (!('DYNAGO_DEBUG' in extra)) delete env.DYNAGO_DEBUG;
  return env;
}

/** A running CLI, its output so far, and a way to wait for a line of it. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private readonly started = Date.now();
  readonly exited: Promise<CliResult>;

  constructor(args: string[], options: CliOptions = {}) {
    this.child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.env),
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, ms: Date.now() - this.started }),
      );
    });
  }

  /** Resolves once `stream`'s output matches `pattern`; rejects after `timeoutMs` or if the CLI exits first. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (!pattern.test(this[stream])) {
      if (exited) {
        throw new Error(
          `the CLI exited before ${stream} matched ${pattern}:\n${this.stdout}\n${this.stderr}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${stream} to match ${pattern}:\n${this.stdout}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  interrupt(): void {
    this.child.kill('SIGINT');
  }
}

/** Runs `dynago <args>` to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new CliProcess(args, options).exited;
}

/** `--table <name> --endpoint <url>` for a test table. */
export function connectionArgs(table: Table): string[] {
  return ['--table', table.tableName, '--endpoint', testEndpoint().url];
}

/** The output's non-empty lines. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Every line parsed as JSON. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return lines(text).map((line) => JSON.parse(line) as T);
}

/** An Io that records what is written, as a terminal of `columns` or as a pipe (for in-process runs). */
export function recordingIo(tty: boolean, columns = 80): Io & { text: { out: string; err: string } } {
  const text = { out: '', err: '' };
  const output = (key: 'out' | 'err'): Output => ({
    write: (chunk) => {
      text[key] += chunk;
    },
    isTTY: tty,
    columns,
  });
  return { out: output('out'), err: output('err'), text };
}
