import { expect } from 'chai';
import {
  AggregateRepository,
  EventStore,
  MAX_STREAM_ID_BYTES,
  SnapshotStore,
  Table,
  ValidationError,
} from '../../src/index.js';

const table = (partitionKeyName: string, sortKeyName: string) =>
  new Table({
    tableName: 'no-such-table',
    partitionKeyName,
    sortKeyName,
    endpoint: { url: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'x' },
  });

describe('unit: the stores refuse tables whose keys clash with their fields; one id limit', () => {
  for (const name of ['data', 'type', 'id', 'metadata', 'timestamp', 'version', 'state']) {
    it(`a key attribute named "${name}" → ValidationError from EventStore and SnapshotStore`, () => {
      for (const [pk, sk] of [
        ['pk', name],
        [name, 'sk'],
      ] as const) {
        expect(() => new EventStore({ table: table(pk, sk) })).to.throw(
          ValidationError,
          new RegExp(`key attribute "${name}" has the name of a field`),
        );
        expect(() => new SnapshotStore({ table: table(pk, sk) })).to.throw(
          ValidationError,
          new RegExp(`key attribute "${name}"`),
        );
      }
    });
  }

  it('ordinary key names are accepted', () => {
    expect(() => new EventStore({ table: table('pk', 'sk') })).not.to.throw();
    expect(() => new SnapshotStore({ table: table('PK', 'SK') })).not.to.throw();
  });

  it(`one limit for ids: ${MAX_STREAM_ID_BYTES} bytes pass every store, one more fails every store, before any request`, async () => {
    const t = table('pk', 'sk');
    const events = new EventStore({ table: t });
    const snapshots = new SnapshotStore({ table: t });
    const repository = new AggregateRepository({
      category: 'c',
      events,
      snapshots,
      initialState: () => 0,
      reduce: () => 0,
    });
    const over = 'a'.repeat(MAX_STREAM_ID_BYTES + 1);
    const atLimit = 'a'.repeat(MAX_STREAM_ID_BYTES);
    const failures = [
      () => events.version(over),
      () => snapshots.load(over),
      () => snapshots.save(over, 0, { version: 1 }),
      () => repository.load(atLimit), // c- + 1024 bytes is over as a stream
    ];
    for (const run of failures) {
      let error: unknown;
      try {
        await run();
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as Error).message).to.match(/at most 1024 bytes/);
    }
    expect(repository.streamId('a'.repeat(MAX_STREAM_ID_BYTES - 2))).to.have.length(MAX_STREAM_ID_BYTES);
  });
});
