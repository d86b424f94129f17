import type { TransactOperation } from '../table/actions/transactWrite.js';
import type { StoredEvent } from './types.js';

/** What `project` gets besides the event. */
export interface ProjectionContext {
  /** The projection's name. */
  projection: string;
  /** Aborts when the projector stops. */
  signal: AbortSignal;
}

/**
 * A read model kept from the events: `project` turns one event into the writes it causes, as the
 * Table's transaction operations (`table.putOp`, `updateOp`, `deleteOp`, `conditionCheckOp`), on any
 * table. The projector commits them together with the projection's checkpoint for the event's stream,
 * so each event takes effect exactly once. Consecutive events of a stream are committed together, and
 * their writes of one item are merged into one write where the merge is exact (unconditional
 * operations; `add` of whole numbers): the item then ends as if each write had been made in turn.
 *
 * `project` may be called more than once for one event (a retry after a failure, a duplicate delivery
 * that is then refused by the checkpoint): it must not have effects of its own besides returning writes.
 */
export interface Projection<Event extends StoredEvent = StoredEvent> {
  /** Letters, digits, `-` and `_`; unique in a Projector. A new name starts from nothing (blue/green). */
  name: string;
  /** The stream categories it reads (see `StoredEvent.category`); default all. */
  categories?: string[];
  project: (event: Event, context: ProjectionContext) => TransactOperation[] | Promise<TransactOperation[]>;
  /**
   * Called once when a stream of its categories is deleted (`EventStore.deleteStream` or `archive`):
   * the writes that remove what the read model holds of it (say, `table.deleteOp` of its item). They
   * commit with the projection's mark for that stream, in one transaction, so a repeated notice writes
   * nothing; events of the stream that arrive after it are dropped. Live projection only (`run`, the
   * Lambda handler): a rebuild passes over deleted streams, so a read model rebuilt from scratch never
   * holds them.
   */
  onStreamDeleted?: (
    deleted: { streamId: string; category: string; version: number },
    context: ProjectionContext,
  ) => TransactOperation[] | Promise<TransactOperation[]>;
  /**
   * Where the projection's checkpoint for a stream lives. `'table'` (default): an item of its own,
   * written with the event's writes in one transaction (2 WCU per item). `'item'`: inside the one
   * read-model item the stream writes, as the attribute `dynago:<name>`: each event (each run of
   * consecutive events whose writes merge) is then ONE conditional put or update (1 WCU under 1 KB), no
   * transaction. For read models with one item per
   * stream (a balance per account): `project` must return exactly one `putOp` or `updateOp`, on the
   * same item for every event of a stream.
   */
  checkpoint?: 'table' | 'item';
}

/** An event `project` kept failing on: its stream waits until `retryParked`. */
export interface ParkedEvent {
  streamId: string;
  version: number;
  error: string;
  parkedAt: number;
}
