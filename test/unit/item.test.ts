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

  describe('says how to convert what cannot be stored, by its actual type', () => {
    class Money {
      constructor(
        readonly amount: number,
        readonly currency: string,
      ) {}
    }
    class Stamp {
      toJSON() {
        return '2024-01-01';
      }
    }
    const cases: [string, Record<string, unknown>, string[], string[]][] = [
      [
        'a Map: a plain object, Object.fromEntries',
        { prices: new Map([['a', 1]]) },
        ['item.prices is a Map', 'Use a plain object instead', 'Object.fromEntries(map)'],
        ['Date'],
      ],
      [
        'a class instance: a plain object of its data, not advice about Dates',
        { total: new Money(5, 'EUR') },
        ['item.total is an instance of Money', 'not class instances', '{ ...value }'],
        ['Date', 'toJSON'],
      ],
      [
        'a class instance with toJSON: its toJSON()',
        { at: new Stamp() },
        ['item.at is an instance of Stamp', 'store value.toJSON()'],
        ['Date'],
      ],
      [
        'a typed array other than Uint8Array: a Uint8Array of its bytes',
        { samples: new Float64Array([1.5]) },
        [
          'item.samples is an instance of Float64Array',
          'only Uint8Array is stored as binary',
          'Array.from(value)',
        ],
        ['Date'],
      ],
      [
        'an ArrayBuffer: a Uint8Array',
        { raw: new ArrayBuffer(4) },
        ['item.raw is an instance of ArrayBuffer', 'new Uint8Array(buffer)'],
        ['Date'],
      ],
      [
        'a Date: an ISO string or epoch milliseconds (as before)',
        { when: new Date(0) },
        ['item.when is an instance of Date', 'an ISO string or epoch milliseconds'],
        [],
      ],
      [
        'a Set of a string and a number: what it holds, and an array',
        { tags: new Set<unknown>(['a', 1]) },
        ['item.tags must be a Set of strings', 'it holds a string and a number', 'as an array ([...set])'],
        [],
      ],
      [
        'a Set of objects: what it holds, and an array',
        { tags: new Set([{ a: 1 }]) },
        ['it holds an object', 'as an array ([...set])'],
        [],
      ],
    ];
    for (const [what, item, says, saysNot] of cases) {
      it(what, () => {
        const { message } = throws(() => inspectItem(item, 'item'), ValidationError);
        for (const text of says) expect(message).to.contain(text);
        for (const text of saysNot) expect(message).not.to.contain(text);
      });
    }

    it('an item that is itself a Map or class instance gets the same advice', () => {
      const { message } = throws(() => inspectItem(new Map() as never, 'item'), ValidationError);
      expect(message).to.contain('item must be a plain object, got a Map');
      expect(message).to.contain('Object.fromEntries(map)');
    });
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
