import { createRequire } from 'node:module';

/**
 * OpenTelemetry for dynago, through `@opentelemetry/api` when the application has it (an optional peer
 * dependency, loaded here with `require` so that its absence is no error), and nothing otherwise.
 *
 * - Spans: `dynago.append`, `dynago.read`, `dynago.load`, `dynago.execute`, `dynago.snapshot`,
 *   `dynago.project`, `dynago.rebuild`. Semantic-convention attributes where they exist
 *   (`db.system` / `db.system.name` = `aws.dynamodb`, `aws.dynamodb.table_names`, `db.operation.name`),
 *   `dynago.*` for the rest: `dynago.stream_id`, `dynago.category`, `dynago.expected_version`,
 *   `dynago.version`, `dynago.event_count`, `dynago.bytes`, `dynago.capacity_units`, `dynago.retries`,
 *   `dynago.conflicts`, `dynago.cache_hit`.
 * - Capacity: only while a span is recording do requests ask DynamoDB for `ReturnConsumedCapacity`
 *   (`TOTAL`); the units are summed on the span and counted in `dynago.capacity_units`.
 * - Metrics: histograms `dynago.append.duration` and `dynago.execute.duration` (seconds), counters
 *   `dynago.conflicts` and `dynago.capacity_units`, gauges `dynago.projection.lag` (ms) and
 *   `dynago.projection.parked`.
 *
 * Cost with no provider registered: one no-op span object per call (not per event) and no change to any
 * request; below measurement (bench workload 10).
 *
 * The api's types are not imported: dynago's declarations must not name an optional package. The
 * shapes below are the parts of it used here.
 */

type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue | undefined>;

interface OtelSpan {
  isRecording(): boolean;
  setAttribute(key: string, value: AttributeValue): unknown;
  setAttributes(attributes: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: unknown): unknown;
  end(): void;
}
interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes }, context?: unknown): OtelSpan;
  startActiveSpan<T>(
    name: string,
    options: { kind?: number; attributes?: Attributes },
    fn: (span: OtelSpan) => T,
  ): T;
}
interface OtelInstrument {
  add?(value: number, attributes?: Attributes): void;
  record?(value: number, attributes?: Attributes): void;
}
interface OtelObservable {
  addCallback(callback: (result: { observe(value: number, attributes?: Attributes): void }) => void): void;
}
interface OtelMeter {
  createHistogram(name: string, options?: { unit?: string; description?: string }): OtelInstrument;
  createCounter(name: string, options?: { unit?: string; description?: string }): OtelInstrument;
  createObservableGauge(name: string, options?: { unit?: string; description?: string }): OtelObservable;
}
interface OtelApi {
  trace: { getTracer(name: string, version?: string): OtelTracer; getActiveSpan(): OtelSpan | undefined };
  metrics: { getMeterProvider(): object; getMeter(name: string, version?: string): OtelMeter };
  SpanStatusCode: { ERROR: number };
  SpanKind: { INTERNAL: number; CLIENT: number };
}

const VERSION = '0.1.0';

function loadApi(): OtelApi | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
}

let api: OtelApi | undefined = loadApi();

/**
 * Turns the telemetry off (`false`) or on again (`true`: uses `@opentelemetry/api` if it can be
 * loaded). For benchmarks that compare the two; an application does not need it.
 * @internal
 */
export function setTelemetryEnabled(enabled: boolean): void {
  api = enabled ? loadApi() : undefined;
  instruments = undefined;
}

/** What instrumented code sees of its span: cheap no-ops when nothing records. */
export interface SpanHandle {
  readonly recording: boolean;
  set(attributes: Attributes): void;
}

const NOOP: SpanHandle = { recording: false, set: () => {} };

class Handle implements SpanHandle {
  readonly recording = true;
  constructor(readonly span: OtelSpan) {}
  set(attributes: Attributes): void {
    for (const [key, value] of Object.entries(attributes)) {
      if (value !== undefined) this.span.setAttribute(key, value);
    }
  }
}

/** Capacity units summed per recording span (its attribute is set again each time). */
const capacity = new WeakMap<object, number>();
/** The dynago span each dynago span was started in: a request's units count for all of them. */
const parents = new WeakMap<object, OtelSpan>();

function dbAttributes(table: string | undefined): Attributes {
  return {
    'db.system': 'aws.dynamodb',
    'db.system.name': 'aws.dynamodb',
    ...(table !== undefined ? { 'aws.dynamodb.table_names': [table] } : {}),
  };
}

function getTracer(): OtelTracer | undefined {
  // Asked for each time (cheap: providers keep their tracers), so that a provider registered, replaced
  // or disabled later takes effect: a tracer kept from the api's proxy would stay with the first one.
  return api?.trace.getTracer('dynago', VERSION);
}

