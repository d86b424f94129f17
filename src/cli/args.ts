import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** One flag of a command, for `util.parseArgs` and for `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in `--help` (`<n>`); string options only. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** A positional argument, for `--help` and for the count check. */
export interface ArgumentSpec {
  name: string;
  description: string;
}

/** What a command takes, as `--help` shows it. */
export interface CommandSpec {
  name: string;
  /** One line, for the tool's list of commands. */
  summary: string;
  arguments: ArgumentSpec[];
  /** Paragraphs after the usage line. */
  description: string[];
  /** Groups of flags, each with a heading ("Options", "Connection" …), in `--help` order. */
  options: { heading: string; specs: OptionSpecs }[];
}

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: ParsedValues;
  positionals: string[];
}

/** `-h`/`--help`, which every command takes. */
export const HELP_OPTION: OptionSpecs = {
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

/** How to reach the table: flags, else the environment. */
export const CONNECTION_OPTIONS: OptionSpecs = {
  table: { type: 'string', value: '<name>', description: 'The table. Default: $DYNAGO_TABLE.' },
  region: { type: 'string', value: '<region>', description: 'The AWS region. Default: $AWS_REGION.' },
  endpoint: {
    type: 'string',
    value: '<url>',
    description:
      'A DynamoDB endpoint such as http://localhost:8000 (DynamoDB Local; dummy credentials unless the environment has some). Default: $DYNAMODB_ENDPOINT.',
  },
  'partition-key': {
    type: 'string',
    value: '<name>',
    description: "The table's partition key attribute. Default: pk.",
  },
  'sort-key': {
    type: 'string',
    value: '<name>',
    description: "The table's sort key attribute (a number: the event version). Default: sk.",
  },
};

/** Where the user's code is, for the commands that need their projector or repositories. */
export const CONFIG_OPTIONS: OptionSpecs = {
  config: {
    type: 'string',
    value: '<file>',
    description: 'The config module. Default: dynago.config.ts, .mts, .js or .mjs in the current directory.',
  },
};

/** Every flag of `spec`, in one map for `util.parseArgs`. */
function allOptions(spec: CommandSpec): OptionSpecs {
  return Object.assign({}, ...spec.options.map((group) => group.specs));
}

/**
 * Parses a command's arguments strictly: an unknown flag, a missing value, a value given to a boolean
 * flag, or too many or too few positionals are a {@link UsageError} (exit code 2). `--help` wins over
 * everything else, so `dynago read --help` works without a stream id.
 */
export function parseCommand(spec: CommandSpec, args: string[]): Parsed & { help: boolean } {
  const options = allOptions(spec);
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [
          name,
          {
            type: option.type,
            ...(option.short ? { short: option.short } : {}),
            ...(option.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    }) as Parsed;
  } catch (error) {
    if (args.includes('--help') || args.includes('-h')) return { values: {}, positionals: [], help: true };
    throw new UsageError(parseErrorMessage(error, options), spec.name);
  }
  if (parsed.values.help === true) return { ...parsed, help: true };
  const expected = spec.arguments.length;
  if (parsed.positionals.length < expected) {
    const missing = spec.arguments[parsed.positionals.length] as ArgumentSpec;
    throw new UsageError(`missing <${missing.name}>.`, spec.name);
  }
  if (parsed.positionals.length > expected) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[expected])}.`, spec.name);
  }
  return { ...parsed, help: false };
}

/** parseArgs' errors are long and generic; this names the flag in one sentence. */
function parseErrorMessage(error: unknown, options: OptionSpecs): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown option ${flag}.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = flag.replace(/^-+/, '');
    const option = options[name] ?? Object.values(options).find((candidate) => candidate.short === name);
    return option?.type === 'boolean'
      ? `${flag} takes no value.`
      : `${flag} needs a value${option?.value ? ` ${option.value}` : ''}.`;
  }
  return `${message.split('. ')[0]?.replace(/\.$/, '')}.`;
}

/** A whole-number flag within [min, max], or undefined when absent; a UsageError otherwise. */
export function integerOption(
  values: ParsedValues,
  name: string,
  command: string,
  range: { min: number; max?: number },
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < range.min || value > max) {
    const bound = range.max === undefined ? `${range.min} or more` : `from ${range.min} to ${range.max}`;
    throw new UsageError(`--${name} must be a whole number ${bound}, got ${JSON.stringify(raw)}.`, command);
  }
  return value;
}

/** A string flag's value (the last one when repeated), or undefined. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const raw = values[name];
  if (Array.isArray(raw)) return raw.at(-1);
  return typeof raw === 'string' ? raw : undefined;
}

/** A repeatable string flag's values ([] when absent). */
export function listOption(values: ParsedValues, name: string): string[] {
  const raw = values[name];
  if (Array.isArray(raw)) return raw;
  return typeof raw === 'string' ? [raw] : [];
}
