/**
 * Merging two writes of one item into one (src/table/actions/mergeOperations.ts), no DynamoDB: the
 * projector relies on it to write a read-model item once per batch of events, so every merge must have
 * exactly the effect of the two writes in order, and whatever cannot be merged exactly is refused.
 */
import { expect } from 'chai';
import { Table } from '../../src/index.js';
import { mergeOperations, type TransactOperation } from '../../src/table/actions/transactWrite.js';

const table = new Table({
  tableName: 'no-such-table',
  partitionKeyName: 'pk',
  sortKeyName: 'sk',
  endpoint: { url: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'x' },
});

const merge = (...operations: TransactOperation[]) =>
  operations
    .slice(1)
    .reduce<TransactOperation | undefined>(
      (merged, next) => merged && mergeOperations(merged, next),
      operations[0],
    );

/** The item a merged put writes. */
const putItemOf = (operation: TransactOperation | undefined) =>
  (operation?.request.Put as { Item: unknown } | undefined)?.Item;

/** The update's effect, read back from its request: what it sets, adds and removes. */
function effect(operation: TransactOperation | undefined) {
  const update = operation?.request.Update as {
    UpdateExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
  const named = (text: string) =>
    text.replace(/#\w+/g, (name) => update.ExpressionAttributeNames[name] as string);
  const clauses: Record<string, string[]> = {};
  for (const match of update.UpdateExpression.matchAll(
    /(SET|ADD|REMOVE) ([^A-Z]*?)(?= SET| ADD| REMOVE|$)/g,
  )) {
    clauses[match[1] as string] = (match[2] as string)
      .split(', ')
      .map((part) =>
        named(part).replace(/:\w+/g, (value) => JSON.stringify(update.ExpressionAttributeValues[value])),
      );
  }
  return clauses;
}

describe('unit: mergeOperations (two writes of one item as one)', () => {
  it('adds whole-number ADDs, and the later SET wins', () => {
    const merged = merge(
      table.updateOp('a', 1, { add: { balance: 5 }, set: { owner: 'x' } }),
      table.updateOp('a', 1, { add: { balance: -2 }, set: { owner: 'y' } }),
      table.updateOp('a', 1, { add: { balance: 10, events: 1 } }),
    );
    expect(effect(merged)).to.deep.equal({ SET: ['owner = "y"'], ADD: ['balance 13', 'events 1'] });
  });

  it('ADD after SET or REMOVE sets the result; REMOVE after anything removes', () => {
    expect(
      effect(merge(table.updateOp('a', 1, { set: { n: 4 } }), table.updateOp('a', 1, { add: { n: 3 } }))),
    ).to.deep.equal({ SET: ['n = 7'] });
    expect(
      effect(merge(table.updateOp('a', 1, { remove: ['n'] }), table.updateOp('a', 1, { add: { n: 3 } }))),
    ).to.deep.equal({ SET: ['n = 3'] });
    expect(
      effect(merge(table.updateOp('a', 1, { add: { n: 2 } }), table.updateOp('a', 1, { remove: ['n'] }))),
    ).to.deep.equal({ REMOVE: ['n'] });
  });

  it('an update after a put or delete is a put of the result; a put or delete after anything is itself', () => {
    const put = merge(
      table.putOp('a', 1, { n: 1, tag: 't' }),
      table.updateOp('a', 1, { add: { n: 2 }, remove: ['tag'] }),
    );
    expect(put?.kind).to.equal('put');
    expect(putItemOf(put)).to.deep.equal({ pk: 'a', sk: 1, n: 3 });
    const afterDelete = merge(table.deleteOp('a', 1), table.updateOp('a', 1, { add: { n: 2 } }));
    expect(putItemOf(afterDelete)).to.deep.equal({ pk: 'a', sk: 1, n: 2 });
    expect(merge(table.updateOp('a', 1, { add: { n: 2 } }), table.deleteOp('a', 1))?.kind).to.equal('delete');
    const replaced = merge(table.updateOp('a', 1, { add: { n: 2 } }), table.putOp('a', 1, { m: 1 }));
    expect(putItemOf(replaced)).to.deep.equal({ pk: 'a', sk: 1, m: 1 });
  });

  it('refuses what it cannot merge exactly: fractions, sets, conditions, locks, other items', () => {
    const refused: [string, TransactOperation, TransactOperation][] = [
      [
        'a fraction (0.1 + 0.2 is not exact in JavaScript)',
        table.updateOp('a', 1, { add: { n: 0.1 } }),
        table.updateOp('a', 1, { add: { n: 0.2 } }),
      ],
      [
        'a sum beyond 2^53',
        table.updateOp('a', 1, { add: { n: Number.MAX_SAFE_INTEGER } }),
        table.updateOp('a', 1, { add: { n: 1 } }),
      ],
      [
        'ADD to a SET string',
        table.updateOp('a', 1, { set: { n: 'x' } }),
        table.updateOp('a', 1, { add: { n: 1 } }),
      ],
      [
        'a set-typed ADD',
        table.updateOp('a', 1, { add: { tags: new Set(['x']) } }),
        table.updateOp('a', 1, { add: { tags: new Set(['y']) } }),
      ],
      [
        'a condition',
        table.updateOp('a', 1, { add: { n: 1 } }, { condition: { expression: 'attribute_exists(pk)' } }),
        table.updateOp('a', 1, { add: { n: 1 } }),
      ],
      [
        'an optimistic lock',
        table.updateOp('a', 1, { add: { n: 1 } }),
        table.updateOp('a', 1, { add: { n: 1 } }, { optimisticLock: { attribute: 'v', current: 1 } }),
      ],
      ['two items', table.updateOp('a', 1, { add: { n: 1 } }), table.updateOp('a', 2, { add: { n: 1 } })],
      [
        'a condition check',
        table.updateOp('a', 1, { add: { n: 1 } }),
        table.conditionCheckOp('a', 1, { expression: 'attribute_exists(pk)' }),
      ],
    ];
    for (const [what, first, second] of refused) {
      expect(mergeOperations(first, second), what).to.equal(undefined);
    }
  });

  it("a change to the caller's objects after building does not change the merge", () => {
    const changes = { add: { n: 1 } };
    const first = table.updateOp('a', 1, changes);
    changes.add.n = 100;
    expect(effect(merge(first, table.updateOp('a', 1, { add: { n: 1 } })))).to.deep.equal({ ADD: ['n 2'] });
  });
});
