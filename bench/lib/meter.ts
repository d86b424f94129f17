/**
 * Capacity units and requests, measured the same way for every library: an SDK middleware that asks
 * DynamoDB for `ReturnConsumedCapacity: 'TOTAL'` on every command and adds up the `ConsumedCapacity` it
 * reports, and counts the commands sent. It sits on the client's middleware stack, so it sees dynago's
 * requests, the raw SDK's and Castore's alike, without any library's cooperation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type AnyClient = DynamoDBClient | DynamoDBDocumentClient;

interface Args {
  input: Record<string, unknown>;
}
type Middleware = (
  next: (args: Args) => Promise<{ output?: Record<string, unknown> }>,
  context: { commandName?: string },
) => (args: Args) => Promise<{ output?: Record<string, unknown> }>;
interface UntypedStack {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; priority: 'high' }): void;
  remove(name: string): boolean;
}

/** What a metered client sent and what DynamoDB charged for it. */
export interface Metered {
  /** Commands sent, per command name (`PutItemCommand`, `QueryCommand`, …). */
  readonly requests: Record<string, number>;
  /** Capacity units DynamoDB reported (read and write together, as `CapacityUnits`). */
  units: number;
  /** Of `units`, read units (`ReadCapacityUnits` when reported, else the units of a read command). */
  readUnits: number;
  /** Of `units`, write units (`WriteCapacityUnits` when reported, else the units of a write command). */
  writeUnits: number;
  totalRequests(): number;
  reset(): void;
  detach(): void;
}

let sequence = 0;

/** Meters `client` until `detach()`. Commands that fail still count as requests. */
export function meter(client: AnyClient): Metered {
  const name = `dynagoBenchMeter${++sequence}`;
  const stack = client.middlewareStack as unknown as UntypedStack;
  const state: Metered = {
    requests: {},
    units: 0,
    readUnits: 0,
    writeUnits: 0,
    totalRequests: () => Object.values(state.requests).reduce((sum, count) => sum + count, 0),
    reset: () => {
      for (const key of Object.keys(state.requests)) delete state.requests[key];
      state.units = 0;
      state.readUnits = 0;
      state.writeUnits = 0;
    },
    detach: () => void stack.remove(name),
  };
  stack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      state.requests[command] = (state.requests[command] ?? 0) + 1;
      args.input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = result.output?.ConsumedCapacity;
      const units = capacityUnits(consumed);
      state.units += units;
      const split = readWriteUnits(consumed);
      if (split) {
        state.readUnits += split.read;
        state.writeUnits += split.write;
      } else if (READS.test(command)) state.readUnits += units;
      else state.writeUnits += units;
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return state;
}

/** The sum of `CapacityUnits` over one ConsumedCapacity entry or a list of them. */
export function capacityUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce(
    (sum: number, entry) => sum + ((entry as { CapacityUnits?: number }).CapacityUnits ?? 0),
    0,
  );
}

const READS = /^(GetItem|BatchGetItem|Query|Scan|TransactGetItems)/;

/**
 * The read and write units of a ConsumedCapacity entry or list, when DynamoDB reports them apart
 * (`ReadCapacityUnits` / `WriteCapacityUnits`); undefined when it reports only `CapacityUnits`.
 */
export function readWriteUnits(consumed: unknown): { read: number; write: number } | undefined {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
    ReadCapacityUnits?: number;
    WriteCapacityUnits?: number;
  }[];
  if (!list.some((entry) => entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined))
    return undefined;
  return list.reduce(
    (sum, entry) => ({
      read: sum.read + (entry.ReadCapacityUnits ?? 0),
      write: sum.write + (entry.WriteCapacityUnits ?? 0),
    }),
    { read: 0, write: 0 },
  );
}
