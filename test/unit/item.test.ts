/** Item sizing and checks (src/table/item.ts), no DynamoDB: DynamoDB's size rules, and what cannot be stored. */
import { expect } from 'chai';
import { ItemTooLargeError, ValidationError } from '../../src/errors.js';
import { byteLength, checkItem, inspectItem, MAX_ITEM_BYTES } from '../../src/internal/item.js';
import { throws } from '../support/helpers.js';

describe('item sizing (unit)', () => {
  it('byteLength counts UTF-8 bytes', () => {
    expect(byteLength('')).to.equal(0);
    expect(byteLength('abc')).to.equal(3);
    expect(byteLength('é')).to.equal(2);
    expect(byteLength('€')).to.equal(3);
    expect(byteLength('😀')).to.equal(4);
  });

  it('sizes each type by DynamoDB rules: names plus values', () => {
    expect(inspectItem({ a: 'abc' }, 'item')).to.equal(1 + 3);
    expect(inspectItem({ ok: true, no: null }, 'item')).to.equal(2 + 1 + 2 + 1);
    expect(inspectItem({ b: new Uint8Array(5) }, 'item')).to.equal(1 + 5);
    // A list or map costs 3 bytes, plus 1 per element (and the key's name in a map).
    expect(inspectItem({ l: [1, 'ab'] }, 'item')).to.equal(1 + 3 + (1 + 2) + (1 + 2));
    expect(inspectItem({ m: { x: 'y' } }, 'item')).to.equal(1 + 3 + (1 + 1 + 1));
    // A set costs only its elements.
    expect(inspectItem({ s: new Set(['ab', 'c']) }, 'item')).to.equal(1 + 3);
    // undefined properties are left out.
    expect(inspectItem({ a: 'x', gone: undefined }, 'item')).to.equal(2);
  });

  it('sizes numbers as two significant digits per byte plus one', () => {
    const size = (n: number) => inspectItem({ n }, 'item') - 1;
    expect(size(0)).to.equal(2);
    expect(size(7)).to.equal(2);
    expect(size(12345)).to.equal(4);
    expect(size(-12345)).to.equal(4);
    expect(size(1_000_000)).to.equal(2); // trailing zeros are not significant
    expect(size(1.5)).to.equal(2);
    expect(size(Number.MAX_SAFE_INTEGER)).to.equal(9); // 16 digits
  });

  it('rejects what DynamoDB cannot store, naming the path', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [Record<string, unknown>, string][] = [
      [{ n: Number.NaN }, 'item.n is NaN'],
      [{ n: Number.POSITIVE_INFINITY }, 'item.n is Infinity'],
      [{ n: 1n }, 'item.n is a BigInt'],
      [{ f: () => 1 }, 'item.f is a function'],
      [{ when: new Date() }, 'item.when is an instance of Date'],
      [{ s: new Set() }, 'item.s is an empty Set'],
      [{ s: new Set(['a', 1]) }, 'item.s must be a Set of strings'],
      [{ l: [1, undefined] }, 'item.l[1] is undefined inside a list'],
      [{ deep: { c: cyclic } }, 'item.deep.c.self refers back'],
    ];
    for (const [item, message] of cases) {
      expect(throws(() => inspectItem(item, 'item'), ValidationError).message).to.contain(message);
    }
  });

  it('checkItem throws ItemTooLargeError past 400 KB, with the size', () => {
    const name = 'data';
    expect(checkItem({ [name]: 'x'.repeat(MAX_ITEM_BYTES - name.length) }, 'item')).to.equal(MAX_ITEM_BYTES);
    const error = throws(
      () => checkItem({ [name]: 'x'.repeat(MAX_ITEM_BYTES - name.length + 1) }, 'item'),
      ItemTooLargeError,
    );
    expect(error.sizeBytes).to.equal(MAX_ITEM_BYTES + 1);
    expect(error.message).to.contain("over DynamoDB's item limit of 409600 bytes");
  });
});
