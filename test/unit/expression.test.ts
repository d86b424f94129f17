/** The expression builder (src/table/expression.ts), no DynamoDB: placeholders checked both ways, no collisions. */
import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { and, ExpressionBuilder } from '../../src/table/expression.js';
import { throws } from '../support/helpers.js';

describe('ExpressionBuilder (unit)', () => {
  it("merges the caller's placeholders with fresh ones of its own that never collide", () => {
    const builder = new ExpressionBuilder();
    const caller = builder.addCaller(
      '#dg0 = :dg0',
      { '#dg0': 'status' },
      { ':dg0': 'OPEN' },
      'options.condition',
    );
    const mine = `${builder.name('version')} = ${builder.value(3)}`;
    expect(mine).to.equal('#dg1 = :dg2');
    expect(builder.name('version'), 'the same attribute gets the same placeholder').to.equal('#dg1');
    expect(builder.build(caller, mine)).to.deep.equal({
      ExpressionAttributeNames: { '#dg0': 'status', '#dg1': 'version' },
      ExpressionAttributeValues: { ':dg0': 'OPEN', ':dg2': 3 },
    });
  });

  it('builds nothing when there are no placeholders', () => {
    expect(new ExpressionBuilder().build('attribute_exists(pk)')).to.deep.equal({});
  });

  it('rejects placeholders used but not given, given but not used, or malformed', () => {
    const cases: [() => unknown, string][] = [
      [
        () => new ExpressionBuilder().addCaller('#a = :a', {}, { ':a': 1 }, 'filter'),
        'name placeholder "#a"',
      ],
      [
        () => new ExpressionBuilder().addCaller('#a = :a', { '#a': 'a' }, {}, 'filter'),
        'value placeholder ":a"',
      ],
      [() => new ExpressionBuilder().addCaller('a = :a', {}, { ':a': undefined }, 'filter'), 'is undefined'],
      [() => new ExpressionBuilder().addCaller('a = b', { a: 'a' }, {}, 'filter'), 'must look like "#name"'],
      [() => new ExpressionBuilder().addCaller('a = b', {}, { v: 1 }, 'filter'), 'must look like ":value"'],
      [() => new ExpressionBuilder().addCaller('  ', {}, {}, 'filter'), 'non-empty expression'],
      [
        () => {
          const builder = new ExpressionBuilder();
          builder.addCaller('a = :x', {}, { ':x': 1, ':unused': 2 }, 'filter');
          return builder.build('a = :x');
        },
        'placeholder ":unused" is defined but not used',
      ],
      [
        () => {
          const builder = new ExpressionBuilder();
          builder.addCaller(':x = :x', {}, { ':x': 1 }, 'condition');
          return builder.addCaller(':x = :x', {}, { ':x': 2 }, 'filter');
        },
        'defined twice with different values',
      ],
    ];
    for (const [call, message] of cases) {
      expect(throws(call, ValidationError).message).to.contain(message);
    }
  });

  it('and() parenthesises each side and skips missing ones', () => {
    expect(and()).to.equal(undefined);
    expect(and(undefined, 'a = :a')).to.equal('a = :a');
    expect(and('a = :a', undefined, 'b OR c')).to.equal('(a = :a) AND (b OR c)');
  });
});
