import { AssertionError, deepStrictEqual } from 'node:assert';
import { AggregateRepository } from '../aggregates/AggregateRepository.js';
import type { Decide, StoredOf } from '../aggregates/types.js';
import type { EventInput } from '../events/types.js';
import { InMemoryEventStore } from './InMemoryEventStore.js';
import { storedCopy } from './storedCopy.js';

/** How an aggregate evolves: the `initialState` and `reduce` an `AggregateRepository` takes. */
export interface DeciderSpecOptions<State, Event extends EventInput> {
  /** A fresh initial state (called once per run). */
  initialState: () => State;
  /** Applies one event to the state (the "evolve" of decide/evolve). */
  reduce: (state: State, event: StoredOf<Event>) => State;
  /** The aggregate's category (`StoredEvent.category`); default `'spec'`. */
  category?: string;
  /** The aggregate's id: its stream is `<category>-<aggregateId>`; default `'1'`. */
  aggregateId?: string;
}

/** {@link DeciderSpecOptions} with a `decide` that takes commands: then `when` takes a command. */
export interface CommandDeciderSpecOptions<State, Event extends EventInput, Command>
  extends DeciderSpecOptions<State, Event> {
  /** The events a command produces on the state, or a thrown domain error. */
  decide: (command: Command, state: State, version: number) => Event[] | Promise<Event[]>;
}

/** What the command is expected to throw: an error class, or a predicate on the error. */
// biome-ignore lint/suspicious/noExplicitAny: error classes take any constructor arguments
export type ExpectedError = (abstract new (...args: any[]) => unknown) | ((error: unknown) => boolean);

/** The start of a scenario; see {@link deciderSpec}. */
export interface DeciderSpec<Event extends EventInput, Command> {
  /** The aggregate's past: these events are stored first (none: a new aggregate). */
  given(events: Event[]): DeciderGiven<Event, Command>;
  /** A command on a new aggregate: `given([])`. */
  when(command: Command): DeciderWhen<Event>;
}

/** A scenario with its past; see {@link deciderSpec}. */
export interface DeciderGiven<Event extends EventInput, Command> {
  /** The command to run on the aggregate's state. */
  when(command: Command): DeciderWhen<Event>;
}

/**
 * A scenario ready to check; see {@link deciderSpec}. Finish it with `then` or `thenThrows` and await
 * (or return) the promise: it rejects with an `AssertionError` when the command did something else.
 */
export interface DeciderWhen<Event extends EventInput> {
  /**
   * Expects exactly these events, in this order: type, data and metadata (deeply, as they will be
   * stored: `undefined` properties do not count), and the id where an expected event gives one.
   */
  then(expected: Event[]): Promise<void>;
  /**
   * Expects the command to fail: with an instance of this error class, or an error the predicate
   * accepts; with `message`, a message that includes it (a string) or matches it (a RegExp).
   */
  thenThrows(expected: ExpectedError, message?: string | RegExp): Promise<void>;
}

/**
 * Given / when / then for deciders, without DynamoDB: `given` events are stored in an
 * `InMemoryEventStore`, `when` runs the command through an `AggregateRepository` (so `decide` sees the
 * state a real load builds, and the decided events are folded and validated as in production), and
 * `then` compares the events it appended. A mismatch rejects with an `AssertionError` from `node:assert`:
 * it works in mocha, `node:test`, and any runner that fails a test on a rejected promise.
 *
 * `when` takes what `AggregateRepository.execute` takes, a function `(state, version) => events`; or,
 * when the options give a `decide(command, state, version)`, a command.
 *
 * @example
 * ```ts
 * const spec = deciderSpec<Account, AccountEvent>({ initialState: initialAccount, reduce: reduceAccount });
 * await spec
 *   .given([{ type: 'Opened', data: { owner: 'Ada' } }])
 *   .when((account) => decide.deposit(account, 10))
 *   .then([{ type: 'Deposited', data: { amount: 10 } }]);
 * await spec.given([]).when((account) => decide.deposit(account, 10)).thenThrows(AccountRuleError, /not open/);
 * ```
 */
