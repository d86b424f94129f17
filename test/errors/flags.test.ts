/**
 * The two "what next" flags of the catalogue: `retryable` (send the same request again) and
 * `reloadable` (reload, decide again, send a new request). No DynamoDB needed.
 */
import { expect } from 'chai';
import {
  BatchIncompleteError,
  ConcurrencyError,
  ConditionFailedError,
  DynagoError,
  DynamoDBError,
  DynamoDBUnavailableError,
  OptimisticLockError,
  TransactionCanceledError,
  ValidationError,
} from '../../src/index.js';

describe('DynagoError flags: retryable vs reloadable', () => {
  it('ConcurrencyError is reloadable, not retryable: the same append would fail the same way', () => {
    const error = new ConcurrencyError('order-1', 3, 5);
    expect(error.retryable).to.equal(false);
    expect(error.reloadable).to.equal(true);
  });

  it('OptimisticLockError is reloadable, not retryable', () => {
    const error = new OptimisticLockError('version', 2, { version: 3 });
    expect(error.retryable).to.equal(false);
    expect(error.reloadable).to.equal(true);
  });

  it('transport failures are retryable, not reloadable', () => {
    for (const error of [
      new DynamoDBUnavailableError('down'),
      new BatchIncompleteError('left over', []),
      new DynamoDBError('server fault', { retryable: true }),
    ]) {
      expect(error.retryable, error.name).to.equal(true);
      expect(error.reloadable, error.name).to.equal(false);
    }
  });

  it('conditions of the caller, bad input and unknown failures are neither', () => {
    for (const error of [
      new ConditionFailedError('no', undefined),
      new TransactionCanceledError([{ code: 'ConditionalCheckFailed' }]),
      new ValidationError('bad'),
      new DynamoDBError('odd'),
    ]) {
      expect(error.retryable, error.name).to.equal(false);
      expect(error.reloadable, error.name).to.equal(false);
    }
  });

  it('never both: retryable wins, so no caller runs a retry loop and a reload loop on one error', () => {
    const error = new DynagoError('dynamodb.error', 'both asked', { retryable: true, reloadable: true });
    expect(error.retryable).to.equal(true);
    expect(error.reloadable).to.equal(false);
  });
});

describe('ConcurrencyError message', () => {
  it("with expectedVersion 'any' names no made-up version (no NaN)", () => {
    const error = new ConcurrencyError('order-1', 'any', undefined);
    expect(error.message).not.to.contain('NaN');
    expect(error.message).to.contain("expectedVersion 'any'");
    expect(error.message).to.contain('order-1');
  });

  it("with expectedVersion 'any' and a known version, says where the stream is", () => {
    const error = new ConcurrencyError('order-1', 'any', 12);
    expect(error.message).not.to.contain('NaN');
    expect(error.message).to.contain('version 12');
  });

  it('with a number, names the version that was taken', () => {
    expect(new ConcurrencyError('order-1', 3, undefined).message).to.contain('version 4 is already taken');
    expect(new ConcurrencyError('order-1', 3, 7).message).to.contain('it is at version 7');
  });
});