function fail(span: OtelSpan, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') span.setAttribute('dynago.error.code', code);
  span.setStatus({
    code: (api as OtelApi).SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * Runs `fn` in a span named `name` that is the active one while it runs (nested dynago calls become its
 * children when the application registered a context manager). An error ends the span with the error's
 * status and `dynago.error.code`, and is thrown on unchanged.
 */
export function inSpan<T>(
  name: string,
  table: string | undefined,
  attributes: Attributes,
  fn: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  const current = getTracer();
  if (current === undefined) return fn(NOOP);
  const outer = (api as OtelApi).trace.getActiveSpan();
  return current.startActiveSpan(name, { kind: (api as OtelApi).SpanKind.INTERNAL }, async (span) => {
    if (outer !== undefined && capacity.has(outer)) parents.set(span, outer);
    if (!span.isRecording()) {
      try {
        return await fn(NOOP);
      } finally {
        span.end();
      }
    }
    const handle = new Handle(span);
    handle.set({ ...dbAttributes(table), ...attributes });
    capacity.set(span, 0); // marks it a dynago span, whose units its dynago parents count too
    try {
      return await fn(handle);
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span around an async iteration (a read), started now and ended when the iteration ends, fails or is
 * left early, with the number of items it yielded. It is not made the active span: the caller's code
 * runs between pulls. With nothing recording, `source` itself is returned: no extra step per event.
 */
export function traceIteration<T>(
  name: string,
  table: string | undefined,
  attributes: Attributes,
  source: AsyncGenerator<T, void, undefined>,
): AsyncGenerator<T, void, undefined> {
  const current = getTracer();
  if (current === undefined) return source;
  const span = current.startSpan(name, { kind: (api as OtelApi).SpanKind.INTERNAL });
  if (!span.isRecording()) {
    span.end();
    return source;
  }
  new Handle(span).set({ ...dbAttributes(table), ...attributes });
  return (async function* () {
    let count = 0;
    try {
      for await (const item of source) {
        count++;
        yield item;
      }
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.setAttribute('dynago.event_count', count);
      span.end();
    }
  })();
}

/** True when the active span records: then a request asks DynamoDB for its consumed capacity. */
export function activeSpanRecording(): boolean {
  return api?.trace.getActiveSpan()?.isRecording() === true;
}

/** Adds a request's consumed capacity to the active span and to the `dynago.capacity_units` counter. */
export function recordCapacity(units: number, operation: string, table: string): void {
  if (api === undefined || !Number.isFinite(units) || units <= 0) return;
  // The active span and every dynago span it is nested in: a command's span counts its append's units.
  for (let span = api.trace.getActiveSpan(); span?.isRecording(); span = parents.get(span)) {
    const total = (capacity.get(span) ?? 0) + units;
    capacity.set(span, total);
    span.setAttribute('dynago.capacity_units', total);
  }
  meters()?.capacity.add?.(units, { 'db.operation.name': operation, 'aws.dynamodb.table_names': [table] });
}

interface Instruments {
  provider: object;
  appendDuration: OtelInstrument;
  executeDuration: OtelInstrument;
  conflicts: OtelInstrument;
  capacity: OtelInstrument;
}

let instruments: Instruments | undefined;

/**
 * The instruments of the current global meter provider: made again when the application registers
 * another (the metrics api hands out no proxy).
 */
function meters(): Instruments | undefined {
  if (api === undefined) return undefined;
  const provider = api.metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = api.metrics.getMeter('dynago', VERSION);
  instruments = {
    provider,
    appendDuration: meter.createHistogram('dynago.append.duration', {
      unit: 's',
      description: 'Duration of EventStore appends',
    }),
    executeDuration: meter.createHistogram('dynago.execute.duration', {
      unit: 's',
      description: 'Duration of AggregateRepository commands',
    }),
    conflicts: meter.createCounter('dynago.conflicts', {
      description: 'Appends refused because another writer was first (ConcurrencyError), retried or not',
    }),
    capacity: meter.createCounter('dynago.capacity_units', {
      description: 'Capacity units DynamoDB reported, while a span was recording',
    }),
  };
  const lag = meter.createObservableGauge('dynago.projection.lag', {
    unit: 'ms',
    description: 'How far behind its last live event each projection was when it applied it',
  });
  const parked = meter.createObservableGauge('dynago.projection.parked', {
    description: 'Parked events per projection, as last known by this process',
  });
  lag.addCallback((result) => {
    for (const source of gaugeSources()) {
      for (const entry of source()) {
        if (entry.lagMs !== undefined) result.observe(entry.lagMs, { 'dynago.projection': entry.name });
      }
    }
  });
  parked.addCallback((result) => {
    for (const source of gaugeSources()) {
      for (const entry of source()) {
        if (entry.parked !== undefined) result.observe(entry.parked, { 'dynago.projection': entry.name });
      }
    }
  });
  return instruments;
}

/** Durations of appends and commands, in seconds. */
export function recordDuration(kind: 'append' | 'execute', seconds: number, attributes: Attributes): void {
  const found = meters();
  if (found === undefined) return;
  (kind === 'append' ? found.appendDuration : found.executeDuration).record?.(seconds, attributes);
}

export function recordConflict(attributes: Attributes): void {
  meters()?.conflicts.add?.(1, attributes);
}

/** What a projector reports to the projection gauges: per projection, lag and parked events. */
export type GaugeSource = () => { name: string; lagMs?: number; parked?: number }[];

const sources = new Set<WeakRef<GaugeSource>>();

function* gaugeSources(): Iterable<GaugeSource> {
  for (const ref of sources) {
    const source = ref.deref();
    if (source === undefined) sources.delete(ref);
    else yield source;
  }
}

/**
 * Registers a projector's gauges (held weakly: a projector that is no longer used stops reporting).
 * The caller must keep `source` alive as long as it reports.
 */
export function registerGauges(source: GaugeSource): void {
  if (api === undefined) return;
  sources.add(new WeakRef(source));
  meters();
}
