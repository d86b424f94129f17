import { readFileSync } from 'node:fs';
import { parseCommand } from './args.js';
import type { CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { describeError, type ErrorContext, EXIT, UsageError } from './errors.js';
import { commandHelp, toolHelp } from './help.js';
import { interruptSignal } from './interrupt.js';
import { type Io, processIo } from './io.js';

export interface RunOptions {
  io?: Io;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Stops the command; default Ctrl-C and SIGTERM. */
  signal?: AbortSignal;
}

/** dynago's version, from its package.json (two levels up from both src/cli and dist/cli). */
function version(): string {
  try {
    const path = new URL('../../package.json', import.meta.url);
    return String((JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** The stack of an error and of its causes, for DYNAGO_DEBUG=1. */
function debugText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? (current as { cause?: unknown }).cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return `${parts.join('\n')}\n`;
}

/**
 * Runs `dynago <args>` and resolves to its exit code; never throws. Errors are one line on stderr
 * (`dynago <command>: …`), with the stack only when DYNAGO_DEBUG=1.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const env = options.env ?? process.env;
  const [name, ...rest] = args;
  if (name === undefined) {
    io.err.write(toolHelp(COMMANDS));
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.out.write(toolHelp(COMMANDS));
    return EXIT.ok;
  }
  if (name === '--version') {
    io.out.write(`${version()}\n`);
    return EXIT.ok;
  }
  const helpFor = name === 'help' ? rest[0] : undefined;
  const command = COMMANDS.find((candidate) => candidate.name === (helpFor ?? name));
  if (command === undefined) {
    const unknown = helpFor ?? name;
    const what = unknown.startsWith('-') ? `unknown option ${unknown}` : `unknown command "${unknown}"`;
    io.err.write(
      `dynago: ${what}; commands: ${COMMANDS.map((entry) => entry.name).join(', ')}. See "dynago --help".\n`,
    );
    return EXIT.usage;
  }
  if (helpFor !== undefined) {
    io.out.write(commandHelp(command));
    return EXIT.ok;
  }
  const errorContext: ErrorContext = {};
  const interrupt = options.signal
    ? undefined
    : interruptSignal((text) => io.err.write(io.err.isTTY ? `\r\x1b[2K${text}` : text));
  const signal = (options.signal ?? interrupt?.signal) as AbortSignal;
  try {
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      io.out.write(commandHelp(command));
      return EXIT.ok;
    }
    const context: CommandContext = {
      values: parsed.values,
      positionals: parsed.positionals,
      io,
      signal,
      env,
      cwd: options.cwd ?? process.cwd(),
      errorContext,
    };
    return await command.run(context);
  } catch (error) {
    if (signal.aborted && !(error instanceof UsageError)) {
      // Ctrl-C in a command with nothing to report: the abort is not an error to explain.
      io.err.write(`dynago ${command.name}: stopped.\n`);
      return EXIT.interrupted;
    }
    const line = describeError(error, errorContext);
    const hint = error instanceof UsageError ? ` See "dynago ${command.name} --help".` : '';
    io.err.write(`dynago ${command.name}: ${line}${hint}\n`);
    if (env.DYNAGO_DEBUG === '1') io.err.write(debugText(error));
    return error instanceof UsageError ? EXIT.usage : EXIT.failure;
  } finally {
    interrupt?.dispose();
  }
}
