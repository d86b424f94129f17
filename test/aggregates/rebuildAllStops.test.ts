import { expect } from 'chai';
import { AggregateRepository, EventStore, SnapshotStore, type Table } from '../../src/index.js';
import { createEventTable, rejects } from '../events/helpers.js';
import { countRequests } from '../support/helpers.js';
import { added, type Counter, type CounterEvent, initialCounter, reduceCounter } from './counter.js';

/** An error that is not a stream's stops rebuildAll: it rejects, nothing is left writing, the process lives. */
describe('AggregateRepository.rebuildAll: errors stop it cleanly', () => {
  let table: Table;
  let events: EventStore;
  let repo: AggregateRepository<Counter, CounterEvent>;

  before(async () => {
    table = await createEventTable('rebuild-stops');
    events = new EventStore({ table });
    repo = new AggregateRepository<Counter, CounterEvent>({
      category: 'counter',
      events,
      snapshots: new SnapshotStore<Counter>({ table }),
      initialState: initialCounter,
      reduce: reduceCounter,
    });
    for (let n = 0; n < 30; n++) await events.append(`counter-s${n}`, added(`c${n}`, 2));
  });

  after(async () => {
    await table.deleteTable();
  });

  it('an onProgress that throws rejects rebuildAll with that error (no unhandled rejection), and writes stop', async () => {
    const boom = new Error('progress bar broke');
    const requests = countRequests(table.client);
    let calls = 0;
    const error = await rejects(
      repo.rebuildAll({
        segments: 4,
        concurrency: 2,
        onProgress: () => {
          calls++;
          if (calls === 3) throw boom;
        },
      }),
      Error,
    );
    expect(error).to.equal(boom);
    const writesWhenRejected = requests.counts.PutItemCommand ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    requests.detach();
    expect(requests.counts.PutItemCommand ?? 0, 'snapshot writes after the rejection').to.equal(
      writesWhenRejected,
    );
    expect(writesWhenRejected).to.be.lessThan(30);
  });

  it('an abort rejects with the signal’s reason and stops every segment', async () => {
    const controller = new AbortController();
    const reason = new Error('operator pressed Ctrl-C');
    let streams = 0;
    const error = await rejects(
      repo.rebuildAll({
        segments: 4,
        signal: controller.signal,
        onProgress: (progress) => {
          streams = progress.streams;
          if (progress.streams === 2) controller.abort(reason);
        },
      }),
      Error,
    );
    expect(error).to.equal(reason);
    expect(streams).to.be.lessThan(30);
  });
});
