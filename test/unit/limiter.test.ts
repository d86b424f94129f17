/**
 * Limiter (src/internal/limiter.ts), no DynamoDB: at most `max` tasks in flight, and a task that fails
 * is surfaced (by `drain`, and by `start` so the producer stops), never left as an unhandled rejection.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { Limiter } from '../../src/internal/limiter.js';
import { rejects } from '../support/helpers.js';

describe('Limiter (unit)', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', record);
  });
  afterEach(() => {
    process.off('unhandledRejection', record);
  });

  it('runs at most `max` tasks at once, and drain waits for all of them', async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let highest = 0;
    let done = 0;
    for (let n = 0; n < 10; n++) {
      await limiter.start(async () => {
        active++;
        highest = Math.max(highest, active);
        await delay(5);
        active--;
        done++;
      });
      expect(active).to.be.at.most(3);
    }
    await limiter.drain();
    expect(done).to.equal(10);
    expect(highest).to.equal(3);
  });

  it('a task that throws is no unhandled rejection: drain rejects with its error', async () => {
    const limiter = new Limiter(2);
    const boom = new Error('onProgress threw');
    await limiter.start(async () => {
      await delay(1);
      throw boom;
    });
    await limiter.start(async () => delay(5));
    await delay(20); // the failure happens while nobody awaits the limiter
    expect(unhandled).to.deep.equal([]);
    expect(await rejects(limiter.drain())).to.equal(boom);
  });

  it('a synchronous throw in a task is surfaced the same way', async () => {
    const limiter = new Limiter(1);
    const boom = new Error('sync');
    await limiter.start(() => {
      throw boom;
    });
    expect(await rejects(limiter.drain())).to.equal(boom);
    expect(unhandled).to.deep.equal([]);
  });

  it('after a failure, start rejects with the first error and does not run the task, so producers stop', async () => {
    const limiter = new Limiter(1);
    const first = new Error('first');
    await limiter.start(async () => {
      await delay(5);
      throw first;
    });
    let ran = false;
    // Waits for the slot the failing task holds; when it frees, the failure is known.
    const waiting = [1, 2, 3].map(() =>
      limiter.start(async () => {
        ran = true;
      }),
    );
    for (const producer of waiting) expect(await rejects(producer)).to.equal(first);
    expect(await rejects(limiter.start(async () => {}))).to.equal(first);
    expect(ran).to.equal(false);
    expect(await rejects(limiter.drain())).to.equal(first);
    expect(unhandled).to.deep.equal([]);
  });

  it('drain reports the first failure and still waits for the tasks in flight', async () => {
    const limiter = new Limiter(3);
    const first = new Error('first');
    let slowFinished = false;
    await limiter.start(async () => {
      await delay(1);
      throw first;
    });
    await limiter.start(async () => {
      await delay(10);
      throw new Error('second');
    });
    await limiter.start(async () => {
      await delay(30);
      slowFinished = true;
    });
    expect(await rejects(limiter.drain())).to.equal(first);
    expect(slowFinished).to.equal(true);
    expect(unhandled).to.deep.equal([]);
  });
});
