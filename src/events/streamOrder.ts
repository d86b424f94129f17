import { StreamCorruptedError } from '../errors.js';
import type { StoredEvent } from './types.js';

/**
 * Checks events as a scan segment delivers them: whole streams one after another, each starting at
 * version 1 and gapless. `check` returns the problem with an event instead of throwing, so a caller
 * can skip a broken stream and go on.
 */
export class StreamOrder {
  private stream: string | undefined;
  private expected = 1;
  private readonly finished = new Set<string>();

  /** True when `event` begins a stream other than the previous event's. */
  startsStream(event: StoredEvent): boolean {
    return event.streamId !== this.stream;
  }

  check(event: StoredEvent): StreamCorruptedError | undefined {
    if (event.streamId !== this.stream) {
      if (this.stream !== undefined) this.finished.add(this.stream);
      if (this.finished.has(event.streamId)) {
        return new StreamCorruptedError(
          event.streamId,
          this.expected,
          event.version,
          `Stream "${event.streamId}" came back in two pieces from one scan segment; read it with read() instead.`,
        );
      }
      this.stream = event.streamId;
      this.expected = 1;
    }
    if (event.version !== this.expected)
      return new StreamCorruptedError(event.streamId, this.expected, event.version);
    this.expected++;
    return undefined;
  }
}
