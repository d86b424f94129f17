import { StreamCorruptedError } from '../errors.js';
import type { StreamToken } from '../events/token.js';
import type { EventInput, EventStoreLike } from '../events/types.js';
import { clonePlain } from '../internal/clonePlain.js';
import type { SnapshotStoreLike } from '../snapshots/types.js';
import { COMMAND_HISTORY, type StoredOf } from './types.js';

/**
 * What the repository knows of one aggregate: its state at `version`, the token to append after it, and
 * the command ids of its recent events. An entry's state belongs to the repository: it is never handed
 * out and never mutated (callers, `decide` and `reduce` get copies), so the same entry can serve the
 * next command from the cache.
 */
export interface Entry<State> {
  streamId: string;
  state: State;
  version: number;
  token: StreamToken;
  /** The state is plain data, so it can be copied (and cached). */
  plain: boolean;
  /** The command ids among versions `coveredFrom` … `version`: first and last version of each. */
  commands: Map<string, [number, number]>;
  /** The lowest version whose command id is known (`version + 1`: none known). */
  coveredFrom: number;
}

/**
 * Reads aggregates, at the DynamoDB minimum:
 * - a cold load is ONE consistent backward Query of the stream's partition from the top: the snapshot
 *   item (it lives above the events) and up to `snapshotEvery` newer events. A fresh snapshot needs
 *   nothing else. Only when more events follow the snapshot than fit, or there is no snapshot and the
 *   stream is longer, is the rest read forward (from the snapshot's own version, which proves that the
 *   snapshot is backed by its event: a snapshot ahead of the stream is ignored, the events are the truth).
 * - a catch-up after a conflict reads only the events after the version the repository knew.
 */
export class StreamLoader<State, Event extends EventInput> {
  constructor(
    private readonly events: EventStoreLike,
    private readonly snapshots: SnapshotStoreLike<State> | undefined,
    private readonly initialState: () => State,
    private readonly reduce: (state: State, event: StoredOf<Event>) => State,
    private readonly snapshotEvery: number,
  ) {}

  async load(streamId: string, signal?: AbortSignal): Promise<Entry<State>> {
    const tail = await this.events.tail(streamId, {
      // the snapshot item, the events since it (up to snapshotEvery of them), and the snapshot's own event,
      // which proves it is backed: a snapshot exactly snapshotEvery events old still loads in one Query
      limit: this.snapshotEvery + 2,
      ...(signal ? { signal } : {}),
    });
    const tailEvents = tail.events as StoredOf<Event>[];
    const head = tailEvents.at(-1)?.version ?? 0;
    const lowest = tailEvents[0]?.version ?? head + 1;
    const snapshot = tail.snapshot && this.snapshots ? this.snapshots.fromItem(tail.snapshot) : undefined;
    // A snapshot counts only if its version is one of the stream's: ahead of the head, it is ignored.
    const usable = snapshot !== undefined && Number.isSafeInteger(snapshot.version) && snapshot.version >= 1;
    const start = usable && snapshot.version <= head ? snapshot.version : 0;
    let state = start > 0 ? (snapshot?.state as State) : this.initialState();
    const commands = new Map<string, [number, number]>();
    const apply = (event: StoredOf<Event>) => {
      if (event.commandId !== undefined) note(commands, event.commandId, event.version);
      if (event.version > start) state = this.reduce(state, event);
    };
    // Versions from the snapshot's own (or 1) up to the tail are not in the tail: read them forward.
    const from = Math.max(1, start);
    let coveredFrom = lowest;
    if (from < lowest) {
      let expected = from;
      for await (const event of this.events.read<StoredOf<Event>>(streamId, {
        from,
        to: lowest - 1,
        ...(signal ? { signal } : {}),
      })) {
        expected = event.version + 1;
        apply(event);
      }
      if (expected !== lowest) throw new StreamCorruptedError(streamId, expected, lowest);
      coveredFrom = from;
    }
    for (const event of tailEvents) apply(event);
    return {
      streamId,
      state,
      version: head,
      token: tail.token,
      plain: clonePlain(state) !== undefined,
      commands: trim(commands, head),
      coveredFrom: Math.max(coveredFrom, head - COMMAND_HISTORY + 1),
    };
  }

