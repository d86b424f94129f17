import { ValidationError } from '../errors.js';

/**
 * One stream in memory: its events' stored attributes (version n at index n − 1, so versions are gapless
 * by construction) and its snapshot record, if one was saved.
 */
export interface MemoryStream {
  /** The order the stream was created in: how `readAllSegments` spreads streams over segments. */
  readonly ordinal: number;
  /** What DynamoDB would store of each event besides the key: id, type, data, metadata, timestamp … */
  readonly records: Record<string, unknown>[];
  /** The snapshot's attributes (state, version, timestamp), as a `SnapshotStore` would store them. */
  snapshot?: Record<string, unknown>;
}

/**
 * The memory an `InMemoryEventStore` and its `InMemorySnapshotStore` share, as an `EventStore` and a
 * `SnapshotStore` share one table: a snapshot lives with its stream, so a load reads both at once.
 */
export class MemorySpace {
  private readonly streams = new Map<string, MemoryStream>();

  /** The stream, or undefined when nothing was ever stored for it. */
  get(streamId: string): MemoryStream | undefined {
    return this.streams.get(streamId);
  }

  /** The stream, created empty if need be. */
  open(streamId: string): MemoryStream {
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      stream = { ordinal: this.streams.size, records: [] };
      this.streams.set(streamId, stream);
    }
    return stream;
  }

  /** Every stream in creation order, streams created while iterating included. */
  entries(): IterableIterator<[string, MemoryStream]> {
    return this.streams.entries();
  }
}

/** Which space each in-memory event store owns: its snapshot store finds it here (and nobody else). */
const spaces = new WeakMap<object, MemorySpace>();

/** Gives `store` its own space. */
export function ownSpace(store: object): MemorySpace {
  const space = new MemorySpace();
  spaces.set(store, space);
  return space;
}

/** The space of `store`, an `InMemoryEventStore`; ValidationError (naming `what`) for anything else. */
export function spaceOf(store: unknown, what: string): MemorySpace {
  const space = typeof store === 'object' && store !== null ? spaces.get(store) : undefined;
  if (space === undefined) {
    throw new ValidationError(
      `${what}: give it the InMemoryEventStore whose streams it belongs to ({ events }): snapshots live with ` +
        'their stream, so that a load reads both at once, as SnapshotStore and EventStore share one table.',
    );
  }
  return space;
}

/** Gives `store` the space of `other` (an InMemoryEventStore): two stores on one memory, as on one table. */
export function joinSpace(store: object, other: unknown, what: string): MemorySpace {
  const space = spaceOf(other, what);
  spaces.set(store, space);
  return space;
}
