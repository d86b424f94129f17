import { expect } from 'chai';
import { EventStore, Projector, Table } from '../../src/index.js';

const table = new Table({
  tableName: 'no-such-table',
  partitionKeyName: 'pk',
  sortKeyName: 'sk',
  endpoint: { url: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'x' },
});

describe('unit: Projector.projectionNames', () => {
  it('lists the projections in the order given, as a copy the caller cannot change the projector with', () => {
    const projector = new Projector({
      events: new EventStore({ table }),
      projections: [
        { name: 'balances', project: () => [] },
        { name: 'audit-v2', categories: ['account'], project: () => [] },
      ],
    });
    const names = projector.projectionNames;
    expect(names).to.deep.equal(['balances', 'audit-v2']);
    names.push('intruder');
    expect(projector.projectionNames).to.deep.equal(['balances', 'audit-v2']);
  });
});