  /**
   * The entry brought up to the stream's head: reads the events after `entry.version` (one Query for
   * fewer than 1 MB of them) and folds them into a copy of its state. A state that is not plain data
   * cannot be copied: it is loaded again instead.
   */
  async catchUp(entry: Entry<State>, signal?: AbortSignal): Promise<Entry<State>> {
    if (!entry.plain) return this.load(entry.streamId, signal);
    let state = clonePlain(entry.state) as State;
    const commands = new Map(entry.commands);
    let version = entry.version;
    let token = entry.token;
    let cursor: string | undefined;
    do {
      const page = await this.events.readPage<StoredOf<Event>>(entry.streamId, {
        from: entry.version + 1,
        ...(cursor !== undefined ? { cursor } : {}),
        ...(signal ? { signal } : {}),
      });
      for (const event of page.events as StoredOf<Event>[]) {
        if (event.commandId !== undefined) note(commands, event.commandId, event.version);
        state = this.reduce(state, event);
        version = event.version;
      }
      cursor = page.cursor;
      if (page.token) token = page.token;
    } while (cursor !== undefined);
    return { ...entry, state, version, token, commands: trim(commands, version) };
  }

  /**
   * The events of `commandId` among the stream's last {@link COMMAND_HISTORY} events, or undefined. Reads
   * further back only when the entry does not already know the command ids that far.
   */
  async findCommand(
    entry: Entry<State>,
    commandId: string,
    signal?: AbortSignal,
  ): Promise<StoredOf<Event>[] | undefined> {
    const oldest = Math.max(1, entry.version - COMMAND_HISTORY + 1);
    if (entry.coveredFrom > oldest) {
      for await (const event of this.events.read<StoredOf<Event>>(entry.streamId, {
        from: oldest,
        to: entry.coveredFrom - 1,
        ...(signal ? { signal } : {}),
      })) {
        if (event.commandId !== undefined) note(entry.commands, event.commandId, event.version);
      }
      entry.coveredFrom = oldest;
    }
    const range = entry.commands.get(commandId);
    if (range === undefined) return undefined;
    const events: StoredOf<Event>[] = [];
    for await (const event of this.events.read<StoredOf<Event>>(entry.streamId, {
      from: range[0],
      to: range[1],
      ...(signal ? { signal } : {}),
    })) {
      if (event.commandId === commandId) events.push(event);
    }
    return events;
  }

  /** The entry after this process appended `events` (already folded into `state`) at `token`. */
  advance(
    entry: Entry<State>,
    state: State,
    token: StreamToken,
    commandId: string | undefined,
  ): Entry<State> {
    const commands = new Map(entry.commands);
    if (commandId !== undefined) {
      for (let version = entry.version + 1; version <= token.version; version++)
        note(commands, commandId, version);
    }
    return {
      ...entry,
      state,
      version: token.version,
      token,
      commands: trim(commands, token.version),
      coveredFrom: Math.max(entry.coveredFrom, token.version - COMMAND_HISTORY + 1),
    };
  }
}

function note(commands: Map<string, [number, number]>, commandId: string, version: number): void {
  const range = commands.get(commandId);
  if (range === undefined) commands.set(commandId, [version, version]);
  else range[1] = Math.max(range[1], version);
}

/** Drops the command ids older than the last {@link COMMAND_HISTORY} versions. */
function trim(commands: Map<string, [number, number]>, version: number): Map<string, [number, number]> {
  const oldest = version - COMMAND_HISTORY + 1;
  for (const [commandId, range] of commands) if (range[1] < oldest) commands.delete(commandId);
  return commands;
}
