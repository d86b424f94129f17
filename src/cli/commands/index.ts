import type { Command } from '../command.js';
import { createTableCommand } from './createTable.js';
import { projectionsCommand } from './projections.js';
import { readCommand } from './read.js';
import { rebuildCommand } from './rebuild.js';
import { retryParkedCommand } from './retryParked.js';
import { statsCommand } from './stats.js';
import { tailCommand } from './tail.js';

/** Every command, in the order `dynago --help` and the README list them. */
export const COMMANDS: readonly Command[] = [
  createTableCommand,
  readCommand,
  tailCommand,
  statsCommand,
  projectionsCommand,
  rebuildCommand,
  retryParkedCommand,
];
