import { CONFIG_OPTIONS, HELP_OPTION, integerOption, stringOption } from '../args.js';
import type { Command } from '../command.js';
import {
  findConfig,
  type LoadedConfig,
  loadConfig,
  type ProjectorLike,
  type RepositoryLike,
} from '../config.js';
import { CliError, EXIT, isAbort, UsageError } from '../errors.js';
import { formatCount, formatDuration, plural } from '../format.js';
import { Progress, progressInterval } from '../progress.js';

/** What `rebuild <name>` names: one of the projector's projections, or a repository's category. */
type Target = { kind: 'projection'; name: string } | { kind: 'category'; name: string };

function resolveTarget(config: LoadedConfig, name: string, values: Record<string, unknown>): Target {
  const projections = config.projector?.projectionNames ?? [];
  const isProjection = projections.includes(name);
  const isCategory = config.repositories.has(name);
  if (values.projection === true && values.category === true) {
    throw new UsageError('--projection and --category exclude each other.', 'rebuild');
  }
  if (values.projection === true || (isProjection && !isCategory && values.category !== true)) {
    if (!isProjection) throw new CliError(`no projection named "${name}"; ${known(config)}.`);
    return { kind: 'projection', name };
  }
  if (values.category === true || (isCategory && !isProjection)) {
    if (!isCategory) throw new CliError(`no repository of category "${name}"; ${known(config)}.`);
    return { kind: 'category', name };
  }
  if (isProjection && isCategory) {
    throw new UsageError(
      `"${name}" is both a projection and a category: add --projection or --category.`,
      'rebuild',
    );
  }
  throw new CliError(`"${name}" is neither a projection nor a category of ${config.path}; ${known(config)}.`);
}

/** "projections: balances; categories: account, cart" */
function known(config: LoadedConfig): string {
  const projections = config.projector?.projectionNames ?? [];
  const categories = [...config.repositories.keys()];
  return `projections: ${projections.join(', ') || 'none'}; categories: ${categories.join(', ') || 'none'}`;
}

/** `dynago rebuild <projection|category>` */
export const rebuildCommand: Command = {
  name: 'rebuild',
  summary: "Rebuild a projection, or a category's snapshots (needs config).",
  arguments: [
    { name: 'name', description: 'A projection of the projector, or the category of a repository.' },
  ],
  description: [
    'A projection: applies every event of its categories from the events alone (Projector.rebuild), with parallel scan segments, while live projection may go on. A category: folds every aggregate of the category from its events and rewrites its snapshot (AggregateRepository.rebuildAll).',
    'A progress line goes to stderr (events, streams, events per second). Ctrl-C stops cleanly and says how far it got (exit code 130). Both kinds can simply be run again: a projection rebuild resumes through its checkpoints (events already applied are read again but not applied twice); a category rebuild starts over, which is safe (each snapshot is rewritten from the events).',
  ],
  options: [
    {
      heading: 'Options',
      specs: {
        projection: {
          type: 'boolean',
          description: '<name> is a projection (when a category has the same name).',
        },
        category: {
          type: 'boolean',
          description: '<name> is a category (when a projection has the same name).',
        },
        segments: { type: 'string', value: '<n>', description: 'Parallel scan segments. Default: 4.' },
        segment: {
          type: 'string',
          value: '<i>',
          description:
            'A projection: only segment i (0 to segments − 1), so that several processes share the work.',
        },
        concurrency: {
          type: 'string',
          value: '<n>',
          description: 'Streams applied or saved at once. Default: 8.',
        },
        ...HELP_OPTION,
      },
    },
    { heading: 'Config', specs: CONFIG_OPTIONS },
  ],
  async run({ values, positionals, cwd, env, io, signal }) {
    const segments = integerOption(values, 'segments', 'rebuild', { min: 1, max: 1000 });
    const segment = integerOption(values, 'segment', 'rebuild', { min: 0, max: 999 });
    const concurrency = integerOption(values, 'concurrency', 'rebuild', { min: 1, max: 1000 });
    if (segment !== undefined && segment >= (segments ?? 4)) {
      throw new UsageError(
        `--segment must be below --segments (${segments ?? 4}), got ${segment}.`,
        'rebuild',
      );
    }
    const config = await loadConfig(findConfig(cwd, stringOption(values, 'config')));
    const target = resolveTarget(config, positionals[0] as string, values);
    if (target.kind === 'category' && segment !== undefined) {
      throw new UsageError('--segment is for projections only.', 'rebuild');
    }
    const interval = progressInterval(env);
    const progress = new Progress({
      out: io.err,
      label: `rebuild ${target.kind} ${target.name}`,
      unit: 'events',
      ...(interval !== undefined ? { intervalMs: interval } : {}),
    });
    const done = { events: 0, streams: 0, applied: 0, failed: 0 };
    const started = Date.now();
    const options = {
      signal,
      ...(segments !== undefined ? { segments } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
    };
    let failed: { streamId: string; error: unknown }[] = [];
    try {
      if (target.kind === 'projection') {
        const projector = config.projector as ProjectorLike;
        const result = await projector.rebuild(target.name, {
          ...options,
          ...(segment !== undefined ? { segment } : {}),
          onProgress: (totals) => {
            Object.assign(done, totals);
            progress.update(totals.events, { streams: totals.streams, applied: totals.applied });
          },
        });
        Object.assign(done, result);
      } else {
        const repository = config.repositories.get(target.name) as RepositoryLike;
        const result = await repository.rebuildAll({
          ...options,
          onProgress: (totals) => {
            Object.assign(done, totals);
            progress.update(totals.events, { streams: totals.streams, failed: totals.failed });
          },
        });
        done.events = result.events;
        done.streams = result.streams;
        failed = result.failed;
      }
    } catch (error) {
      progress.finish();
      if (!isAbort(error, signal)) throw error;
      const applied = target.kind === 'projection' ? ` (${formatCount(done.applied)} applied)` : '';
      io.err.write(
        `stopped: ${plural(done.events, 'event')} of ${plural(done.streams, 'stream')} done${applied}. ` +
          (target.kind === 'projection'
            ? 'Run the same command again to resume: the checkpoints skip what was applied.\n'
            : 'Run the same command again: it starts over, which is safe.\n'),
      );
      return EXIT.interrupted;
    }
    progress.finish();
    const elapsed = Date.now() - started;
    const rate = elapsed > 0 ? (done.events * 1000) / elapsed : 0;
    const applied = target.kind === 'projection' ? `, ${formatCount(done.applied)} applied` : '';
    io.out.write(
      `rebuilt ${target.kind} ${target.name}: ${plural(done.events, 'event')} of ${plural(done.streams, 'stream')}${applied} in ${formatDuration(elapsed)} (${formatCount(rate)} events/s)\n`,
    );
    if (target.kind === 'projection') {
      // Parking is how a projection fails on an event: its read model misses that stream until retried.
      const parked = (await (config.projector as ProjectorLike).status(target.name)).parked.length;
      if (parked > 0) {
        io.err.write(
          `${formatCount(parked)} stream${parked === 1 ? ' is' : 's are'} parked in ${target.name}: fix the projection, then run "dynago retry-parked ${target.name}".\n`,
        );
        return EXIT.failure;
      }
    }
    if (failed.length > 0) {
      for (const { streamId, error } of failed) {
        const message = error instanceof Error ? error.message : String(error);
        io.err.write(`failed: ${streamId}: ${message.split('\n')[0]}\n`);
      }
      io.err.write(`${plural(failed.length, 'stream')} could not be rebuilt.\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};
