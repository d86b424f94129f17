/** The cursor codec (src/table/cursor.ts), no DynamoDB: round trips, opacity, and every kind of tampering. */
import { expect } from 'chai';
import { InvalidCursorError } from '../../src/errors.js';
import { CursorCodec, fingerprint } from '../../src/table/cursor.js';
import { throws } from '../support/helpers.js';

describe('CursorCodec (unit)', () => {
  const codec = new CursorCodec('secret');
  const query = fingerprint(['table', 'pk = :pk', { ':pk': 'account#1' }]);
  const lastKey = { pk: 'account#1', sk: 42, bin: new Uint8Array([0, 255]) };

  it('round-trips a key, binary included, as an opaque URL-safe string', () => {
    const cursor = codec.encode(lastKey, query);
    expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
    expect(cursor).to.not.contain('account');
    expect(codec.decode(cursor, query)).to.deep.equal(lastKey);
  });

  it('gives the same fingerprint whatever the key order, and a different one for other values', () => {
    expect(fingerprint([{ a: 1, b: new Set(['y', 'x']) }])).to.equal(
      fingerprint([{ b: new Set(['x', 'y']), a: 1 }]),
    );
    expect(fingerprint([{ a: 1 }])).to.not.equal(fingerprint([{ a: 2 }]));
  });

  it('rejects a cursor from another query, another secret, or edited', () => {
    const cursor = codec.encode(lastKey, query);
    const other = fingerprint(['table', 'pk = :pk', { ':pk': 'account#2' }]);
    expect(throws(() => codec.decode(cursor, other), InvalidCursorError).message).to.contain('another query');
    throws(() => new CursorCodec('other secret').decode(cursor, query), InvalidCursorError);
    const flipped = `${cursor.slice(0, 40)}${cursor[40] === 'A' ? 'B' : 'A'}${cursor.slice(41)}`;
    throws(() => codec.decode(flipped, query), InvalidCursorError);
    throws(() => codec.decode(cursor.slice(0, -4), query), InvalidCursorError);
  });

  it('rejects what is not a cursor at all', () => {
    for (const bad of [undefined, 42, '', 'short', '{"pk":"a"}', 'a'.repeat(40)]) {
      const error = throws(() => codec.decode(bad, query), InvalidCursorError);
      expect(error.code).to.equal('cursor.invalid');
    }
  });
});
