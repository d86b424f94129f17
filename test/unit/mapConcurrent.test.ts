/**
 * mapConcurrent (src/internal/mapConcurrent.ts), no DynamoDB: bounded concurrency, results in input
 * order, and on a failure: no new item starts, the items in flight settle before the rejection, and
 * the workers are told to stop.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { mapConcurrent } from '../../src/internal/mapConcurrent.js';
import { rejects } from '../support/helpers.js';

describe('mapConcurrent (unit)', () => {
  it('keeps the input order and at most `concurrency` workers in flight', async () => {
    let active = 0;
    let highest = 0;
    const results = await mapConcurrent([30, 5, 20, 1, 10, 2], 3, async (ms, index) => {
      active++;
      highest = Math.max(highest, active);
      await delay(ms);
      active--;
      return index * 10;
    });
    expect(results).to.deep.equal([0, 10, 20, 30, 40, 50]);
    expect(highest).to.equal(3);
  });

  it('an empty list resolves to an empty list', async () => {
    expect(await mapConcurrent([], 4, async () => 1)).to.deep.equal([]);
  });

  it('after a failure, starts no new item, waits for the ones in flight, then rejects with the first error', async () => {
    const boom = new Error('chunk 1 failed');
    const started: number[] = [];
    const finished: number[] = [];
    const items = Array.from({ length: 12 }, (_, i) => i);
    const error = await rejects(
      mapConcurrent(items, 3, async (item) => {
        started.push(item);
        if (item === 1) {
          await delay(5);
          throw boom;
        }
        if (item === 2) {
          await delay(20);
          throw new Error('a later failure');
        }
        await delay(item === 0 ? 40 : 2);
        finished.push(item);
      }),
    );
    expect(error).to.equal(boom);
    // 0, 1, 2 start at once; 3 and 4 run in the 5 ms before 1 fails (2 ms each) and 5 has just started.
    // Nothing after that.
    expect(finished, 'item 0 (40 ms, in flight at the failure) finished before the rejection').to.include(0);
    const countAtRejection = started.length;
    await delay(60);
    expect(started).to.have.length(countAtRejection);
    expect(started).to.not.include(11);
    expect(finished).to.have.members(started.filter((item) => item !== 1 && item !== 2));
  });

  it('tells the workers in flight to stop through the signal', async () => {
    const seen: boolean[] = [];
    await rejects(
      mapConcurrent([0, 1], 2, async (item, _index, stop) => {
        if (item === 0) throw new Error('fail');
        await delay(10);
        seen.push(stop.aborted);
      }),
    );
    expect(seen).to.deep.equal([true]);
  });
});
