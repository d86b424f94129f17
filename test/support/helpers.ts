/**
 * The helpers every test file may share: asserting a rejection or a synchronous throw, draining an async
 * iterable, and SDK middlewares that count requests or record their inputs. Pure code: importing this
 * module needs no DynamoDB, so the unit tests (test/unit) use it too.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';

// biome-ignore lint/suspicious/noExplicitAny: error classes take different constructor arguments
export type ErrorClass<E> = abstract new (...args: any[]) => E;

/**
 * Awaits `promise`, fails the test if it resolved, and returns the rejection error. With `type`, also
 * asserts the error is an instance of it.
 *
 * @example `const error = await rejects(table.getItem('a', 'b'), ValidationError);`
 */
export async function rejects<E extends Error = Error>(
  promise: Promise<unknown>,
  type?: ErrorClass<E>,
): Promise<E> {
  let resolved = false;
  let error: unknown;
  try {
    await promise;
    resolved = true;
  } catch (err) {
    error = err;
  }
  expect(resolved, `expected a rejection${type ? ` with ${type.name}` : ''}, but it resolved`).to.equal(
    false,
  );
  if (type) expect(error, `expected a rejection with ${type.name}`).to.be.instanceOf(type);
  return error as E;
}

/** Calls `fn`, asserts it throws an instance of `type` synchronously, and returns the error. */
export function throws<E extends Error>(fn: () => unknown, type: ErrorClass<E>): E {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error, `expected ${type.name} to be thrown`).to.be.instanceOf(type);
  return error as E;
}

/** Drains an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** `'0000'`, `'0001'`, … */
export function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0');
}

type AnySdkClient = DynamoDBClient | DynamoDBDocumentClient;
type PassThrough = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;
interface UntypedStack {
  add(
    middleware: PassThrough,
    options: { step: 'initialize' | 'finalizeRequest'; name: string; priority?: 'high' | 'low' },
  ): void;
  remove(name: string): boolean;
}

let sequence = 0;

/** Requests counted by {@link countRequests}. */
export interface RequestCounter {
  /** Requests sent so far per command, e.g. `{ PutItemCommand: 2, QueryCommand: 1 }`. */
  readonly counts: Record<string, number>;
  /** All requests sent so far. */
  total(): number;
  /** Starts counting from zero again. */
  reset(): void;
  /** Stops counting (removes the middleware). */
  detach(): void;
}

/**
 * Counts the HTTP requests `client` sends, per command: a middleware in the `finalizeRequest` step with
 * low priority, i.e. after the SDK's retry middleware, so every attempt (retries included) counts. Keys
 * are the SDK's `context.commandName` of the low-level command: a document client's `PutCommand` counts
 * as `PutItemCommand`. Adding it to a `DynamoDBDocumentClient` counts its underlying client too (they
 * share one middleware stack).
 *
 * @example
 * ```ts
 * const requests = countRequests(table.client);
 * await table.putItem('a', 'b', { n: 1 });
 * expect(requests.counts.PutItemCommand).to.equal(1);
 * expect(requests.total()).to.equal(1);
 * requests.detach();
 * ```
 */
export function countRequests(client: AnySdkClient): RequestCounter {
  const counts: Record<string, number> = {};
  const name = `dynagoTestRequestCounter${++sequence}`;
  const stack = client.middlewareStack as unknown as UntypedStack;
  stack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts[command] = (counts[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return {
    counts,
    total: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    detach: () => {
      stack.remove(name);
    },
  };
}

/** A live list of the inputs of every `commandName` request (e.g. `QueryCommand`), as the library built them. */
export interface InputRecorder {
  readonly inputs: Record<string, unknown>[];
  detach(): void;
}

/**
 * Records the (document-level, plain JavaScript) input of each `commandName` request sent through
 * `client`, in the `initialize` step. Deep-copied, so later changes by the SDK do not show.
 */
export function recordInputs(client: AnySdkClient, commandName: string): InputRecorder {
  const inputs: Record<string, unknown>[] = [];
  const name = `dynagoTestInputRecorder${++sequence}`;
  const stack = client.middlewareStack as unknown as UntypedStack;
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) inputs.push(structuredClone(args.input));
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return { inputs, detach: () => void stack.remove(name) };
}
