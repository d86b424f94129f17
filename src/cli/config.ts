import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RebuildAllResult, RebuildProgress } from '../aggregates/types.js';
import type { ProjectionStatus, ProjectorRebuildOptions } from '../projections/types.js';
import { CliError } from './errors.js';

/** What the CLI uses of a Projector (duck-typed, so a config built with another copy of dynago works). */
export interface ProjectorLike {
  readonly projectionNames: string[];
  status(name: string): Promise<ProjectionStatus>;
  rebuild(
    name: string,
    options?: ProjectorRebuildOptions,
  ): Promise<{ streams: number; events: number; applied: number }>;
  retryParked(name: string, options?: { signal?: AbortSignal }): Promise<{ retried: number; parked: number }>;
}

/** What the CLI uses of an AggregateRepository. */
export interface RepositoryLike {
  readonly category: string;
  rebuildAll(options?: {
    concurrency?: number;
    segments?: number;
    onProgress?: (progress: RebuildProgress) => void;
    signal?: AbortSignal;
  }): Promise<RebuildAllResult>;
}

/**
 * The config module's default export (or what its default export, a function, returns or resolves to):
 *
 * ```ts
 * export default { projector, repositories: { account: accounts, cart: carts } };
 * ```
 *
 * - `projector`: a Projector, for `projections`, `rebuild <projection>` and `retry-parked`.
 * - `repositories`: AggregateRepositories, for `rebuild <category>`: an object keyed by their category,
 *   or an array of them.
 */
export interface DynagoCliConfig {
  projector?: ProjectorLike;
  repositories?: Record<string, RepositoryLike> | RepositoryLike[];
}

/** The config, checked: repositories by category. */
export interface LoadedConfig {
  path: string;
  projector: ProjectorLike | undefined;
  repositories: Map<string, RepositoryLike>;
}

/** Looked for in the current directory, in this order; more than one is an error (which one?). */
export const CONFIG_NAMES = [
  'dynago.config.ts',
  'dynago.config.mts',
  'dynago.config.js',
  'dynago.config.mjs',
];

/** The config file: `--config` (relative to `cwd`), else the one dynago.config.* in `cwd`. */
export function findConfig(cwd: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw new CliError(`config file ${explicit} not found.`);
    return path;
  }
  const found = CONFIG_NAMES.filter((name) => existsSync(resolve(cwd, name)));
  if (found.length === 0) {
    throw new CliError(
      `no config in ${cwd}: write dynago.config.js (or .mjs, .ts) exporting { projector, repositories }, or pass --config <file>.`,
    );
  }
  if (found.length > 1) {
    throw new CliError(`${found.join(' and ')} are both in ${cwd}: pass --config <file> to say which.`);
  }
  return resolve(cwd, found[0] as string);
}

const TYPESCRIPT = /\.(c|m)?ts$/;

/** Why Node could not load a TypeScript config, and the three ways out. */
function typescriptHint(path: string): string {
  return (
    `${basename(path)} is TypeScript and this Node (${process.version}) does not load TypeScript: ` +
    `run with tsx (NODE_OPTIONS="--import tsx" dynago …), use Node 22.6 or later with --experimental-strip-types ` +
    '(on by default from 23.6), or write the config as .js or .mjs.'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function checkProjector(value: unknown, path: string): ProjectorLike | undefined {
  if (value === undefined) return undefined;
  const projector = value as Partial<ProjectorLike>;
  if (
    !isObject(value) ||
    typeof projector.rebuild !== 'function' ||
    typeof projector.status !== 'function' ||
    typeof projector.retryParked !== 'function'
  ) {
    throw new CliError(`${basename(path)}: projector must be a dynago Projector.`);
  }
  if (!Array.isArray(projector.projectionNames)) {
    throw new CliError(
      `${basename(path)}: the Projector has no projectionNames: its dynago is older than this CLI's; update it.`,
    );
  }
  return value as unknown as ProjectorLike;
}

function checkRepositories(value: unknown, path: string): Map<string, RepositoryLike> {
  const repositories = new Map<string, RepositoryLike>();
  if (value === undefined) return repositories;
  if (!isObject(value)) {
    throw new CliError(
      `${basename(path)}: repositories must be an object keyed by category ({ account: accounts }) or an array.`,
    );
  }
  const entries: [string | undefined, unknown][] = Array.isArray(value)
    ? value.map((repository) => [undefined, repository])
    : Object.entries(value);
  for (const [key, candidate] of entries) {
    const repository = candidate as Partial<RepositoryLike>;
    const where = key === undefined ? 'repositories' : `repositories.${key}`;
    if (
      !isObject(candidate) ||
      typeof repository.category !== 'string' ||
      typeof repository.rebuildAll !== 'function'
    ) {
      throw new CliError(`${basename(path)}: ${where} must be a dynago AggregateRepository.`);
    }
    if (key !== undefined && key !== repository.category) {
      throw new CliError(
        `${basename(path)}: ${where} is the repository of category "${repository.category}": key it by its category.`,
      );
    }
    if (repositories.has(repository.category)) {
      throw new CliError(`${basename(path)}: two repositories of category "${repository.category}".`);
    }
    repositories.set(repository.category, candidate as unknown as RepositoryLike);
  }
  return repositories;
}

/**
 * Imports the config module and checks its default export (see {@link DynagoCliConfig}). `.js` and
 * `.mjs` always load; `.ts` and `.mts` load when Node can (tsx registered, or Node's type stripping),
 * else a CliError says how. `importModule` is for tests.
 */
export async function loadConfig(
  path: string,
  importModule: (url: string) => Promise<Record<string, unknown>> = (url) => import(url),
): Promise<LoadedConfig> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(pathToFileURL(path).href);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      TYPESCRIPT.test(path) &&
      (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING')
    ) {
      throw new CliError(typescriptHint(path), { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    const esmInCommonJs = /Unexpected token 'export'|Cannot use import statement outside a module/.test(
      message,
    );
    const hint = esmInCommonJs
      ? ' (ESM syntax in a CommonJS .js file: name it .mjs, or set "type": "module" in package.json)'
      : '';
    throw new CliError(`cannot load ${basename(path)}: ${message.split('\n')[0]}${hint}`, { cause: error });
  }
  let config = module.default;
  if (config === undefined) {
    throw new CliError(
      `${basename(path)} has no default export: export default { projector, repositories }.`,
    );
  }
  if (typeof config === 'function') {
    try {
      config = await (config as () => unknown)();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(`${basename(path)}: its default export threw: ${message.split('\n')[0]}`, {
        cause: error,
      });
    }
  }
  if (!isObject(config)) {
    throw new CliError(
      `${basename(path)}: the default export must be an object { projector, repositories } (or a function returning one).`,
    );
  }
  const unknown = Object.keys(config).filter((key) => !['projector', 'repositories'].includes(key));
  if (unknown.length > 0) {
    throw new CliError(
      `${basename(path)}: unknown key ${unknown.map((key) => JSON.stringify(key)).join(', ')} in the config; it takes projector and repositories.`,
    );
  }
  return {
    path,
    projector: checkProjector(config.projector, path),
    repositories: checkRepositories(config.repositories, path),
  };
}

/** The config's projector, or a CliError saying the command needs one. */
export function requireProjector(config: LoadedConfig, command: string): ProjectorLike {
  if (config.projector === undefined) {
    throw new CliError(`${command} needs a projector, and ${basename(config.path)} exports none.`);
  }
  return config.projector;
}
