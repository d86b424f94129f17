/**
 * A fault-injecting HTTP proxy for the reliability tests: it sits between the SDK and DynamoDB Local on
 * 127.0.0.1 and, per request, either forwards it untouched or injects one fault, chosen by a seeded PRNG
 * (the same seed gives the same sequence of decisions):
 *
 * - `serverError`: answers 500 with DynamoDB's `InternalServerError` body; nothing is forwarded.
 * - `throughputExceeded` / `throttling`: answers 400 with `ProvisionedThroughputExceededException` /
 *   `ThrottlingException`; nothing is forwarded.
 * - `reset`: resets the connection before forwarding; nothing reaches DynamoDB.
 * - `dropResponse`: forwards the request, waits for DynamoDB's whole answer (so a write has happened),
 *   then resets the connection: the client never hears of it.
 * - `delay`: waits, then forwards normally.
 *
 * Besides the random faults, `script` queues faults for the next requests of one operation, in order,
 * to replay a precise story (e.g. "drop the response of the next PutItem, then throttle its retries").
 *
 * No dependencies beyond node:http.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ target: testEndpoint().url, seed: 7, rate: 0.1 });
 * const table = new Table({ tableName, partitionKeyName: 'pk', sortKeyName: 'sk', client: createClient(proxy.url) });
 * // … run the workload …
 * proxy.configure({ rate: 0 }); // faults off for the checks
 * console.log(proxy.counts);   // { serverError: 12, throttling: 9, … }
 * await proxy.close();
 * ```
 */

