import { expect } from 'chai';
import { eventOfRecord, repairEmptyMaps } from '../../src/projections/records.js';

const image = (extra: Record<string, unknown>) => ({
  pk: { S: 'event#account-7' },
  sk: { N: '3' },
  id: { S: 'e-3' },
  type: { S: 'Deposited' },
  timestamp: { N: '1700000000000' },
  ...extra,
});

describe('unit: stream records → events', () => {
  it("DynamoDB Local's empty map ({} instead of { M: {} }) reads as an empty map, at any depth", () => {
    expect(repairEmptyMaps({ data: {} })).to.deep.equal({ data: { M: {} } });
    expect(repairEmptyMaps({ data: { M: { inner: {}, list: { L: [{}, { S: 'x' }] } } } })).to.deep.equal({
      data: { M: { inner: { M: {} }, list: { L: [{ M: {} }, { S: 'x' }] } } },
    });
    const event = eventOfRecord(
      { eventName: 'INSERT', dynamodb: { NewImage: image({ data: {} }) } },
      'pk',
      'sk',
    );
    expect(event).to.deep.include({ streamId: 'account-7', category: 'account', version: 3, data: {} });
  });

  it('only INSERTs of event items are events: snapshots, other items and removals are not', () => {
    const insert = (NewImage: Record<string, unknown>, eventName = 'INSERT') => ({
      eventName,
      dynamodb: { NewImage },
    });
    expect(eventOfRecord(insert(image({ data: { M: {} } })), 'pk', 'sk')?.version).to.equal(3);
    expect(eventOfRecord(insert(image({ sk: { N: String(Number.MAX_SAFE_INTEGER) } })), 'pk', 'sk')).to.equal(
      undefined,
    );
    expect(eventOfRecord(insert(image({ pk: { S: 'checkpoint#p#account-7' } })), 'pk', 'sk')).to.equal(
      undefined,
    );
    expect(eventOfRecord(insert(image({}), 'MODIFY'), 'pk', 'sk')).to.equal(undefined);
    expect(eventOfRecord({ eventName: 'REMOVE', dynamodb: {} }, 'pk', 'sk')).to.equal(undefined);
  });
});
