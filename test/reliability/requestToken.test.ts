/**
 * One append, one ClientRequestToken: every send of the same transaction (the SDK's retries and the
 * store's own re-sends) carries the same token, so within DynamoDB's 10-minute idempotency window a
 * re-send of a transaction that did land is answered as a success.
 */
import { expect } from 'chai';
import { EventStore, type Table } from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js';
import { createProxiedTable } from '../support/reliability.js';
import { testEndpoint } from '../support/tables.js';

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

/** Records the ClientRequestToken of every TransactWriteItems attempt (below the SDK's retries). */
function recordTokens(table: Table): { tokens: unknown[]; stop: () => void } {
  const tokens: unknown[] = [];
  const stack = table.client.middlewareStack as unknown as {
    add(middleware: Middleware, options: { step: 'finalizeRequest'; priority: 'low'; name: string }): void;
    remove(name: string): boolean;
  };
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') tokens.push(args.input.ClientRequestToken);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordTokens' },
  );
  return { tokens, stop: () => void stack.remove('recordTokens') };
}

describe('reliability: the re-sends of one append share one ClientRequestToken', () => {
  let proxy: FaultProxy;
  let table: Table;
  let direct: Table;
  let store: EventStore;

  before(async () => {
    proxy = await startFaultProxy({ target: testEndpoint().url, seed: 5 });
    ({ table, direct } = await createProxiedTable(proxy.url, {
      prefix: 'token',
      client: { maxAttempts: 3 },
    }));
    store = new EventStore({ table });
  });

  after(async () => {
    await direct.deleteTable();
    await proxy.close();
  });

  it('3 failed SDK attempts, then the store re-sends: all 4 sends carry the same token', async () => {
    proxy.script('TransactWriteItems', ['serverError', 'serverError', 'serverError']);
    const { tokens, stop } = recordTokens(table);
    try {
      const result = await store.append('token-1', [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
      expect(result.version).to.equal(2);
    } finally {
      stop();
    }
    expect(tokens).to.have.length(4);
    expect(new Set(tokens).size, `tokens: ${tokens.join(', ')}`).to.equal(1);
    expect(proxy.pendingScript()).to.equal(0);
  });

  it('another append gets another token', async () => {
    const { tokens, stop } = recordTokens(table);
    try {
      await store.append('token-2', [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
      await store.append('token-2', [
        { type: 'C', data: {} },
        { type: 'D', data: {} },
      ]);
    } finally {
      stop();
    }
    expect(tokens).to.have.length(2);
    expect(tokens[0]).to.not.equal(tokens[1]);
  });
});
