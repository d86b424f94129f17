/**
 * What the packaging test does to a fresh project: run a command with an environment that belongs to
 * that project (not to the `npm test` running this suite), and turn the README's TypeScript examples
 * into the JavaScript a user of the published package would run, as an ES module or as CommonJS.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { testEndpoint } from '../support/tables.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Output {
  stdout: string;
  stderr: string;
}

/**
 * The environment of a command run in a consumer project: without what `npm test` sets for this
 * repository (its package, its local prefix, the lifecycle) and without NODE_OPTIONS (mocha's tsx
 * loader is not installed there); the DynamoDB endpoint and credentials of the run stay.
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      /^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$|NODE_OPTIONS$)/i.test(
        name,
      )
    )
      continue;
    env[name] = value;
  }
  return env;
}

/** Runs `command` in `cwd`; rejects with its whole output when it fails. */
export function run(command: string, args: string[], cwd: string): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: consumerEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`,
            ),
          );
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** The README's TypeScript example that contains every one of `markers`. */
export async function readmeExample(...markers: string[]): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  const found = blocks.filter((block) => markers.every((marker) => block.includes(marker)));
  if (found.length !== 1) {
    throw new Error(`Expected one README example with ${markers.join(', ')}; found ${found.length}.`);
  }
  return found[0] as string;
}

/** An example pointed at the test DynamoDB, its `events` table (if any) renamed to `eventsTable`. */
export function forTestDynamoDB(example: string, eventsTable = 'events'): string {
  return example
    .replaceAll('http://localhost:8000', testEndpoint().url)
    .replaceAll("tableName: 'events'", `tableName: '${eventsTable}'`);
}

/** The example as an ES module: its types erased, nothing else changed. */
export function toEsModule(example: string): string {
  return ts.transpileModule(example, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}

/**
 * The example as CommonJS: each `import { … } from '…'` becomes a `require`, and the code (it awaits at
 * top level) runs in an async function whose failure sets the exit code.
 */
export function toCommonJs(example: string): string {
  let imports = 0;
  const body = toEsModule(example).replace(
    /^import\s*\{([^}]*)\}\s*from\s*'([^']+)';$/gm,
    (_, names: string, from: string) => {
      imports++;
      return `const {${names.replace(/\s+as\s+/g, ': ')}} = require('${from}');`;
    },
  );
  if (imports === 0 || /^\s*import\b/m.test(body)) {
    throw new Error(`Could not turn the example's imports into require calls:\n${body}`);
  }
  return [
    "'use strict';",
    '(async () => {',
    body,
    '})().catch((error) => {',
    '  console.error(error);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}
