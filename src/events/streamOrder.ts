import { StreamCorruptedError, StreamDeletedError } from '../errors.js';
import type { StoredEvent } from './types.js';

/** Reads versions `from`..`to` of a stream, consistently and gap-checked (EventStore.read). */
export type RangeReader<E extends StoredEvent> = (
  streamId: string,
  from: number,
  to: number,
) => AsyncIterable<E>;

/**
 * How many streams a segment remembers after it has left them, with the last version it yielded of
 * each. DynamoDB returns a partition's items together and in order, so a stream normally comes whole and
 * is never seen again; the memory only serves the rare stream that comes back in a second piece. It is
 * bounded, so `readAll` over a million streams holds no more than over ten thousand.
 */
export const REMEMBERED_STREAMS = 10_000;

/**
 * Puts the events of one scan segment in stream order: every stream from version 1, gapless, each event
 * once. The scan's items come partition by partition in version order, so this is usually a check and
 * nothing more. When a stream's items do not start where they should (a stream that comes back in a
 * second piece, or a scan page that starts inside a stream), the missing versions are read with a
 * consistent Query (`readRange`, which itself throws StreamCorruptedError on a real gap), and scanned
 * events already yielded are skipped. Memory: one entry per remembered stream, {@link REMEMBERED_STREAMS}
 * at most.
 */
export async function* inStreamOrder<E extends StoredEvent>(
  segment: AsyncIterable<E>,
  readRange: RangeReader<E>,
  /**
   * Without it, a corrupted stream (a real gap) throws StreamCorruptedError and ends the segment. With it,
   * the stream is reported here and the rest of it is skipped, and the segment goes on with the next
   * stream: how `rebuildAll` lists broken streams in `failed` and rebuilds the others.
   */
  onBroken?: (streamId: string, error: StreamCorruptedError) => void,
): AsyncGenerator<E, void, undefined> {
  const yieldedUpTo = new Map<string, number>(); // left streams, least recently left first
  let stream: string | undefined;
  let next = 1;
  const broken = (error: unknown): void => {
    if (error instanceof StreamDeletedError && stream !== undefined) {
      next = Number.POSITIVE_INFINITY; // deleted while the scan ran: passed over, like every deleted stream
      return;
    }
    if (!(error instanceof StreamCorruptedError) || onBroken === undefined || stream === undefined)
      throw error;
    onBroken(stream, error);
    next = Number.POSITIVE_INFINITY; // skip the rest of it, in this piece and any later one
  };
  const leave = () => {
    if (stream === undefined) return;
    yieldedUpTo.delete(stream);
    yieldedUpTo.set(stream, next - 1);
    if (yieldedUpTo.size > REMEMBERED_STREAMS) {
      const oldest = yieldedUpTo.keys().next().value as string;
      yieldedUpTo.delete(oldest);
    }
  };
  for await (const event of segment) {
    if (event.streamId !== stream) {
      leave();
      stream = event.streamId;
      next = (yieldedUpTo.get(stream) ?? 0) + 1;
    }
    if (event.version < next) continue; // yielded already (by a catch-up read), or a broken stream
    if (event.version > next) {
      // Versions next … event.version - 1 are not here: read them (a real gap throws StreamCorruptedError).
      let expected = next;
      try {
        for await (const missing of readRange(stream, next, event.version - 1)) {
          if (missing.version !== expected) {
            throw new StreamCorruptedError(stream, expected, missing.version);
          }
          expected++;
          yield missing;
        }
        if (expected !== event.version) throw new StreamCorruptedError(stream, expected, event.version);
      } catch (error) {
        broken(error);
        continue;
      }
      next = event.version;
    }
    next++;
    yield event;
  }
}
