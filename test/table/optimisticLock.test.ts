import { expect } from 'chai';
import {
  ConditionFailedError,
  DynagoError,
  OptimisticLockError,
  type Table,
  ValidationError,
} from '../../src/index.js';
import { recordInputs, rejects } from '../support/helpers.js';
import { countRequests, createTestTable } from '../support/tables.js';

interface SentCondition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

const lock = (current: number | undefined) => ({ optimisticLock: { attribute: 'version', current } });

describe('Table optimistic lock', () => {
  let table: Table;

  before(async () => {
    table = await createTestTable({ prefix: 'lock' });
  });

  after(async () => {
    await table.deleteTable();
  });

  const read = (pk: string) => table.getItem<Record<string, unknown>>(pk, pk, { consistentRead: true });

  describe('putItem', () => {
    it('creates a new item with current undefined or 0, storing version 1', async () => {
      expect(await table.putItem('new-a', 'new-a', { n: 1 }, lock(undefined))).to.deep.equal({
        pk: 'new-a',
        sk: 'new-a',
        n: 1,
        version: 1,
      });
      await table.putItem('new-b', 'new-b', { n: 1 }, lock(0));
      expect(await read('new-a')).to.deep.equal({ pk: 'new-a', sk: 'new-a', n: 1, version: 1 });
      expect(await read('new-b')).to.deep.equal({ pk: 'new-b', sk: 'new-b', n: 1, version: 1 });
    });

    it('with the stored version as current: writes and stores current + 1', async () => {
      await table.putItem('bump', 'bump', { n: 1 }, lock(0));
      await table.putItem('bump', 'bump', { n: 2 }, lock(1));
      await table.putItem('bump', 'bump', { n: 3, version: 99 }, lock(2));
      expect(await read('bump')).to.deep.equal({ pk: 'bump', sk: 'bump', n: 3, version: 3 });
    });

    it('a stale version throws OptimisticLockError with the stored item, unmarshalled, and writes nothing', async () => {
      await table.putItem('stale', 'stale', { balance: 10, tags: new Set(['a']) }, lock(0));
      await table.putItem('stale', 'stale', { balance: 20, tags: new Set(['a']) }, lock(1));
      const error = await rejects(
        table.putItem('stale', 'stale', { balance: 999 }, lock(1)),
        OptimisticLockError,
      );
      expect(error).to.be.instanceOf(ConditionFailedError);
      expect(error).to.be.instanceOf(DynagoError);
      expect(error.code).to.equal('condition.optimisticLock');
      expect(error.attribute).to.equal('version');
      expect(error.expected).to.equal(1);
      expect(error.item).to.deep.equal({
        pk: 'stale',
        sk: 'stale',
        balance: 20,
        tags: new Set(['a']),
        version: 2,
      });
      expect(error.message).to.contain('"version"');
      expect(error.message).to.contain('the stored version is 2');
      expect((error.cause as Error).name).to.equal('ConditionalCheckFailedException');
      expect(DynagoError.is(error, 'condition.')).to.equal(true);
      expect(await read('stale')).to.deep.equal({
        pk: 'stale',
        sk: 'stale',
        balance: 20,
        tags: new Set(['a']),
        version: 2,
      });
    });

    it('current 0 on an existing item throws OptimisticLockError (someone created it first)', async () => {
      await table.putItem('taken', 'taken', { owner: 'first' }, lock(0));
      const error = await rejects(
        table.putItem('taken', 'taken', { owner: 'second' }, lock(0)),
        OptimisticLockError,
      );
      expect(error.expected).to.equal(0);
      expect(error.item).to.deep.equal({ pk: 'taken', sk: 'taken', owner: 'first', version: 1 });
      expect(await read('taken')).to.deep.equal({ pk: 'taken', sk: 'taken', owner: 'first', version: 1 });
    });

    it('a version on a missing item throws OptimisticLockError without an item, and creates nothing', async () => {
      const error = await rejects(table.putItem('ghost', 'ghost', { n: 1 }, lock(3)), OptimisticLockError);
      expect(error.item).to.equal(undefined);
      expect(error.expected).to.equal(3);
      expect(error.message).to.contain('the item does not exist');
      expect(await read('ghost')).to.equal(undefined);
    });

    for (const current of [-1, 1.5, Number.NaN, '2' as unknown as number]) {
      it(`rejects current ${typeof current === 'string' ? `"${current}"` : String(current)} before any request`, async () => {
        const requests = countRequests(table.client);
        try {
          const error = await rejects(
            table.putItem('bad-lock', 'bad-lock', { n: 1 }, lock(current)),
            ValidationError,
          );
          expect(error.message).to.contain('optimisticLock.current must be a non-negative integer');
          expect(requests.total()).to.equal(0);
        } finally {
          requests.detach();
        }
      });
    }

    it('rejects a key attribute as the lock attribute, before any request', async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          table.putItem('bad-lock', 'bad-lock', {}, { optimisticLock: { attribute: 'sk', current: 0 } }),
          ValidationError,
        );
        expect(error.message).to.contain('"sk"');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
      expect(await read('bad-lock')).to.equal(undefined);
    });
  });

  describe('lock and caller condition combined', () => {
    const open = { expression: '#s = :open', names: { '#s': 'status' }, values: { ':open': 'open' } };

    beforeEach(async () => {
      await table.deleteItem('both', 'both');
      await table.putItem('both', 'both', { status: 'open', n: 0 }, lock(0));
      await table.putItem('both', 'both', { status: 'open', n: 1 }, lock(1));
    });

    it('sends both conditions, ANDed', async () => {
      const inputs = recordInputs(table.client, 'PutItemCommand');
      try {
        await table.putItem('both', 'both', { status: 'open', n: 2 }, { ...lock(2), condition: open });
        const sent = inputs.inputs[0] as unknown as SentCondition;
        const [, name, value] =
          /^\(#s = :open\) AND \((#\w+) = (:\w+)\)$/.exec(sent.ConditionExpression) ?? [];
        expect(name, sent.ConditionExpression).to.be.a('string');
        expect(sent.ExpressionAttributeNames).to.deep.equal({ '#s': 'status', [name as string]: 'version' });
        expect(sent.ExpressionAttributeValues).to.deep.equal({ ':open': 'open', [value as string]: 2 });
      } finally {
        inputs.detach();
      }
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 2, version: 3 });
    });

    it("the caller's condition failing with a correct lock throws ConditionFailedError, not OptimisticLockError", async () => {
      const closed = { ...open, values: { ':open': 'closed' } };
      const error = await rejects(
        table.putItem('both', 'both', { status: 'x', n: 9 }, { ...lock(2), condition: closed }),
        ConditionFailedError,
      );
      expect(error).not.to.be.instanceOf(OptimisticLockError);
      expect(error.code).to.equal('condition.failed');
      expect(error.item).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 1, version: 2 });
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 1, version: 2 });
    });

    it("a stale lock with the caller's condition holding throws OptimisticLockError", async () => {
      const error = await rejects(
        table.putItem('both', 'both', { status: 'x', n: 9 }, { ...lock(1), condition: open }),
        OptimisticLockError,
      );
      expect(error.item).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 1, version: 2 });
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 1, version: 2 });
    });

    it("a new-item lock and a caller's condition that fails on the missing item throws ConditionFailedError", async () => {
      const error = await rejects(
        table.putItem(
          'both-new',
          'both-new',
          { n: 1 },
          { ...lock(0), condition: { expression: 'attribute_exists(#s)', names: { '#s': 'status' } } },
        ),
        ConditionFailedError,
      );
      expect(error).not.to.be.instanceOf(OptimisticLockError);
      expect(error.item).to.equal(undefined);
      expect(await read('both-new')).to.equal(undefined);
    });

    it("caller placeholders named like the library's own (#dg0, :dg0) keep their meaning", async () => {
      const mine = { expression: '#dg0 = :dg0', names: { '#dg0': 'status' }, values: { ':dg0': 'open' } };
      const inputs = recordInputs(table.client, 'PutItemCommand');
      try {
        await table.putItem('both', 'both', { status: 'open', n: 2 }, { ...lock(2), condition: mine });
        const sent = inputs.inputs[0] as unknown as SentCondition;
        const [, name, value] =
          /^\(#dg0 = :dg0\) AND \((#\w+) = (:\w+)\)$/.exec(sent.ConditionExpression) ?? [];
        expect(name, sent.ConditionExpression).to.be.a('string').and.not.equal('#dg0');
        expect(value).to.be.a('string').and.not.equal(':dg0');
        expect(sent.ExpressionAttributeNames).to.deep.equal({
          '#dg0': 'status',
          [name as string]: 'version',
        });
        expect(sent.ExpressionAttributeValues).to.deep.equal({ ':dg0': 'open', [value as string]: 2 });
      } finally {
        inputs.detach();
      }
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 2, version: 3 });

      const notOpen = { ...mine, values: { ':dg0': 'closed' } };
      const failed = await rejects(
        table.putItem('both', 'both', { n: 9 }, { ...lock(3), condition: notOpen }),
        ConditionFailedError,
      );
      expect(failed).not.to.be.instanceOf(OptimisticLockError);
      const stale = await rejects(
        table.putItem('both', 'both', { n: 9 }, { ...lock(2), condition: mine }),
        OptimisticLockError,
      );
      expect(stale.item?.version).to.equal(3);
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 2, version: 3 });
    });

    it('a caller placeholder #dg0 naming the lock attribute itself still works', async () => {
      const mine = { expression: '#dg0 < :dg1', names: { '#dg0': 'version' }, values: { ':dg1': 100 } };
      await table.putItem('both', 'both', { status: 'open', n: 5 }, { ...lock(2), condition: mine });
      expect(await read('both')).to.deep.equal({ pk: 'both', sk: 'both', status: 'open', n: 5, version: 3 });
    });
  });

  describe('updateItem and deleteItem', () => {
    it('updateItem with the lock bumps the version and returns the new item; a stale one throws', async () => {
      await table.putItem('upd', 'upd', { balance: 10 }, lock(0));
      const updated = await table.updateItem('upd', 'upd', { add: { balance: 5 } }, lock(1));
      expect(updated).to.deep.equal({ pk: 'upd', sk: 'upd', balance: 15, version: 2 });
      const error = await rejects(
        table.updateItem('upd', 'upd', { add: { balance: 5 } }, lock(1)),
        OptimisticLockError,
      );
      expect(error.item).to.deep.equal({ pk: 'upd', sk: 'upd', balance: 15, version: 2 });
      expect(await read('upd')).to.deep.equal({ pk: 'upd', sk: 'upd', balance: 15, version: 2 });
    });

    it('updateItem refuses to change the lock attribute itself, before any request', async () => {
      const requests = countRequests(table.client);
      try {
        const error = await rejects(
          table.updateItem('upd', 'upd', { set: { version: 7 } }, lock(2)),
          ValidationError,
        );
        expect(error.message).to.contain('"version" is the optimistic lock attribute');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    });

    it('deleteItem with a stale version throws OptimisticLockError and keeps the item; the right one deletes', async () => {
      await table.putItem('del', 'del', { n: 1 }, lock(0));
      await table.putItem('del', 'del', { n: 2 }, lock(1));
      const error = await rejects(table.deleteItem('del', 'del', lock(1)), OptimisticLockError);
      expect(error.item).to.deep.equal({ pk: 'del', sk: 'del', n: 2, version: 2 });
      expect(await read('del')).to.deep.equal({ pk: 'del', sk: 'del', n: 2, version: 2 });
      expect(await table.deleteItem('del', 'del', lock(2))).to.deep.equal({
        pk: 'del',
        sk: 'del',
        n: 2,
        version: 2,
      });
      expect(await read('del')).to.equal(undefined);
    });
  });

  it('10 concurrent workers adding 100 each with get/put-with-lock retries end at Balance 1000, Version 10', async () => {
    interface Account {
      pk: string;
      sk: string;
      Balance: number;
      Version?: number;
    }
    const id = 'account#concurrent';
    const addBalance = async () => {
      for (let attempt = 1; attempt <= 200; attempt++) {
        const account = (await table.getItem<Account>(id, id, { consistentRead: true })) ?? {
          pk: id,
          sk: id,
          Balance: 0,
        };
        try {
          await table.putItem(
            id,
            id,
            { ...account, Balance: account.Balance + 100 },
            { optimisticLock: { attribute: 'Version', current: account.Version } },
          );
          return;
        } catch (err) {
          if (!(err instanceof OptimisticLockError)) throw err;
        }
      }
      throw new Error('a worker did not get through in 200 attempts');
    };
    await Promise.all(Array.from({ length: 10 }, addBalance));
    expect(await table.getItem(id, id, { consistentRead: true })).to.deep.equal({
      pk: id,
      sk: id,
      Balance: 1000,
      Version: 10,
    });
  });
});
