import type { CommandSpec, ParsedValues } from './args.js';
import type { ErrorContext } from './errors.js';
import type { Io } from './io.js';

/** What a command runs with. */
export interface CommandContext {
  values: ParsedValues;
  positionals: string[];
  io: Io;
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM: stop, say what was done, return. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Filled in by the command once it knows where it connects, for the wording of errors. */
  errorContext: ErrorContext;
}

/** One `dynago <command>`: its flags and help, and what it does; resolves to the exit code. */
export interface Command extends CommandSpec {
  run(context: CommandContext): Promise<number>;
}
