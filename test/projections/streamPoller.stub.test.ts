/**
 * StreamPoller against a stubbed Streams client: a fake `send` that answers DescribeStream,
 * GetShardIterator and GetRecords from shards held in memory (iterators are `<shardId>:<index>`), and
 * throws the faults a test queues. What DynamoDB Local cannot show: shard lineage, expired iterators,
 * trimmed records, throttling, a missing stream. No DynamoDB is needed.
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  DynamoDBStreamsServiceException,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InternalServerError,
  LimitExceededException,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { expect } from 'chai';
import { DynamoDBError, ValidationError } from '../../src/errors.js';
import { InMemoryShardPositions, type ShardPosition } from '../../src/projections/shardPositions.js';
import {
  type PollerRetry,
  StreamNotFoundError,
  StreamPoller,
  type StreamPollerRunOptions,
  type StreamRecord,
} from '../../src/projections/streamPoller.js';
import { rejects } from '../support/helpers.js';

const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000';

interface FakeShard {
  id: string;
  parent?: string;
  records: StreamRecord[];
  closed: boolean;
}

interface Call {
  command: string;
  input: Record<string, unknown>;
}

/** Answers the three Streams calls from `shards`; `faults` are consulted (and used up) first. */
class FakeStreams {
  readonly shards: FakeShard[] = [];
  readonly calls: Call[] = [];
  /** Each fault returns the error to throw for a call, or undefined to let it through (it stays queued). */
  faults: ((call: Call) => Error | undefined)[] = [];
  /** Shards per DescribeStream page, records per GetRecords page. */
  describePage = 1;
  recordsPage = 2;

  shard(id: string, count: number, options: { parent?: string; closed?: boolean } = {}): FakeShard {
    const shard: FakeShard = { id, records: [], closed: options.closed ?? false };
    if (options.parent !== undefined) shard.parent = options.parent;
    this.shards.push(shard);
    this.add(id, count);
    return shard;
  }

  add(id: string, count: number): void {
    const shard = this.get(id);
    for (let n = 0; n < count; n++) {
      const index = shard.records.length + 1;
      shard.records.push({
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: `${id}-${String(index).padStart(4, '0')}`,
          Keys: { pk: { S: `item#${id}#${index}` } },
          NewImage: { pk: { S: `item#${id}#${index}` }, n: { N: String(index) } },
        },
      });
    }
  }

  get(id: string): FakeShard {
    const shard = this.shards.find((candidate) => candidate.id === id);
    if (!shard) throw new ResourceNotFoundException({ message: `no shard ${id}`, $metadata: {} });
    return shard;
  }

  /** As a DynamoDBStreamsClient: only `send` is used. */
  get client(): DynamoDBStreamsClient {
    return {
      send: (command: unknown, options?: { abortSignal?: AbortSignal }) => this.send(command, options),
    } as unknown as DynamoDBStreamsClient;
  }

  commands(name: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.command === name).map((call) => call.input);
  }

  private async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    await new Promise((resolve) => setImmediate(resolve));
    options?.abortSignal?.throwIfAborted();
    const call: Call = {
      command: (command as object).constructor.name,
      input: (command as { input: Record<string, unknown> }).input,
    };
    this.calls.push(call);
    for (const [index, fault] of this.faults.entries()) {
      const error = fault(call);
      if (error) {
        this.faults.splice(index, 1);
        throw error;
      }
    }
    if (command instanceof DescribeStreamCommand) {
      const start = command.input.ExclusiveStartShardId;
      const from = start === undefined ? 0 : this.shards.findIndex((shard) => shard.id === start) + 1;
      const page = this.shards.slice(from, from + this.describePage);
      const more = from + this.describePage < this.shards.length;
      return {
        StreamDescription: {
          StreamArn: ARN,
          StreamStatus: 'ENABLED',
          Shards: page.map((shard) => ({
            ShardId: shard.id,
            ...(shard.parent !== undefined ? { ParentShardId: shard.parent } : {}),
          })),
          ...(more ? { LastEvaluatedShardId: page.at(-1)?.id } : {}),
        },
      };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
      const shard = this.get(ShardId as string);
      if (ShardIteratorType === 'TRIM_HORIZON') return { ShardIterator: `${shard.id}:0` };
      const at = shard.records.findIndex((record) => record.dynamodb?.SequenceNumber === SequenceNumber);
      if (at < 0) {
        throw new TrimmedDataAccessException({ message: `${SequenceNumber} is trimmed`, $metadata: {} });
      }
      return { ShardIterator: `${shard.id}:${at + 1}` };
    }
    if (command instanceof GetRecordsCommand) {
      const [id, index] = (command.input.ShardIterator as string).split(':') as [string, string];
      const shard = this.get(id);
      const from = Number(index);
      const records = shard.records.slice(from, from + this.recordsPage);
      const next = from + records.length;
      const end = shard.closed && next >= shard.records.length;
      return { Records: records, ...(end ? {} : { NextShardIterator: `${id}:${next}` }) };
    }
    throw new Error(`unexpected command ${call.command}`);
  }
}

