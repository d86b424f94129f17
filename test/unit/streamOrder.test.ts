/** StreamOrder (src/events/streamOrder.ts), no DynamoDB: whole gapless streams in a scan segment. */
import { expect } from 'chai';
import { StreamCorruptedError } from '../../src/errors.js';
import { StreamOrder } from '../../src/events/streamOrder.js';
import type { StoredEvent } from '../../src/events/types.js';

const event = (streamId: string, version: number): StoredEvent => ({
  streamId,
  version,
  id: `${streamId}/${version}`,
  type: 'Happened',
  data: {},
  timestamp: 0,
});

describe('StreamOrder (unit)', () => {
  it('accepts whole streams, one after another, each from version 1', () => {
    const order = new StreamOrder();
    const events = [event('a', 1), event('a', 2), event('b', 1), event('c', 1), event('c', 2)];
    expect(events.map((e) => order.startsStream(e) && order.check(e) === undefined)).to.deep.equal([
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it('reports a gap, a stream not starting at 1, and a repeated version', () => {
    for (const [events, expected, found] of [
      [[event('a', 1), event('a', 3)], 2, 3],
      [[event('a', 2)], 1, 2],
      [[event('a', 1), event('a', 1)], 2, 1],
    ] as const) {
      const order = new StreamOrder();
      const problems = events.map((e) => order.check(e));
      const problem = problems.at(-1);
      expect(problems.slice(0, -1)).to.deep.equal(problems.slice(0, -1).map(() => undefined));
      expect(problem).to.be.instanceOf(StreamCorruptedError);
      expect(problem?.expectedVersion).to.equal(expected);
      expect(problem?.foundVersion).to.equal(found);
    }
  });

  it('reports a stream that comes back in two pieces', () => {
    const order = new StreamOrder();
    expect(order.check(event('a', 1))).to.equal(undefined);
    expect(order.check(event('b', 1))).to.equal(undefined);
    const problem = order.check(event('a', 2));
    expect(problem?.message).to.contain('came back in two pieces');
  });
});
