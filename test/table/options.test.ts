/**
 * `new Table` checks every retry and timeout option at once, naming the option: a bad value must not
 * wait until the first unprocessed batch item (where `{ maxAttempts: undefined }` used to retry forever).
 * No request is sent by a constructor, so these need no table.
 */
import { expect } from 'chai';
import { Table, type TableOptions, ValidationError } from '../../src/index.js';
import { throws } from '../support/helpers.js';

const base = { tableName: 'options', partitionKeyName: 'pk', endpoint: { url: 'http://127.0.0.1:1' } };
const make = (extra: Record<string, unknown>) => () => new Table({ ...base, ...extra } as TableOptions);

describe('new Table: retry and timeout options', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['batchRetry.maxAttempts 0', { batchRetry: { maxAttempts: 0 } }, 'batchRetry.maxAttempts'],
    ['batchRetry.maxAttempts 2.5', { batchRetry: { maxAttempts: 2.5 } }, 'batchRetry.maxAttempts'],
    ['batchRetry.maxAttempts Infinity', { batchRetry: { maxAttempts: Infinity } }, 'batchRetry.maxAttempts'],
    ['batchRetry.maxAttempts null', { batchRetry: { maxAttempts: null } }, 'batchRetry.maxAttempts'],
    ["batchRetry.maxAttempts '3'", { batchRetry: { maxAttempts: '3' } }, 'batchRetry.maxAttempts'],
    ['batchRetry.baseDelayMs -1', { batchRetry: { baseDelayMs: -1 } }, 'batchRetry.baseDelayMs'],
    ['batchRetry.maxDelayMs NaN', { batchRetry: { maxDelayMs: Number.NaN } }, 'batchRetry.maxDelayMs'],
    ['a misspelt batchRetry key', { batchRetry: { maxRetries: 3 } }, 'batchRetry.maxRetries'],
    ['batchRetry not an object', { batchRetry: 3 }, 'batchRetry'],
    [
      'transactionRetry.maxAttempts 0',
      { transactionRetry: { maxAttempts: 0 } },
      'transactionRetry.maxAttempts',
    ],
    ['timeouts.connectMs 0', { timeouts: { connectMs: 0 } }, 'timeouts.connectMs'],
    ['timeouts.requestMs -5', { timeouts: { requestMs: -5 } }, 'timeouts.requestMs'],
    ["timeouts.requestMs '30s'", { timeouts: { requestMs: '30s' } }, 'timeouts.requestMs'],
    ['a misspelt timeouts key', { timeouts: { readMs: 10 } }, 'timeouts.readMs'],
    ['timeouts not an object', { timeouts: 1000 }, 'timeouts'],
  ];
  for (const [what, extra, option] of bad) {
    it(`refuses ${what}, naming ${option}`, () => {
      const error = throws(make(extra), ValidationError);
      expect(error.message).to.contain(option);
    });
  }

  it('treats a key set to undefined as left out (the default), never as "retry forever"', () => {
    // The unprocessed-items loop stops at maxAttempts; with undefined it used to compare against NaN.
    const table = make({ batchRetry: { maxAttempts: undefined }, timeouts: { connectMs: undefined } })();
    const ctx = (table as unknown as { ctx: { batchRetry: { maxAttempts: number } } }).ctx;
    expect(ctx.batchRetry.maxAttempts).to.equal(8);
  });

  it('accepts sound values: maxAttempts 1 means no retry, delays may be 0', () => {
    make({
      batchRetry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      transactionRetry: { maxAttempts: 5 },
      timeouts: { connectMs: 100, requestMs: 1_000 },
    })();
  });
});
