import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import {
  AggregateRepository,
  ConcurrencyError,
  EventStore,
  type Projection,
  Projector,
  SnapshotStore,
  type Table,
} from '../../src/index.js';
import { createEventTable, uniqueId } from '../events/helpers.js';
import { recordInputs, rejects } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';

/** Collects the metrics on demand. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

type Counter = { n: number };
type Added = { type: 'Added'; data: { n: number } };

/**
 * OpenTelemetry through the SDK's in-memory exporters: spans, their nesting and attributes, consumed
 * capacity asked for only while a span records, and the metrics.
 */
describe('OpenTelemetry: spans, attributes and metrics', () => {
  let table: Table;
  let readModel: Table;
  let store: EventStore;
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();

  before(async () => {
    table = await createEventTable('otel');
    readModel = await createTestTable({ sortKey: false, prefix: 'otel-model' });
    store = new EventStore({ table });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });

  after(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    await table.deleteTable();
    await readModel.deleteTable();
  });

  beforeEach(() => exporter.reset());

  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const repository = (cache: number | false = 100) =>
    new AggregateRepository<Counter, Added>({
      category: 'counter',
      events: store,
      snapshots: new SnapshotStore<Counter>({ table }),
      snapshotEvery: 2,
      cache,
      retry: { retries: 5, minTimeout: 1, maxTimeout: 5 },
      initialState: () => ({ n: 0 }),
      reduce: (state, event) => ({ n: state.n + event.data.n }),
    });
  async function metric(name: string): Promise<{ sum: number; count: number }> {
    const { resourceMetrics } = await reader.collect();
    let sum = 0;
    let count = 0;
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const found of scope.metrics.filter((m) => m.descriptor.name === name)) {
        for (const point of found.dataPoints) {
          const value = point.value as number | { sum: number; count: number };
          if (typeof value === 'number') sum += value;
          else {
            sum += value.sum;
            count += value.count;
          }
        }
      }
    }
    return { sum, count };
  }

  it('execute is a span with the append (and the snapshot) inside, attributes and capacity units', async () => {
    const repo = repository();
    const id = uniqueId('a');
    await repo.execute(id, () => [{ type: 'Added', data: { n: 1 } }]);
    await repo.execute(id, () => [{ type: 'Added', data: { n: 2 } }]); // version 2: a snapshot is due
    const [first, second] = spans('dynago.execute');
    expect(first?.attributes).to.deep.include({
      'db.system': 'aws.dynamodb',
      'dynago.stream_id': `counter-${id}`,
      'dynago.category': 'counter',
      'dynago.version': 1,
      'dynago.event_count': 1,
      'dynago.cache_hit': false,
      'dynago.conflicts': 0,
    });
    expect(second?.attributes['dynago.cache_hit'], 'warm: from the cache').to.equal(true);
    const appends = spans('dynago.append');
    expect(appends).to.have.length(2);
    expect(parentOf(appends[1] as ReadableSpan), 'the append is a child of its execute').to.equal(
      second?.spanContext().spanId,
    );
    expect(appends[1]?.attributes).to.deep.include({
      'dynago.stream_id': `counter-${id}`,
      'dynago.expected_version': 1,
      'dynago.version': 2,
      'dynago.event_count': 1,
    });
    expect(appends[1]?.attributes['dynago.bytes']).to.be.greaterThan(20);
    expect(appends[1]?.attributes['dynago.capacity_units'], '1 WCU for the PutItem').to.equal(1);
    expect(
      second?.attributes['dynago.capacity_units'],
      'its append and its snapshot put, 1 WCU each',
    ).to.equal(2);
    const [snapshot] = spans('dynago.snapshot');
    expect(snapshot?.attributes).to.deep.include({ 'dynago.version': 2, 'dynago.saved': true });
    expect(parentOf(snapshot as ReadableSpan)).to.equal(second?.spanContext().spanId);
    expect((await metric('dynago.execute.duration')).count).to.be.at.least(2);
    expect((await metric('dynago.append.duration')).count).to.be.at.least(2);
  });

  it('a conflict: the command is retried (dynago.retries), counted in dynago.conflicts; a refused append fails its span', async () => {
    const id = uniqueId('c');
    const [mine, theirs] = [repository(), repository()];
    await mine.execute(id, () => [{ type: 'Added', data: { n: 1 } }]);
    await theirs.execute(id, () => [{ type: 'Added', data: { n: 1 } }]); // mine's cache is stale now
    const before = (await metric('dynago.conflicts')).sum;
    exporter.reset();
    await mine.execute(id, () => [{ type: 'Added', data: { n: 1 } }]);
    expect(spans('dynago.execute')[0]?.attributes).to.deep.include({
      'dynago.retries': 1,
      'dynago.conflicts': 1,
    });
    expect((await metric('dynago.conflicts')).sum - before).to.equal(1);
    const refused = spans('dynago.append').find((span) => span.status.code === 2);
    expect(refused?.attributes['dynago.error.code']).to.equal('events.concurrency');
    await rejects(
      store.append(`counter-${id}`, [{ type: 'Added', data: { n: 1 } }], { expectedVersion: 1 }),
      ConcurrencyError,
    );
  });

  it('reads are spans with the number of events; a load says it read', async () => {
    const streamId = uniqueId('r');
    await store.append(
      streamId,
      [1, 2, 3].map((n) => ({ type: 'Added', data: { n } })),
    );
    exporter.reset();
    for await (const _ of store.read(streamId)) void _;
    await store.readPage(streamId, { limit: 2 });
    const reads = spans('dynago.read');
    expect(reads.map((span) => span.attributes['dynago.event_count'])).to.deep.equal([3, 2]);
    expect(reads[0]?.attributes['dynago.stream_id']).to.equal(streamId);
    const id = uniqueId('l');
    await store.append(`counter-${id}`, [{ type: 'Added', data: { n: 1 } }]);
    await repository(false).load(id);
    expect(spans('dynago.load')[0]?.attributes).to.deep.include({
      'dynago.version': 1,
      'dynago.cache_hit': false,
    });
  });

  it('projections: dynago.rebuild with dynago.project inside; the lag and parked gauges', async () => {
    const streamId = `account-${uniqueId('p')}`;
    await store.append(streamId, [{ type: 'Added', data: { n: 4 } }]);
    const projection: Projection = {
      name: 'otel-balances',
      categories: ['account'],
      checkpoint: 'item',
      project: (event) => [
        readModel.updateOp(`balance#${event.streamId}`, undefined, {
          add: { n: (event.data as { n: number }).n },
        }),
      ],
    };
    const projector = new Projector({ events: store, projections: [projection] });
    await projector.rebuild('otel-balances');
    const [rebuild] = spans('dynago.rebuild');
    expect(rebuild?.attributes).to.deep.include({
      'dynago.projection': 'otel-balances',
      'dynago.applied_count': 1,
    });
    const project = spans('dynago.project').find((span) => span.attributes['dynago.stream_id'] === streamId);
    expect(project?.attributes).to.deep.include({ 'dynago.event_count': 1, 'dynago.parked': false });
    expect(parentOf(project as ReadableSpan)).to.equal(rebuild?.spanContext().spanId);
    await projector.status('otel-balances');
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((m) => m.descriptor.name),
    );
    expect(names).to.include('dynago.projection.parked');
  });

  it('consumed capacity is asked for only while a span records', async () => {
    const inputs = recordInputs(table.client, 'PutItemCommand');
    try {
      await store.append(uniqueId('t'), [{ type: 'Added', data: { n: 1 } }]);
      trace.disable();
      await store.append(uniqueId('u'), [{ type: 'Added', data: { n: 1 } }]);
    } finally {
      inputs.detach();
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      );
    }
    expect(inputs.inputs.map((input) => input.ReturnConsumedCapacity)).to.deep.equal(['TOTAL', undefined]);
  });
});
