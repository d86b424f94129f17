/**
 * Transaction cancellations DynamoDB Local does not produce (it neither throttles nor reports
 * ValidationError, ItemCollectionSizeLimitExceeded or TransactionConflict as reasons on demand): a
 * stubbed SDK answers TransactWriteItems with the cancellation instead of DynamoDB Local, or forwards
 * to it. Every test here uses the stub, and says so in its name.
 */
import {
  DynamoDBClient,
  ItemCollectionSizeLimitExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import {
  DynamoDBError,
  DynamoDBUnavailableError,
  ItemCollectionSizeLimitError,
  Table,
  TransactionCanceledError,
  TransactionConflictError,
  TransactionValidationError,
  ValidationError,
} from '../../src/index.js';
import { rejects } from '../support/helpers.js';
import { countRequests, createTestTable, testEndpoint } from '../support/tables.js';

type Input = Record<string, unknown>;
/** Answers one intercepted request; `forward` sends it on to DynamoDB Local. */
type Handler = (input: Input, forward: () => Promise<unknown>, call: number) => Promise<unknown>;

interface Stub {
  table: Table;
  /** The inputs of every intercepted request of the stubbed command. */
  inputs: Input[];
  destroy(): void;
}

type StackMiddleware = (
  next: (args: { input: Input }) => Promise<{ output: unknown }>,
  context: { commandName?: string },
) => (args: { input: Input }) => Promise<{ output: unknown }>;

/** A Table on `real`'s table whose `commandName` requests go through `handler`. */
function stubbed(real: Table, commandName: string, handler: Handler, transactionRetry = {}): Stub {
  const { url, region, accessKeyId, secretAccessKey } = testEndpoint();
  const base = new DynamoDBClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey } });
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const inputs: Input[] = [];
  const stack = client.middlewareStack as unknown as {
    add(middleware: StackMiddleware, options: { step: 'initialize'; priority: 'high'; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== commandName) return next(args);
      inputs.push(structuredClone(args.input));
      const forward = async () => (await next(args)).output;
      return { output: await handler(args.input, forward, inputs.length) };
    },
    { step: 'initialize', priority: 'high', name: 'stubbedSdk' },
  );
  const table = new Table({
    tableName: real.tableName,
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    client,
    transactionRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, ...transactionRetry },
  });
  return { table, inputs, destroy: () => base.destroy() };
}

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code, ...(Code === 'None' ? {} : { Message: `${Code}!` }) })),
  });

const TX = 'TransactWriteItemsCommand';

