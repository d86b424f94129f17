/**
 * merge (src/internal/merge.ts), with synthetic sources: no DynamoDB. What matters is what happens when a
 * source fails: the consumer's `for await` rejects with that error, the other sources are closed and
 * pulled no more, and nothing becomes an unhandled rejection (which would end the process).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { merge } from '../../src/internal/merge.js';
import { collect, rejects } from '../support/helpers.js';

/** An endless source of 0, 1, 2, … (one every `everyMs`) that counts its pulls and whether it was closed. */
function endless(everyMs: number) {
  const source = {
    pulls: 0,
    returned: false,
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<number>> {
      if (source.returned) return { done: true, value: undefined };
      await delay(everyMs);
      return { done: false, value: source.pulls++ };
    },
    async return(): Promise<IteratorResult<number>> {
      source.returned = true;
      return { done: true, value: undefined };
    },
  };
  return source;
}

/** A source whose first pull rejects with `error` after `ms`. */
function failsAfter(ms: number, error: Error): AsyncIterable<number> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<number>> => {
        await delay(ms);
        throw error;
      },
    }),
  };
}

describe('merge (unit)', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', record);
  });
  afterEach(() => {
    process.off('unhandledRejection', record);
  });

  it('yields every value of every source, then ends', async () => {
    async function* numbers(from: number, count: number) {
      for (let n = from; n < from + count; n++) {
        await delay(1);
        yield n;
      }
    }
    const values = await collect(merge([numbers(0, 5), numbers(100, 3), numbers(200, 0)]));
    expect(values.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 100, 101, 102]);
  });

  /** Consumes `merge(sources)`, spending `busyMs` on each value; stops after 20 values. */
  const consumeSlowly = async (sources: AsyncIterable<number>[], busyMs: number) => {
    const seen: number[] = [];
    for await (const value of merge<number>(sources)) {
      seen.push(value);
      if (seen.length > 20) break; // the error was never surfaced
      await delay(busyMs);
    }
    return seen;
  };

  it('a source failing while the consumer is busy between items rejects the for-await with its error, closes the others, and is never an unhandled rejection', async () => {
    const boom = new Error('segment 2 failed');
    const slow = endless(200);
    async function* failing(): AsyncGenerator<number> {
      await delay(5);
      yield -1;
      await delay(5);
      throw boom; // the consumer is still in its 40 ms await
    }
    const error = await rejects(consumeSlowly([slow, failing()], 40));
    expect(error).to.equal(boom);
    expect(slow.returned, 'the other source was closed').to.equal(true);
    await delay(10);
    expect(unhandled).to.deep.equal([]);
  });

  it('a fast source does not hide the failure of another: the for-await rejects, no pull follows', async () => {
    const boom = new Error('segment 2 failed');
    const fast = endless(2);
    const failing = () => failsAfter(5, boom);
    const error = await rejects(consumeSlowly([fast, failing()], 40));
    expect(error).to.equal(boom);
    expect(fast.returned, 'the other source was closed').to.equal(true);
    const pullsAtRejection = fast.pulls;
    await delay(30);
    expect(fast.pulls, 'no pulls after the rejection').to.equal(pullsAtRejection);
    expect(unhandled).to.deep.equal([]);
  });

  it('a source failing while the consumer waits rejects at once and closes the others', async () => {
    const boom = new Error('scan failed');
    const steady = endless(50);
    const failing = () => failsAfter(5, boom);
    const started = Date.now();
    const error = await rejects(collect(merge<number>([steady, failing()])));
    expect(error).to.equal(boom);
    expect(steady.returned).to.equal(true);
    expect(Date.now() - started).to.be.below(200);
    await delay(10);
    expect(unhandled).to.deep.equal([]);
  });

  it('stopping early closes every source', async () => {
    const sources = [endless(1), endless(1), endless(1)];
    for await (const value of merge<number>(sources)) if (value >= 3) break;
    expect(sources.map((source) => source.returned)).to.deep.equal([true, true, true]);
  });
});
