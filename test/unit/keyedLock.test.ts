import { expect } from 'chai';
import { KeyedLock } from '../../src/internal/keyedLock.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('unit: KeyedLock (one command at a time per aggregate in a process)', () => {
  it('tasks on one key run one after the other, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
    };
    await Promise.all([lock.run(['a'], task('1')), lock.run(['a'], task('2')), lock.run(['a'], task('3'))]);
    expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(lock.size).to.equal(0);
  });

  it('tasks on other keys run at the same time', async () => {
    const lock = new KeyedLock();
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    };
    await Promise.all([lock.run(['a'], task), lock.run(['b'], task), lock.run(['c'], task)]);
    expect(most).to.equal(3);
  });

  it('two tasks taking the same two keys in opposite orders never deadlock', async () => {
    const lock = new KeyedLock();
    const done: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        lock.run(n % 2 === 0 ? ['x', 'y'] : ['y', 'x'], async () => {
          await tick();
          done.push(String(n));
        }),
      ),
    );
    expect(done).to.have.length(20);
    expect(lock.size).to.equal(0);
  });

  it('a failing task releases its keys and rejects its caller only', async () => {
    const lock = new KeyedLock();
    const failing = lock.run(['a'], async () => {
      throw new Error('boom');
    });
    const next = lock.run(['a'], async () => 'ran');
    let error: unknown;
    try {
      await failing;
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).to.equal('boom');
    expect(await next).to.equal('ran');
    expect(lock.size).to.equal(0);
  });
});
