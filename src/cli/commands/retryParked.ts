import { CONFIG_OPTIONS, HELP_OPTION, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { findConfig, loadConfig, requireProjector } from '../config.js';
import { CliError, EXIT, isAbort } from '../errors.js';
import { formatCount, formatTime, plural } from '../format.js';

/** `dynago retry-parked <projection>` */
export const retryParkedCommand: Command = {
  name: 'retry-parked',
  summary: "Apply a projection's parked events again (needs config).",
  arguments: [{ name: 'projection', description: 'A projection of the projector.' }],
  description: [
    'Lifts each parked stream of the projection and applies it from its checkpoint to its head (Projector.retryParked), with the projection code of the config: deploy the fix first. A stream that fails again is parked again; then the command lists them and exits with code 1.',
  ],
  options: [
    { heading: 'Options', specs: { ...HELP_OPTION } },
    { heading: 'Config', specs: CONFIG_OPTIONS },
  ],
  async run({ values, positionals, cwd, io, signal }) {
    const name = positionals[0] as string;
    const config = await loadConfig(findConfig(cwd, stringOption(values, 'config')));
    const projector = requireProjector(config, 'retry-parked');
    if (!projector.projectionNames.includes(name)) {
      throw new CliError(
        `no projection named "${name}"; the projector has ${projector.projectionNames.join(', ')}.`,
      );
    }
    let result: { retried: number; parked: number };
    try {
      result = await projector.retryParked(name, { signal });
    } catch (error) {
      if (!isAbort(error, signal)) throw error;
      io.err.write('stopped: the streams lifted so far were applied; run the command again for the rest.\n');
      return EXIT.interrupted;
    }
    io.out.write(
      `retried ${plural(result.retried, 'parked stream')} of ${name}: ${formatCount(result.parked)} parked again\n`,
    );
    if (result.parked === 0) return EXIT.ok;
    for (const parked of (await projector.status(name)).parked) {
      io.err.write(
        `parked again: ${parked.streamId} v${parked.version} (${formatTime(parked.parkedAt)}): ${parked.error.split('\n')[0]}\n`,
      );
    }
    return EXIT.failure;
  },
};
