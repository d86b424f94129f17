import { expect } from 'chai';
import { inStreamOrder, REMEMBERED_STREAMS } from '../../src/events/streamOrder.js';
import { type StoredEvent, StreamCorruptedError } from '../../src/index.js';

const event = (streamId: string, version: number): StoredEvent => ({
  streamId,
  category: streamId.split('-')[0] as string,
  version,
  id: `${streamId}/${version}`,
  type: 'T',
  data: null,
  timestamp: 0,
  schemaVersion: 1,
});

async function* from(events: StoredEvent[]) {
  for (const item of events) yield item;
}

/** A stand-in for EventStore.read: the full streams, served by range, with the calls recorded. */
function reader(streams: Record<string, number>) {
  const calls: [string, number, number][] = [];
  const read = async function* (streamId: string, first: number, last: number) {
    calls.push([streamId, first, last]);
    const head = streams[streamId] ?? 0;
    for (let version = first; version <= Math.min(last, head); version++) yield event(streamId, version);
  };
  return { read, calls };
}

async function run(events: StoredEvent[], streams: Record<string, number>) {
  const { read, calls } = reader(streams);
  const out: string[] = [];
  for await (const item of inStreamOrder(from(events), read)) out.push(`${item.streamId}:${item.version}`);
  return { out, calls };
}

describe('unit: inStreamOrder (readAll and rebuildAll per segment)', () => {
  it('whole streams pass through unchanged, with no reads', async () => {
    const { out, calls } = await run([event('a', 1), event('a', 2), event('b', 1)], { a: 2, b: 1 });
    expect(out).to.deep.equal(['a:1', 'a:2', 'b:1']);
    expect(calls).to.deep.equal([]);
  });

  it('a stream that comes back in a second piece continues where it stopped, nothing failed or repeated', async () => {
    const { out, calls } = await run(
      [event('a', 1), event('a', 2), event('b', 1), event('a', 3), event('a', 4)],
      { a: 4, b: 1 },
    );
    expect(out).to.deep.equal(['a:1', 'a:2', 'b:1', 'a:3', 'a:4']);
    expect(calls).to.deep.equal([]);
  });

  it('a stream whose scan starts inside it is completed with a read of the missing versions', async () => {
    const { out, calls } = await run([event('a', 3), event('a', 4)], { a: 4 });
    expect(out).to.deep.equal(['a:1', 'a:2', 'a:3', 'a:4']);
    expect(calls).to.deep.equal([['a', 1, 2]]);
  });

  it('a real gap (the read cannot fill it) → StreamCorruptedError naming the stream', async () => {
    let error: unknown;
    try {
      await run([event('a', 1), event('a', 3)], { a: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(StreamCorruptedError);
    expect((error as StreamCorruptedError).streamId).to.equal('a');
  });

  it(`memory is bounded: ${REMEMBERED_STREAMS} streams remembered, however many pass`, async () => {
    const { read } = reader({});
    const count = REMEMBERED_STREAMS * 3;
    async function* many() {
      for (let index = 0; index < count; index++) yield event(`s-${index}`, 1);
    }
    let seen = 0;
    for await (const _ of inStreamOrder(many(), read)) seen++;
    expect(seen).to.equal(count);
    // the bound itself is asserted through behaviour: the first stream is forgotten, so a late piece of
    // it is completed by a read instead of being trusted as a continuation
    const late = reader({ 's-0': 2 });
    const out: number[] = [];
    async function* manyThenLate() {
      yield* many();
      yield event('s-0', 2);
    }
    for await (const item of inStreamOrder(manyThenLate(), late.read))
      if (item.streamId === 's-0') out.push(item.version);
    expect(late.calls).to.deep.equal([['s-0', 1, 1]]);
  });
});