export function deciderSpec<State, Event extends EventInput>(
  options: DeciderSpecOptions<State, Event>,
): DeciderSpec<Event, Decide<State, Event>>;
export function deciderSpec<State, Event extends EventInput, Command>(
  options: CommandDeciderSpecOptions<State, Event, Command>,
): DeciderSpec<Event, Command>;
export function deciderSpec<State, Event extends EventInput, Command>(
  options: DeciderSpecOptions<State, Event> | CommandDeciderSpecOptions<State, Event, Command>,
): DeciderSpec<Event, Command> {
  const category = options?.category ?? 'spec';
  const aggregateId = options?.aggregateId ?? '1';
  const commandDecide = 'decide' in options ? options.decide : undefined;
  const decideOf = (command: Command): Decide<State, Event> =>
    commandDecide === undefined
      ? (command as Decide<State, Event>)
      : (state, version) => commandDecide(command, state, version);
  // A repository checks the options (category, initialState, reduce) now, so that a spec with bad
  // ones fails where it is written, with the repository's own ValidationError.
  new AggregateRepository<State, Event>({
    category,
    events: new InMemoryEventStore(),
    initialState: options.initialState,
    reduce: options.reduce,
  });
  if (commandDecide !== undefined && typeof commandDecide !== 'function') {
    throw new TypeError('deciderSpec: decide must be a function (command, state, version) => events.');
  }

  const scenario = (given: Event[], command: Command): DeciderWhen<Event> => {
    /** Stores the past, then runs the command: its events, or the error it threw. */
    const run = async (): Promise<{ events: StoredOf<Event>[] } | { error: unknown }> => {
      const store = new InMemoryEventStore();
      const aggregates = new AggregateRepository<State, Event>({
        category,
        events: store,
        initialState: options.initialState,
        reduce: options.reduce,
      });
      const streamId = aggregates.streamId(aggregateId);
      if (!Array.isArray(given)) throw new TypeError('deciderSpec: given takes an array of events.');
      if (given.length > 0) await store.append(streamId, given, { expectedVersion: 0 });
      // Loaded outside the command: a reducer that fails on the given events is a broken setup, not
      // the error the command is expected to throw.
      await aggregates.load(aggregateId);
      try {
        return { events: (await aggregates.execute(aggregateId, decideOf(command))).events };
      } catch (error) {
        return { error };
      }
    };
    return {
      // biome-ignore lint/suspicious/noThenProperty: given / when / then is the vocabulary; awaiting the scenario itself is caught below
      then(expected: Event[], ...rest: unknown[]): Promise<void> {
        if (typeof expected === 'function') {
          const mistake = new TypeError(
            'deciderSpec: finish the scenario with .then([...events]) or .thenThrows(ErrorClass), and await that.',
          );
          // `await spec.given(…).when(…)` (or returning it to a runner) calls then(resolve, reject):
          // reject the await itself, with a message that says what to write instead.
          if (typeof rest[0] === 'function') {
            (rest[0] as (reason: unknown) => void)(mistake);
            return Promise.resolve();
          }
          return Promise.reject(mistake);
        }
        return (async () => {
          if (!Array.isArray(expected))
            throw new TypeError('deciderSpec: then takes the expected events, an array.');
          const outcome = await run();
          if ('error' in outcome) {
            throw fail(
              `expected the command to decide ${count(expected.length)}, but it threw ${describeError(outcome.error)}`,
              outcome.error,
              expected,
              'then',
              outcome.error,
            );
          }
          const actual = outcome.events.map((event, index) => comparable(event, expected[index]));
          try {
            deepStrictEqual(
              actual,
              expected.map((event) => comparable(event, event)),
            );
          } catch (error) {
            if (error instanceof AssertionError) {
              error.message = `deciderSpec: the command decided other events than expected.\n${error.message}`;
            }
            throw error;
          }
        })();
      },
      async thenThrows(expected: ExpectedError, message?: string | RegExp): Promise<void> {
        if (typeof expected !== 'function') {
          throw new TypeError(
            'deciderSpec: thenThrows takes an error class or a predicate (error) => boolean.',
          );
        }
        const outcome = await run();
        const wanted = isErrorClass(expected)
          ? (expected.name ?? 'an error')
          : 'an error the predicate accepts';
        if (!('error' in outcome)) {
          throw fail(
            `expected the command to throw ${wanted}, but it decided ${count(outcome.events.length)}: ` +
              JSON.stringify(outcome.events.map((event) => ({ type: event.type, data: event.data }))),
            outcome.events,
            expected,
            'thenThrows',
          );
        }
        const { error } = outcome;
        const matches = isErrorClass(expected)
          ? error instanceof expected
          : (expected as (e: unknown) => boolean)(error);
        if (!matches) {
          throw fail(
            `expected the command to throw ${wanted}, but it threw ${describeError(error)}`,
            error,
            expected,
            'thenThrows',
            error,
          );
        }
        const text = error instanceof Error ? error.message : String(error);
        if (
          message !== undefined &&
          !(typeof message === 'string' ? text.includes(message) : message.test(text))
        ) {
          throw fail(
            `expected the command's error message to ${typeof message === 'string' ? 'include' : 'match'} ${String(message)}, but it was ${JSON.stringify(text)}`,
            text,
            message,
            'thenThrows',
            error,
          );
        }
      },
    };
  };

  return {
    given: (events) => ({ when: (command) => scenario(events, command) }),
    when: (command) => scenario([], command),
  };
}

/** An event reduced to what a scenario compares: type, data, metadata, and the id when expected gives one. */
function comparable(event: EventInput, expected: EventInput | undefined): Record<string, unknown> {
  return {
    ...(expected?.id !== undefined ? { id: event.id } : {}),
    type: event.type,
    data: storedCopy(event.data ?? null),
    ...(event.metadata !== undefined ? { metadata: storedCopy(event.metadata) } : {}),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: error classes take any constructor arguments
function isErrorClass(value: ExpectedError): value is abstract new (...args: any[]) => unknown {
  return value === Error || value.prototype instanceof Error;
}

function count(events: number): string {
  return events === 1 ? '1 event' : `${events} events`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** An AssertionError with `actual` and `expected` (runners show them), and what the command threw as `cause`. */
function fail(
  message: string,
  actual: unknown,
  expected: unknown,
  operator: string,
  cause?: unknown,
): AssertionError {
  const error = new AssertionError({ message: `deciderSpec: ${message}`, actual, expected, operator });
  if (cause !== undefined)
    Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}
