/** The event item's attributes (src/events/codec.ts), no DynamoDB: what `data` becomes when stored. */
import { expect } from 'chai';
import { eventAttributes } from '../../src/events/codec.js';

describe('unit: event attributes', () => {
  it('leave data out when it is undefined, so it reads back as undefined rather than null', () => {
    const item = eventAttributes({ id: 'e1', type: 'Nothing', data: undefined }, 1);
    expect('data' in item).to.equal(false);
    expect(item).to.deep.equal({ id: 'e1', type: 'Nothing', timestamp: 1 });
  });

  it('keep null and every other value as given', () => {
    expect(eventAttributes({ id: 'e1', type: 'Null', data: null }, 1).data).to.equal(null);
    expect(eventAttributes({ id: 'e1', type: 'Zero', data: 0 }, 1).data).to.equal(0);
    expect(eventAttributes({ id: 'e1', type: 'Empty', data: '' }, 1).data).to.equal('');
    expect(eventAttributes({ id: 'e1', type: 'Object', data: { a: 1 } }, 1).data).to.deep.equal({ a: 1 });
  });
});
