import { DynagoError, type DynagoErrorOptions } from '../errors.js';

/**
 * `dynago/testing` found no DynamoDB to run against. The message lists the ways to get one.
 *
 * It lives here, not in the core catalogue (src/errors.ts): only `dynago/testing` throws it, and an
 * application importing `dynago` should not carry test tooling. Its code stays `testing.noDynamoDB`,
 * so `DynagoError.is(err, 'testing.')` still matches it.
 */
export class NoDynamoDBError extends DynagoError {
  constructor(message: string, options: DynagoErrorOptions = {}) {
    super('testing.noDynamoDB', message, options);
  }
}
