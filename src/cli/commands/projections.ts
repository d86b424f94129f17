import type { ProjectionStatus } from '../../projections/types.js';
import { CONFIG_OPTIONS, HELP_OPTION, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { findConfig, loadConfig, requireProjector } from '../config.js';
import { EXIT } from '../errors.js';
import { abbreviate, formatCount, formatDuration, formatTable, formatTime } from '../format.js';
import type { Output } from '../io.js';

function printStatuses(out: Output, statuses: ProjectionStatus[]): void {
  out.write(
    formatTable(
      [
        { header: 'PROJECTION' },
        { header: 'PARKED', align: 'right' },
        { header: 'LAG', align: 'right' },
        { header: 'OLDEST PARKED' },
      ],
      statuses.map((status) => {
        const oldest = [...status.parked].sort((a, b) => a.parkedAt - b.parkedAt)[0];
        return [
          status.name,
          formatCount(status.parked.length),
          status.lagMs === undefined
            ? '-'
            : `${formatDuration(status.lagMs)}${status.lagAt === undefined ? '' : ` (${formatDuration(Math.max(0, Date.now() - status.lagAt))} ago)`}`,
          oldest === undefined
            ? ''
            : `${oldest.streamId} v${oldest.version} since ${formatTime(oldest.parkedAt)}`,
        ];
      }),
      out.columns,
    ),
  );
  for (const status of statuses) {
    if (status.parked.length === 0) continue;
    out.write(`\nparked in ${status.name}:\n`);
    for (const parked of status.parked) {
      const head = `  ${parked.streamId} v${parked.version} (${formatTime(parked.parkedAt)}): `;
      out.write(`${head}${abbreviate(parked.error, Math.max(20, out.columns - 1 - head.length))}\n`);
    }
  }
}

/** `dynago projections` */
export const projectionsCommand: Command = {
  name: 'projections',
  summary: "Show each projection's parked events and lag (needs config).",
  arguments: [],
  description: [
    "Prints the status of every projection of the config's projector: how many events are parked (a projection kept failing on them; their streams wait for retry-parked), the oldest of them, and each parked event with its error. A table on a terminal, one JSON line per projection otherwise.",
    'Lag is what the process that applies the events (Projector.run, the Lambda handler) last recorded beside the checkpoints (at most once a second): when it applied an event, minus the event\'s timestamp, and how long ago that was. "-" when no live process has applied anything yet.',
  ],
  options: [
    {
      heading: 'Options',
      specs: { json: { type: 'boolean', description: 'JSON lines even on a terminal.' }, ...HELP_OPTION },
    },
    { heading: 'Config', specs: CONFIG_OPTIONS },
  ],
  async run({ values, cwd, io }) {
    const config = await loadConfig(findConfig(cwd, stringOption(values, 'config')));
    const projector = requireProjector(config, 'projections');
    const statuses: ProjectionStatus[] = [];
    for (const name of projector.projectionNames) statuses.push(await projector.status(name));
    if (values.json === true || !io.out.isTTY) {
      for (const status of statuses) io.out.write(`${JSON.stringify(status)}\n`);
    } else {
      printStatuses(io.out, statuses);
    }
    return EXIT.ok;
  },
};