describe('transactWrite cancellation reasons (stubbed SDK)', () => {
  let real: Table;
  const ops = (table: Table, name: string) => [
    table.putOp(name, '1', { n: 1 }),
    table.putOp(name, '2', { n: 2 }),
  ];
  const stored = (name: string) => real.query('pk = :pk', { ':pk': name }, { consistentRead: true });

  before(async () => {
    real = await createTestTable({ prefix: 'cancellation' });
  });

  after(async () => {
    await real.deleteTable();
  });

  for (const code of ['ThrottlingError', 'ProvisionedThroughputExceeded']) {
    it(`${code} → DynamoDBUnavailableError, retryable, sent once (stubbed SDK)`, async () => {
      const exception = canceled('None', code);
      const stub = stubbed(real, TX, async () => {
        throw exception;
      });
      try {
        const error = await rejects(
          stub.table.transactWrite(ops(stub.table, 'throttled')),
          DynamoDBUnavailableError,
        );
        expect(error).not.to.be.instanceOf(TransactionCanceledError);
        expect(error.retryable).to.equal(true);
        expect(error.reloadable).to.equal(false);
        expect(error.cause).to.equal(exception);
        expect(error.message).to.contain(code);
        expect(stub.inputs).to.have.length(1);
      } finally {
        stub.destroy();
      }
    });
  }

  it('TransactionConflict → re-sent by the table with the SAME ClientRequestToken, then written (stubbed SDK)', async () => {
    const stub = stubbed(real, TX, async (_input, forward, call) => {
      if (call <= 2) throw canceled('TransactionConflict', 'None');
      return forward();
    });
    try {
      await stub.table.transactWrite(ops(stub.table, 'conflicted'));
      expect(stub.inputs).to.have.length(3);
      const tokens = new Set(stub.inputs.map((input) => input.ClientRequestToken));
      expect(tokens.size).to.equal(1);
      expect([...tokens][0])
        .to.be.a('string')
        .with.length.greaterThan(0);
    } finally {
      stub.destroy();
    }
    expect((await stored('conflicted')).items).to.have.length(2);
  });

  it('TransactionConflict every time → TransactionConflictError after transactionRetry.maxAttempts sends, retryable (stubbed SDK)', async () => {
    const stub = stubbed(real, TX, async () => {
      throw canceled('None', 'TransactionConflict');
    });
    try {
      const error = await rejects(
        stub.table.transactWrite(ops(stub.table, 'stuck'), { clientRequestToken: 'append-42' }),
        TransactionConflictError,
      );
      expect(error).not.to.be.instanceOf(TransactionCanceledError);
      expect(error.code).to.equal('transaction.conflict');
      expect(error.retryable).to.equal(true);
      expect(error.reloadable).to.equal(false);
      expect(error.attempts).to.equal(3);
      expect(error.reasons.map((reason) => reason.code)).to.deep.equal(['None', 'TransactionConflict']);
      expect(error.message).to.contain('3 times');
      // the caller's token, on every send
      expect(stub.inputs.map((input) => input.ClientRequestToken)).to.deep.equal([
        'append-42',
        'append-42',
        'append-42',
      ]);
    } finally {
      stub.destroy();
    }
    expect((await stored('stuck')).items).to.deep.equal([]);
  });

  it('aborting while waiting to re-send a conflicted transaction rejects with the reason, sending nothing more (stubbed SDK)', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const stub = stubbed(
      real,
      TX,
      async () => {
        setTimeout(() => controller.abort(reason), 0); // fires while the table sleeps before its re-send
        throw canceled('TransactionConflict', 'None');
      },
      { maxAttempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
    );
    try {
      let error: unknown;
      await stub.table.transactWrite(ops(stub.table, 'abort'), { signal: controller.signal }).catch((err) => {
        error = err;
      });
      expect(error).to.equal(reason);
      expect(stub.inputs).to.have.length(1);
    } finally {
      stub.destroy();
    }
  });

  it('ValidationError → TransactionValidationError (a ValidationError), not a conflict (stubbed SDK)', async () => {
    const stub = stubbed(real, TX, async () => {
      throw canceled('None', 'ValidationError');
    });
    try {
      const error = await rejects(
        stub.table.transactWrite(ops(stub.table, 'invalid')),
        TransactionValidationError,
      );
      expect(error).to.be.instanceOf(ValidationError);
      expect(error).not.to.be.instanceOf(TransactionCanceledError);
      expect(error.code).to.equal('validation.invalidInput');
      expect(error.retryable).to.equal(false);
      expect(error.reasons[1]).to.deep.equal({ code: 'ValidationError', message: 'ValidationError!' });
      expect(error.message).to.contain('#1: ValidationError');
      expect(stub.inputs).to.have.length(1);
    } finally {
      stub.destroy();
    }
  });

  it('ItemCollectionSizeLimitExceeded → ItemCollectionSizeLimitError, not a conflict (stubbed SDK)', async () => {
    const stub = stubbed(real, TX, async () => {
      throw canceled('ItemCollectionSizeLimitExceeded', 'None');
    });
    try {
      const error = await rejects(
        stub.table.transactWrite(ops(stub.table, 'full')),
        ItemCollectionSizeLimitError,
      );
      expect(error).not.to.be.instanceOf(TransactionCanceledError);
      expect(error.code).to.equal('validation.itemCollectionSizeLimit');
      expect(error.retryable).to.equal(false);
      expect(error.reasons?.[0]?.code).to.equal('ItemCollectionSizeLimitExceeded');
      expect(stub.inputs).to.have.length(1);
    } finally {
      stub.destroy();
    }
  });

  it('ItemCollectionSizeLimitExceededException on a single write → ItemCollectionSizeLimitError (stubbed SDK)', async () => {
    const stub = stubbed(real, 'PutItemCommand', async () => {
      throw new ItemCollectionSizeLimitExceededException({
        message: 'Collection size exceeded',
        $metadata: {},
      });
    });
    try {
      const error = await rejects(stub.table.putItem('full', '1', { n: 1 }), ItemCollectionSizeLimitError);
      expect(error.reasons).to.equal(undefined);
    } finally {
      stub.destroy();
    }
  });

  for (const [what, codes] of [
    ['no reasons', []],
    ['only None reasons', ['None', 'None']],
  ] as const) {
    it(`${what} → DynamoDBError, not a conflict (stubbed SDK)`, async () => {
      const stub = stubbed(real, TX, async () => {
        throw canceled(...codes);
      });
      try {
        const error = await rejects(stub.table.transactWrite(ops(stub.table, 'empty')), DynamoDBError);
        expect(error).not.to.be.instanceOf(TransactionCanceledError);
        expect(error.code).to.equal('dynamodb.error');
        expect(error.message).to.contain('without saying why');
      } finally {
        stub.destroy();
      }
    });
  }

  it('ConditionalCheckFailed wins over throttling and conflicts in the same cancellation (stubbed SDK)', async () => {
    const stub = stubbed(real, TX, async () => {
      throw canceled('TransactionConflict', 'ConditionalCheckFailed', 'ThrottlingError');
    });
    try {
      const error = await rejects(
        stub.table.transactWrite(ops(stub.table, 'cond')),
        TransactionCanceledError,
      );
      expect(error.reasons.map((reason) => reason.code)).to.deep.equal([
        'TransactionConflict',
        'ConditionalCheckFailed',
        'ThrottlingError',
      ]);
      expect(stub.inputs).to.have.length(1);
    } finally {
      stub.destroy();
    }
  });

  it('refuses a clientRequestToken DynamoDB would refuse (over 36 characters, empty), before any request', async () => {
    for (const token of ['x'.repeat(37), '']) {
      const requests = countRequests(real.client);
      try {
        const error = await rejects(
          real.transactWrite(ops(real, 'token'), { clientRequestToken: token }),
          ValidationError,
        );
        expect(error.message).to.contain('clientRequestToken');
        expect(requests.total()).to.equal(0);
      } finally {
        requests.detach();
      }
    }
  });
});
