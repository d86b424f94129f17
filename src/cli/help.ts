import type { CommandSpec, OptionSpec } from './args.js';

/** Help is wrapped at this width whatever the terminal, so the README can hold it verbatim. */
const WIDTH = 80;

/** `text` wrapped at `width`, every line after the first indented by `indent` spaces. */
function wrap(text: string, width: number, indent: number, firstIndent = indent): string {
  const lines: string[] = [];
  let line = '';
  let room = width - firstIndent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = width - indent;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((text, index) => (index === 0 ? text : `${' '.repeat(indent)}${text}`)).join('\n');
}

function label(name: string, option: OptionSpec): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
  return option.type === 'string' && option.value ? `${flag} ${option.value}` : flag;
}

/** Where descriptions start: after the longest label, within reason. */
function columnFor(labels: string[]): number {
  return Math.min(30, Math.max(...labels.map((text) => text.length)) + 4);
}

/** Rows of "label  description", the descriptions aligned on one column. */
function rows(entries: [string, string][], column = columnFor(entries.map(([left]) => left))): string[] {
  return entries.map(([left, right]) => {
    const head = `  ${left}`;
    if (head.length + 2 > column) return `${head}\n${' '.repeat(column)}${wrap(right, WIDTH, column)}`;
    return `${head.padEnd(column)}${wrap(right, WIDTH, column)}`;
  });
}

/** A command's `--help`: usage, description, arguments, then each group of flags. */
export function commandHelp(spec: CommandSpec): string {
  const args = spec.arguments.map((argument) => ` <${argument.name}>`).join('');
  const parts = [`Usage: dynago ${spec.name}${args} [options]`, ''];
  for (const paragraph of spec.description) parts.push(wrap(paragraph, WIDTH, 0), '');
  const argumentRows = spec.arguments.map((argument): [string, string] => [
    `<${argument.name}>`,
    argument.description,
  ]);
  const groups = spec.options.map((group) => ({
    heading: group.heading,
    rows: Object.entries(group.specs).map(([name, option]): [string, string] => [
      label(name, option),
      option.description,
    ]),
  }));
  // One column for every section, so the command's help reads as one table.
  const column = columnFor([...argumentRows, ...groups.flatMap((group) => group.rows)].map(([left]) => left));
  if (argumentRows.length > 0) parts.push('Arguments:', ...rows(argumentRows, column), '');
  for (const group of groups) parts.push(`${group.heading}:`, ...rows(group.rows, column), '');
  return `${parts.join('\n').trimEnd()}\n`;
}

/** `dynago --help`: what the tool is, its commands, and the flags and variables every command shares. */
export function toolHelp(commands: readonly CommandSpec[]): string {
  const parts = [
    'Usage: dynago <command> [options]',
    '',
    wrap(
      'Looks into and operates a dynago event store on DynamoDB: read and tail streams, count what the table holds, create it, and run the projections and aggregate rebuilds of your own code (loaded from dynago.config.*).',
      WIDTH,
      0,
    ),
    '',
    'Commands:',
    ...rows(commands.map((command) => [command.name, command.summary])),
    '',
    'Options:',
    ...rows([
      ['-h, --help', 'Show this help; "dynago <command> --help" shows a command\'s.'],
      ['--version', "Print dynago's version."],
    ]),
    '',
    'Environment:',
    ...rows([
      ['DYNAGO_TABLE', 'The table, when --table is not given.'],
      ['AWS_REGION', 'The region, when --region is not given.'],
      ['DYNAMODB_ENDPOINT', 'The endpoint, when --endpoint is not given.'],
      ['DYNAGO_PROGRESS_MS', 'How often progress is redrawn (terminal) or printed (otherwise), in ms.'],
      ['DYNAGO_DEBUG=1', 'Print the stack trace of an error, not only its one-line message.'],
    ]),
    '',
    'Exit codes:',
    ...rows([
      ['0', 'Done.'],
      ['1', 'Failed: DynamoDB unreachable, a table, stream or projection not found…'],
      ['2', 'Usage: an unknown command or flag, a missing argument, a bad value.'],
      ['130', 'Stopped by Ctrl-C before the work was done.'],
    ]),
  ];
  return `${parts.join('\n')}\n`;
}