/** What `handle` saw: `<shardId>/<sequence number>` per record, in order. */
function recorder() {
  const seen: string[] = [];
  const batches: string[][] = [];
  const handle = async (records: StreamRecord[], shardId: string) => {
    const batch = records.map((record) => `${shardId}/${record.dynamodb?.SequenceNumber}`);
    batches.push(batch);
    seen.push(...batch);
  };
  return { seen, batches, handle };
}

/** Resolves once `done()` holds; fails after `ms`. */
async function until(done: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function poller(fake: FakeStreams, positions = new InMemoryShardPositions(), retries: PollerRetry[] = []) {
  return new StreamPoller({
    client: fake.client,
    streamArn: ARN,
    positions,
    pollIntervalMs: 5,
    describeIntervalMs: 20,
    retryDelay: { baseDelayMs: 1, maxDelayMs: 10 },
    onRetry: (retry) => retries.push(retry),
  });
}

/** Starts `run`; `stop()` aborts it and returns its outcome. */
function start(
  target: StreamPoller,
  handle: (records: StreamRecord[], shardId: string) => Promise<void>,
  onTrimmed: StreamPollerRunOptions['onTrimmed'] = async () => {},
) {
  const controller = new AbortController();
  const running = target.run(handle, { signal: controller.signal, onTrimmed });
  running.catch(() => {}); // awaited by stop(); never left unhandled if a test fails first
  return {
    running,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

const ids = (shard: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, n) => `${shard}/${shard}-${String(from + n).padStart(4, '0')}`);

describe('StreamPoller with a stubbed Streams client', () => {
  it('stubbed Streams client: a parent shard is drained before its child, both in order, the parent saved finished', async () => {
    const fake = new FakeStreams();
    // The child is listed first, on its own DescribeStream page: lineage, not listing order, decides.
    fake.shard('child', 3, { parent: 'parent' });
    fake.shard('parent', 5, { closed: true });
    const positions = new InMemoryShardPositions();
    const { seen, handle } = recorder();
    const run = start(poller(fake, positions), async (records, shardId) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // slow: the child would overtake if allowed
      await handle(records, shardId);
    });
    await until(() => seen.length === 8);
    await run.stop();

    expect(seen).to.deep.equal([...ids('parent', 1, 5), ...ids('child', 1, 3)]);
    expect(
      fake.commands('DescribeStreamCommand').some((input) => input.ExclusiveStartShardId === 'child'),
    ).to.equal(true);
    const firstChildIterator = fake.calls.findIndex(
      (call) => call.command === 'GetShardIteratorCommand' && call.input.ShardId === 'child',
    );
    const lastParentRead = fake.calls.findLastIndex(
      (call) =>
        call.command === 'GetRecordsCommand' && String(call.input.ShardIterator).startsWith('parent:'),
    );
    expect(firstChildIterator).to.be.greaterThan(lastParentRead);
    expect(positions.all()).to.deep.equal({
      parent: { sequenceNumber: 'parent-0005', finished: true },
      child: { sequenceNumber: 'child-0003' },
    });
  });

  it('stubbed Streams client: a parent saved finished in an earlier run is never read again; its child resumes after its position', async () => {
    const fake = new FakeStreams();
    fake.shard('parent', 5, { closed: true });
    fake.shard('child', 4, { parent: 'parent' });
    const positions = new InMemoryShardPositions({
      parent: { sequenceNumber: 'parent-0005', finished: true },
      child: { sequenceNumber: 'child-0002' },
    });
    const { seen, handle } = recorder();
    const run = start(poller(fake, positions), handle);
    await until(() => seen.length === 2);
    await run.stop();

    expect(seen).to.deep.equal(ids('child', 3, 4));
    expect(fake.commands('GetShardIteratorCommand')).to.deep.equal([
      {
        StreamArn: ARN,
        ShardId: 'child',
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        SequenceNumber: 'child-0002',
      },
    ]);
  });

  it('stubbed Streams client: ExpiredIteratorException renews the iterator from the saved position, nothing handled twice', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 6);
    let getRecords = 0;
    fake.faults.push((call) =>
      call.command === 'GetRecordsCommand' && ++getRecords === 2
        ? new ExpiredIteratorException({ message: 'Iterator expired', $metadata: { httpStatusCode: 400 } })
        : undefined,
    );
    const { seen, handle } = recorder();
    const run = start(poller(fake), handle);
    await until(() => seen.length === 6);
    await run.stop();

    expect(seen).to.deep.equal(ids('s', 1, 6));
    expect(
      fake
        .commands('GetShardIteratorCommand')
        .map((input) => input.SequenceNumber ?? input.ShardIteratorType),
    ).to.deep.equal(['TRIM_HORIZON', 's-0002']);
  });

  it('stubbed Streams client: TrimmedDataAccessException awaits onTrimmed (retried when it fails), then restarts from TRIM_HORIZON', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 3);
    // The saved position is older than anything still in the stream.
    const positions = new InMemoryShardPositions({ s: { sequenceNumber: 's-0000-trimmed' } });
    const { seen, handle } = recorder();
    const catchUps: number[] = [];
    const retries: PollerRetry[] = [];
    const run = start(poller(fake, positions, retries), handle, async () => {
      catchUps.push(seen.length);
      if (catchUps.length === 1) throw new Error('catch-up failed once');
    });
    await until(() => seen.length === 3);
    await run.stop();

    expect(catchUps).to.deep.equal([0, 0]); // twice (one failure), before any record was handled
    expect(retries.map((retry) => retry.operation)).to.deep.equal(['onTrimmed']);
    expect(fake.commands('GetShardIteratorCommand').map((input) => input.ShardIteratorType)).to.deep.equal([
      'AFTER_SEQUENCE_NUMBER',
      'TRIM_HORIZON',
    ]);
    expect(seen).to.deep.equal(ids('s', 1, 3));
    expect(await positions.load('s')).to.deep.equal({ sequenceNumber: 's-0003' });
  });

  it('stubbed Streams client: a child whose parent is gone (trimmed) before it was finished starts after onTrimmed', async () => {
    const fake = new FakeStreams();
    fake.shard('child', 2, { parent: 'gone' });
    const positions = new InMemoryShardPositions({ gone: { sequenceNumber: 'gone-0007' } });
    const { seen, handle } = recorder();
    const catchUps: number[] = [];
    const run = start(poller(fake, positions), handle, async () => {
      catchUps.push(seen.length);
    });
    await until(() => seen.length === 2);
    await run.stop();

    expect(catchUps).to.deep.equal([0]);
    expect(seen).to.deep.equal(ids('child', 1, 2));
    expect(await positions.load('gone')).to.deep.equal({ sequenceNumber: 'gone-0007', finished: true });
  });

  it('stubbed Streams client: throttling, server and network errors are retried with backoff, nothing skipped or repeated', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 5);
    const once = (command: string, error: Error) => {
      let used = false;
      return (call: Call) => {
        if (used || call.command !== command) return undefined;
        used = true;
        return error;
      };
    };
    fake.faults.push(
      once(
        'DescribeStreamCommand',
        new DynamoDBStreamsServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      ),
      once(
        'GetShardIteratorCommand',
        new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
      ),
      once('GetRecordsCommand', new LimitExceededException({ message: 'slow down', $metadata: {} })),
      once('GetRecordsCommand', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    );
    const retries: PollerRetry[] = [];
    const { seen, handle } = recorder();
    const run = start(poller(fake, new InMemoryShardPositions(), retries), handle);
    await until(() => seen.length === 5);
    await run.stop();

    expect(seen).to.deep.equal(ids('s', 1, 5));
    expect(retries.map((retry) => retry.operation)).to.deep.equal([
      'DescribeStream',
      'GetShardIterator',
      'GetRecords',
      'GetRecords',
    ]);
    for (const retry of retries) expect(retry.delayMs).to.be.within(0, 10);
  });

  it('stubbed Streams client: a rejecting handle gets the same batch again until it succeeds', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 4);
    const { batches, handle } = recorder();
    let failures = 0;
    const run = start(poller(fake), async (records, shardId) => {
      await handle(records, shardId);
      if (records[0]?.dynamodb?.SequenceNumber === 's-0003' && failures++ < 2)
        throw new Error('projection down');
    });
    await until(() => batches.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 30)); // a fifth batch would come by now
    await run.stop();

    expect(batches).to.deep.equal([ids('s', 1, 2), ids('s', 3, 4), ids('s', 3, 4), ids('s', 3, 4)]);
  });

  it('stubbed Streams client: DescribeStream ResourceNotFound rejects run with StreamNotFoundError', async () => {
    const fake = new FakeStreams();
    fake.faults.push((call) =>
      call.command === 'DescribeStreamCommand'
        ? new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} })
        : undefined,
    );
    const controller = new AbortController();
    const error = await rejects(
      poller(fake).run(async () => {}, { signal: controller.signal, onTrimmed: async () => {} }),
      StreamNotFoundError,
    );
    expect(error.code).to.equal('table.notFound');
    expect(error.streamArn).to.equal(ARN);
  });

  it('stubbed Streams client: an error no retry can fix stops every shard and rejects run with a DynamoDBError', async () => {
    const fake = new FakeStreams();
    fake.shard('a', 0);
    fake.shard('b', 0);
    fake.faults.push((call) =>
      call.command === 'GetRecordsCommand' && String(call.input.ShardIterator).startsWith('b:')
        ? new DynamoDBStreamsServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
            message: 'not allowed',
          })
        : undefined,
    );
    const controller = new AbortController();
    const error = await rejects(
      poller(fake).run(async () => {}, { signal: controller.signal, onTrimmed: async () => {} }),
      DynamoDBError,
    );
    expect(error.message).to.contain('AccessDeniedException').and.contain('shard "b"');
    const callsAfter = fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.calls.length).to.equal(callsAfter); // shard a stopped too
  });

  it('stubbed Streams client: an abort during the idle wait resolves run at once', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 1);
    const { seen, handle } = recorder();
    const slow = new StreamPoller({
      client: fake.client,
      streamArn: ARN,
      positions: new InMemoryShardPositions(),
      pollIntervalMs: 60_000,
      describeIntervalMs: 60_000,
    });
    const run = start(slow, handle);
    await until(() => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await run.stop();
    expect(Date.now() - started).to.be.lessThan(200);
  });

  it('stubbed Streams client: run refuses a missing onTrimmed, and bad options are refused at construction', async () => {
    const fake = new FakeStreams();
    const target = poller(fake);
    await rejects(
      target.run(async () => {}, { signal: new AbortController().signal } as StreamPollerRunOptions),
      ValidationError,
    );
    expect(
      () =>
        new StreamPoller({
          client: fake.client,
          streamArn: ARN,
          positions: new InMemoryShardPositions(),
          pollIntervalMs: -1,
        }),
    ).to.throw(ValidationError);
    expect(fake.calls).to.deep.equal([]);
  });

  it('stubbed Streams client: ownsRecord and ignore keep records from handle, and a batch of nothing else saves no position', async () => {
    const fake = new FakeStreams();
    fake.shard('s', 4);
    const saved: ShardPosition[] = [];
    const positions = new InMemoryShardPositions();
    const watched = Object.assign(Object.create(positions) as InMemoryShardPositions, {
      save: async (shardId: string, position: ShardPosition) => {
        saved.push(position);
        await positions.save(shardId, position);
      },
      ownsRecord: (record: StreamRecord) => record.dynamodb?.SequenceNumber === 's-0003',
    });
    const { seen, handle } = recorder();
    const target = new StreamPoller({
      client: fake.client,
      streamArn: ARN,
      positions: watched,
      pollIntervalMs: 5,
      describeIntervalMs: 20,
      ignore: (record) => record.dynamodb?.SequenceNumber === 's-0004',
    });
    const run = start(target, handle);
    await until(() => fake.commands('GetRecordsCommand').length >= 4);
    await run.stop();

    expect(seen).to.deep.equal(ids('s', 1, 2));
    expect(saved).to.deep.equal([{ sequenceNumber: 's-0002' }]);
  });
});