import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const FAULT_KINDS = [
  'serverError',
  'throughputExceeded',
  'throttling',
  'reset',
  'dropResponse',
  'delay',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** What happened to one request: a fault, or `none` (forwarded untouched). */
export type Decision = FaultKind | 'none';

export interface FaultProxyOptions {
  /** DynamoDB's URL, e.g. `http://127.0.0.1:8000`. */
  target: string;
  /** PRNG seed; the same seed gives the same sequence of decisions. Default 1. */
  seed?: number;
  /** Share of requests faulted, 0 to 1. Default 0 (off). */
  rate?: number;
  /** Relative weight of each kind among faulted requests. Default 1 each; 0 disables a kind. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Delay of the `delay` fault, in ms: uniform between the two bounds. Default [20, 200]. */
  delayMs?: [number, number];
}

/** A request whose response was dropped: the operation and the body DynamoDB received and applied. */
export interface DroppedRequest {
  operation: string;
  body: string;
}

export interface FaultProxy {
  /** Point the SDK here, e.g. `http://127.0.0.1:41327`. */
  readonly url: string;
  /** Faults injected so far, by kind (scripted ones included). */
  readonly counts: Record<FaultKind, number>;
  /** Faults injected so far, by operation (`PutItem`, `Query`, …) and kind. */
  readonly countsByOperation: Record<string, Partial<Record<FaultKind, number>>>;
  /** Every decision, in the order requests arrived. */
  readonly decisions: Decision[];
  /** Requests whose response was dropped after DynamoDB applied them. */
  readonly dropped: DroppedRequest[];
  /** Requests received so far. */
  readonly requests: number;
  /** All faults injected so far. */
  totalFaults(): number;
  /** Changes the rate and/or weights from now on (`rate: 0` switches random faults off). */
  configure(options: { rate?: number; weights?: Partial<Record<FaultKind, number>> }): void;
  /** Queues `faults` for the next requests of `operation` (e.g. `PutItem`), one each, before any random one. */
  script(operation: string, faults: FaultKind[]): void;
  /** Scripted faults not used yet. */
  pendingScript(): number;
  /** Drops the scripted faults not used yet. */
  clearScript(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** mulberry32: a tiny, fast, seedable PRNG with a 2^32 period; plenty for choosing faults. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = mulberry32(options.seed ?? 1);
  const delays = mulberry32((options.seed ?? 1) ^ 0x9e3779b9);
  let rate = checkRate(options.rate ?? 0);
  let weights = normalizeWeights(options.weights);
  const [minDelay, maxDelay] = options.delayMs ?? [20, 200];
  const counts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const countsByOperation: Record<string, Partial<Record<FaultKind, number>>> = {};
  const decisions: Decision[] = [];
  const dropped: DroppedRequest[] = [];
  const scripts = new Map<string, FaultKind[]>();
  let requests = 0;
  const upstream = new Agent({ keepAlive: true, maxSockets: 32 });
  const sockets = new Set<Socket>();

  const decide = (operation: string): Decision => {
    const queued = scripts.get(operation);
    if (queued && queued.length > 0) return queued.shift() as FaultKind;
    // Two draws per request whatever the outcome, so the sequence depends on the seed alone.
    const faulted = random() < rate;
    const pick = random();
    if (!faulted) return 'none';
    let cumulative = 0;
    for (const [kind, weight] of weights) {
      cumulative += weight;
      if (pick < cumulative) return kind;
    }
    return weights.at(-1)?.[0] ?? 'none';
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    onResponse: (status: number, headers: IncomingMessage['headers'], payload: Buffer) => void,
    onError: (error: Error) => void,
  ) => {
    const outgoing = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        agent: upstream,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          onResponse(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)),
        );
        response.on('error', onError);
      },
    );
    outgoing.on('error', onError);
    outgoing.end(body);
  };

  const reply = (
    res: ServerResponse,
    status: number,
    headers: IncomingMessage['headers'],
    payload: Buffer,
  ) => {
    if (res.destroyed) return;
    const copied: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (
        value === undefined ||
        name === 'connection' ||
        name === 'keep-alive' ||
        name === 'transfer-encoding'
      )
        continue;
      copied[name] = value;
    }
    copied['content-length'] = String(payload.length);
    res.writeHead(status, copied);
    res.end(payload);
  };

  const answerError = (res: ServerResponse, status: number, type: string, message: string) => {
    const payload = Buffer.from(JSON.stringify({ __type: `${ERROR_PREFIX}${type}`, message }));
    reply(
      res,
      status,
      { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `fault-proxy-${requests}` },
      payload,
    );
  };

  const resetConnection = (req: IncomingMessage) => {
    const socket = req.socket as Socket & { resetAndDestroy?: () => Socket };
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests++;
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');
      const decision = decide(operation);
      decisions.push(decision);
      if (decision !== 'none') {
        counts[decision]++;
        const byKind = countsByOperation[operation] ?? {};
        countsByOperation[operation] = byKind;
        byKind[decision] = (byKind[decision] ?? 0) + 1;
      }
      const passThrough = () =>
        forward(
          req,
          body,
          (status, headers, payload) => reply(res, status, headers, payload),
          () => resetConnection(req),
        );
      switch (decision) {
        case 'none':
          passThrough();
          return;
        case 'serverError':
          answerError(res, 500, 'InternalServerError', 'Internal server error (injected by the fault proxy)');
          return;
        case 'throughputExceeded':
          answerError(
            res,
            400,
            'ProvisionedThroughputExceededException',
            'The level of configured provisioned throughput for the table was exceeded (injected by the fault proxy)',
          );
          return;
        case 'throttling':
          answerError(
            res,
            400,
            'ThrottlingException',
            'Rate of requests exceeds the allowed throughput (injected)',
          );
          return;
        case 'reset':
          resetConnection(req);
          return;
        case 'dropResponse':
          forward(
            req,
            body,
            () => {
              dropped.push({ operation, body: body.toString('utf8') });
              resetConnection(req);
            },
            () => resetConnection(req),
          );
          return;
        case 'delay':
          setTimeout(passThrough, minDelay + delays() * (maxDelay - minDelay));
          return;
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    countsByOperation,
    decisions,
    dropped,
    get requests() {
      return requests;
    },
    totalFaults: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
    configure(update) {
      if (update.rate !== undefined) rate = checkRate(update.rate);
      if (update.weights !== undefined) weights = normalizeWeights(update.weights);
    },
    script(operation, faults) {
      scripts.set(operation, [...(scripts.get(operation) ?? []), ...faults]);
    },
    pendingScript: () => [...scripts.values()].reduce((sum, queued) => sum + queued.length, 0),
    clearScript: () => scripts.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        upstream.destroy();
        server.close(() => resolve());
      }),
  };
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1))
    throw new RangeError(`fault proxy: rate must be between 0 and 1, got ${rate}`);
  return rate;
}

/** The enabled kinds with their share of faults, summing to 1. */
function normalizeWeights(weights: Partial<Record<FaultKind, number>> = {}): [FaultKind, number][] {
  const entries = FAULT_KINDS.map((kind) => [kind, weights[kind] ?? 1] as [FaultKind, number]).filter(
    ([, weight]) => weight > 0,
  );
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (total === 0) throw new RangeError('fault proxy: at least one fault kind needs a positive weight');
  return entries.map(([kind, weight]) => [kind, weight / total]);
}

export interface ClientOptions {
  /** SDK attempts per request, the first included. Default 3 (the SDK's default). */
  maxAttempts?: number;
  /** Socket connect timeout, ms. Default 1 000. */
  connectionTimeout?: number;
  /** Time without a response before the SDK gives up on an attempt (an error, not just a warning), ms. Default 5 000. */
  requestTimeout?: number;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * A document client for `url` with bounded retries and timeouts, so a call through a faulty proxy or to
 * a stopped DynamoDB ends (with an error) instead of hanging. Marshalling as the Table's own client.
 */
export function createClient(url: string, options: ClientOptions = {}): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    endpoint: url,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: options.credentials ?? {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local',
    },
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeout ?? 1_000,
      requestTimeout: options.requestTimeout ?? 5_000,
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
