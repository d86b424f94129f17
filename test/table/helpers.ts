/**
 * Small helpers shared by the Table tests: asserting a rejection's class, and recording the inputs the
 * library hands to the SDK (document-level, before marshalling) for one command.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';

// biome-ignore lint/suspicious/noExplicitAny: error classes take different constructor arguments
export type ErrorClass<E> = abstract new (...args: any[]) => E;

/** Awaits `promise`, asserts it rejects with an instance of `type`, and returns the error. */
export async function rejects<E extends Error>(promise: Promise<unknown>, type: ErrorClass<E>): Promise<E> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected a rejection with ${type.name}`).to.be.instanceOf(type);
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

type AnyClient = DynamoDBClient | DynamoDBDocumentClient;
type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;
interface UntypedStack {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; priority?: 'high' | 'low' }): void;
  remove(name: string): boolean;
}

let sequence = 0;

/** A live list of the inputs of every `commandName` request (e.g. `QueryCommand`), as the library built them. */
export interface InputRecorder {
  readonly inputs: Record<string, unknown>[];
  detach(): void;
}

/**
 * Records the (document-level, plain JavaScript) input of each `commandName` request sent through
 * `client`, in the `initialize` step. Deep-copied, so later changes by the SDK do not show.
 */
export function recordInputs(client: AnyClient, commandName: string): InputRecorder {
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

/** `'0000'`, `'0001'`, … */
export function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0');
}
