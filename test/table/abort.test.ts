/**
 * The README's promise: "An aborted call rejects with the signal's reason, as fetch does" — the reason
 * itself (the very object), whether the signal was aborted before the call or while its request was on
 * the wire, and a streamed read stops within one item of the abort.
 */
import { expect } from 'chai';
import type { Table } from '../../src/index.js';
import { pad } from '../support/helpers.js';
import { createTestTable } from '../support/tables.js';

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;
interface UntypedStack {
  add(middleware: Middleware, options: { step: 'build'; name: string }): void;
  remove(name: string): boolean;
}

/** Runs `before` as each `commandName` request is about to leave (after it was built and signed). */
function beforeSending(table: Table, commandName: string, before: () => Promise<void> | void): () => void {
  const stack = table.client.middlewareStack as unknown as UntypedStack;
  const name = `abortTest${Math.random()}`;
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) await before();
      return next(args);
    },
    { step: 'build', name },
  );
  return () => void stack.remove(name);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Table: aborted calls reject with the signal’s reason', () => {
  let table: Table;
  const items = Array.from({ length: 30 }, (_, n) => ({ pk: 'stream', sk: pad(n), n }));

  before(async () => {
    table = await createTestTable({ prefix: 'abort' });
    await table.batchWriteItems(items);
  });

  after(async () => {
    await table.deleteTable();
  });

  it('aborted before the call: rejects with the reason itself', async () => {
    const reason = new Error('my reason');
    const controller = new AbortController();
    controller.abort(reason);
    expect(await rejection(table.getItem('stream', '0001', { signal: controller.signal }))).to.equal(reason);
  });

  it('aborted while the request is being sent: rejects with the reason itself, not the SDK’s "Request aborted"', async () => {
    const reason = new Error('my reason');
    const controller = new AbortController();
    const detach = beforeSending(table, 'GetItemCommand', () => controller.abort(reason));
    try {
      expect(await rejection(table.getItem('stream', '0001', { signal: controller.signal }))).to.equal(
        reason,
      );
    } finally {
      detach();
    }
  });

  it('AbortSignal.timeout: rejects with its TimeoutError itself, not hidden in cause', async () => {
    const signal = AbortSignal.timeout(20);
    const detach = beforeSending(
      table,
      'QueryCommand',
      () => new Promise((resolve) => setTimeout(resolve, 60)),
    );
    try {
      const error = await rejection(table.query('pk = :pk', { ':pk': 'stream' }, { signal }));
      expect(error).to.equal(signal.reason);
      expect((error as Error).name).to.equal('TimeoutError');
    } finally {
      detach();
    }
  });

  it('queryAll stops within one item of the abort, even mid-page', async () => {
    const reason = new Error('enough');
    const controller = new AbortController();
    const seen: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const item of table.queryAll(
          'pk = :pk',
          { ':pk': 'stream' },
          { signal: controller.signal },
        )) {
          seen.push(item);
          if (seen.length === 10) controller.abort(reason);
        }
      })(),
    );
    expect(error).to.equal(reason);
    expect(seen).to.have.length(10);
  });

  it('queryAll with a signal aborted before it starts yields nothing', async () => {
    const reason = new Error('never mind');
    const controller = new AbortController();
    controller.abort(reason);
    const seen: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const item of table.queryAll(
          'pk = :pk',
          { ':pk': 'stream' },
          { signal: controller.signal },
        ))
          seen.push(item);
      })(),
    );
    expect(error).to.equal(reason);
    expect(seen).to.deep.equal([]);
  });
});
