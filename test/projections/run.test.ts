import { expect } from 'chai';
import { EventStore, type Projection, Projector, type StoredEvent, type Table } from '../../src/index.js';
import { createTestTable } from '../support/tables.js';
import { balanceOf, balancesProjection, createStreamedEventTable } from './helpers.js';

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the projection');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `run` tails the event table's DynamoDB Stream (DynamoDB Local's Streams API). */
describe('Projector.run: live from DynamoDB Streams', () => {
  let table: Table;
  let readModel: Table;
  let store: EventStore;

  before(async () => {
    table = await createStreamedEventTable('projector-run');
    readModel = await createTestTable({ sortKey: false, prefix: 'run-model' });
    store = new EventStore({ table });
  });

  after(async () => {
    await table.deleteTable();
    await readModel.deleteTable();
  });

  const deposits = (...amounts: number[]) =>
    amounts.map((amount) => ({ type: 'Deposited', data: { amount } }));

  it('live tail: appends (data {} included) reach the read model; an abort stops run cleanly', async () => {
    const projector = new Projector({ events: store, projections: [balancesProjection(readModel, 'tail')] });
    const controller = new AbortController();
    const running = projector.run({ signal: controller.signal, pollIntervalMs: 20 });
    await store.append('account-live', deposits(10, 20));
    await store.append('account-live', [{ type: 'Noted', data: {} }]); // DynamoDB Local writes {} for an empty map
    await store.append('account-live', deposits(5));
    await until(async () => (await balanceOf(readModel, 'account-live'))?.events === 4);
    controller.abort();
    await running;
    expect(await balanceOf(readModel, 'account-live')).to.deep.equal({ balance: 35, events: 4 });
    expect((await projector.status('tail')).lagMs).to.be.a('number');
  });

  it('stopped between project and its write, then restarted: nothing lost, nothing applied twice', async () => {
    const controller = new AbortController();
    let stopOnce = true;
    const inner = balancesProjection(readModel, 'restart');
    const crashing: Projection = {
      ...inner,
      project: async (event: StoredEvent, context) => {
        const writes = await inner.project(event, context);
        if (stopOnce && event.version === 2) {
          stopOnce = false;
          controller.abort(); // the process "dies" before the write is sent
        }
        return writes;
      },
    };
    await store.append('account-crash', deposits(1, 2, 4));
    const first = new Projector({ events: store, projections: [crashing], name: 'restart' });
    await first.run({ signal: controller.signal, pollIntervalMs: 20 }).catch(() => {});
    const second = new Projector({ events: store, projections: [crashing], name: 'restart' });
    const again = new AbortController();
    const running = second.run({ signal: again.signal, pollIntervalMs: 20 });
    await until(async () => (await balanceOf(readModel, 'account-crash'))?.events === 3);
    await store.append('account-crash', deposits(8));
    await until(async () => (await balanceOf(readModel, 'account-crash'))?.events === 4);
    again.abort();
    await running;
    expect(await balanceOf(readModel, 'account-crash')).to.deep.equal({ balance: 15, events: 4 });
  });

  it('rebuild during live writes and a live run: the read model equals a fold of the events', async () => {
    const projector = new Projector({
      events: store,
      projections: [balancesProjection(readModel, 'overlap')],
      name: 'overlap',
    });
    const stop = new AbortController();
    const running = projector.run({ signal: stop.signal, pollIntervalMs: 20 });
    const streams = ['account-o1', 'account-o2', 'account-o3'];
    const expected = new Map(streams.map((streamId) => [streamId, { balance: 0, events: 0 }]));
    const writing = (async () => {
      for (let n = 1; n <= 30; n++) {
        const streamId = streams[n % streams.length] as string;
        await store.append(streamId, deposits(n));
        const sum = expected.get(streamId) as { balance: number; events: number };
        sum.balance += n;
        sum.events++;
      }
    })();
    const rebuilds = (async () => {
      for (let round = 0; round < 3; round++) await projector.rebuild('overlap', { segments: 2 });
    })();
    await Promise.all([writing, rebuilds]);
    await until(async () => {
      for (const [streamId, want] of expected) {
        const got = await balanceOf(readModel, streamId);
        if (got?.balance !== want.balance || got.events !== want.events) return false;
      }
      return true;
    });
    stop.abort();
    await running;
    for (const [streamId, want] of expected) expect(await balanceOf(readModel, streamId)).to.deep.equal(want);
  });
});
