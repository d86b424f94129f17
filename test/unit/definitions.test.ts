/** defineEvent and the registry behind a store's definitions (src/events/definition.ts, registry.ts), no DynamoDB. */
import { expect } from 'chai';
import { z } from 'zod';
import { EventRegistry } from '../../src/events/registry.js';
import {
  defineEvent,
  EventValidationError,
  type StoredEvent,
  UpcastError,
  ValidationError,
} from '../../src/index.js';
import { rejects, throws } from '../support/helpers.js';

const stored = (type: string, data: unknown, schemaVersion = 1): StoredEvent => ({
  streamId: 'account-1',
  category: 'account',
  version: 7,
  id: 'e',
  type,
  data,
  timestamp: 0,
  schemaVersion,
});

describe('unit: event definitions', () => {
  it('defineEvent refuses a missing upcaster, an upcaster out of range, a bad version or a non-schema', () => {
    const cases: [() => unknown, string][] = [
      [
        () => defineEvent('A', { version: 3, upcasters: { 1: (d) => d } }),
        'upcasters[2] (version 2 → 3) is missing',
      ],
      [
        () => defineEvent('A', { version: 2, upcasters: { 1: (d) => d, 2: (d) => d } }),
        'upcasters take the keys 1 to 1',
      ],
      [() => defineEvent('A', { version: 0 }), 'version must be a whole number from 1'],
      [() => defineEvent('A', { schema: {} as never }), 'Standard Schema'],
      [() => defineEvent('', {}), 'non-empty string'],
    ];
    for (const [call, message] of cases) expect(throws(call, ValidationError).message).to.include(message);
  });

  it('upcasts step by step from the stored version to the current one, and reports the version it hands out', () => {
    const steps: number[] = [];
    const registry = new EventRegistry(
      [
        defineEvent('A', {
          version: 3,
          upcasters: {
            1: (data: { n: number }) => {
              steps.push(1);
              return { n: data.n + 1 };
            },
            2: (data: { n: number }) => {
              steps.push(2);
              return { n: data.n * 10 };
            },
          },
        }),
      ],
      'test',
    );
    const event = registry.upcast(stored('A', { n: 1 }));
    expect(event.data).to.deep.equal({ n: 20 });
    expect(event.schemaVersion).to.equal(3);
    expect(steps).to.deep.equal([1, 2]);
    expect(registry.upcast(stored('A', { n: 5 }, 2)).data).to.deep.equal({ n: 50 });
    expect(registry.upcast(stored('B', { n: 5 })).data, 'a type without a definition passes').to.deep.equal({
      n: 5,
    });
  });

  it('a version newer than the definition is an UpcastError naming both versions', () => {
    const registry = new EventRegistry(
      [defineEvent('A', { version: 2, upcasters: { 1: (d) => d } })],
      'test',
    );
    const error = throws(() => registry.upcast(stored('A', {}, 5)), UpcastError);
    expect(error.message).to.include('schema version 5').and.include("this code's 2");
  });

  it('validation names the type, the stream, the event and every field (async schemas too)', async () => {
    const registry = new EventRegistry(
      [
        defineEvent('A', { schema: z.object({ amount: z.number(), to: z.object({ id: z.string() }) }) }),
        defineEvent('B', { schema: z.string().refine(async (value) => value === 'ok') }),
      ],
      'test',
    );
    const error = await rejects(
      registry.validate([{ streamId: 's-1', events: [{ type: 'A', data: { amount: 'x', to: { id: 1 } } }] }]),
      EventValidationError,
    );
    expect(error.message).to.include('Event "A" (events[0] of the append to "s-1")');
    expect(error.message).to.include('data.amount').and.include('data.to.id');
    expect(error.issues.map((issue) => issue.path)).to.deep.equal([['amount'], ['to', 'id']]);
    await rejects(
      registry.validate([{ streamId: 's-1', events: [{ type: 'B', data: 'no' }] }]),
      EventValidationError,
    );
    const [ok] = await registry.validate([{ streamId: 's-1', events: [{ type: 'B', data: 'ok' }] }]);
    expect(ok?.events[0]?.data).to.equal('ok');
  });

  it('a store refuses two definitions of one type', () => {
    expect(
      throws(() => new EventRegistry([defineEvent('A'), defineEvent('A')], 'new EventStore'), ValidationError)
        .message,
    ).to.include('defined twice');
  });
});
