import { DynagoError, DynamoDBUnavailableError, TableNotFoundError, ValidationError } from '../errors.js';

/** Exit codes of the `dynago` command. */
export const EXIT = {
  ok: 0,
  /** A runtime failure: DynamoDB unreachable, a table or stream not found, a failed rebuild. */
  failure: 1,
  /** The command line is wrong: an unknown command or flag, a missing argument, a bad value. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT) before the work was done: 128 + 2, as shells report it. */
  interrupted: 130,
} as const;

/** The command line is wrong; exit code 2. The message says what to change. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose `--help` the error points to; undefined for the tool itself. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure whose message is already written for the command line; exit code 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Where the command was talking to, for error messages: "at http://localhost:8000", "in eu-west-1". */
export interface ErrorContext {
  endpoint?: string;
  region?: string;
  tableName?: string;
}

/** The first line of a message, without its trailing punctuation noise. */
function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

function causeOf(error: unknown): { name?: string; code?: string; message?: string } {
  let current: unknown = error;
  // The SDK's error is the cause of dynago's; the network error may be the cause of the SDK's.
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const next = (current as { cause?: unknown }).cause;
    if (!(next instanceof Error)) break;
    current = next;
  }
  return (current ?? {}) as { name?: string; code?: string; message?: string };
}

function where(context: ErrorContext): string {
  if (context.endpoint) return ` at ${context.endpoint}`;
  if (context.region) return ` in ${context.region}`;
  return '';
}

/**
 * One line that says what went wrong, for any error a command throws: the CLI's own errors as they are,
 * dynago's typed errors reworded for the command line (which flag to check), anything else by its
 * message. Never a stack trace (see `DYNAGO_DEBUG`).
 */
export function describeError(error: unknown, context: ErrorContext = {}): string {
  if (error instanceof UsageError || error instanceof CliError) return firstLine(error.message);
  if (error instanceof TableNotFoundError) {
    return `table "${error.tableName}" not found${where(context)}: create it with "dynago create-table", or check --table, --region and --endpoint.`;
  }
  // By name: the poller's module needs @aws-sdk/client-dynamodb-streams, which only `tail` loads.
  if (error instanceof DynagoError && error.name === 'StreamNotFoundError') {
    return `the DynamoDB Stream of the table was not found${where(context)} (was the table deleted?).`;
  }
  if (error instanceof DynamoDBUnavailableError) {
    const cause = causeOf(error);
    const reason = cause.code ?? cause.name ?? 'no answer';
    return `cannot reach DynamoDB${where(context)} (${reason}); check --endpoint / --region and the network, then try again.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (causeOf(error).name === 'ResourceInUseException' && context.tableName) {
    return `table "${context.tableName}" already exists (or is being created or deleted).`;
  }
  if (/region is missing/i.test(message)) {
    return 'no AWS region: pass --region or set AWS_REGION (or use --endpoint for DynamoDB Local).';
  }
  if (/could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
  }
  if (error instanceof ValidationError || error instanceof DynagoError) return firstLine(message);
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  return firstLine(`${name}${message}`);
}

/** True when the error is the abort of `signal` (Ctrl-C), not a failure. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error === signal.reason || (error as Error | undefined)?.name === 'AbortError');
}
