/** NoDynamoDBError belongs to dynago/testing: the core catalogue (`dynago`) does not carry test tooling. */
import { expect } from 'chai';
import * as core from '../../src/index.js';
import { NoDynamoDBError } from '../../src/testing/index.js';

describe('NoDynamoDBError', () => {
  it('is exported by dynago/testing, not by dynago', () => {
    expect(Object.keys(core)).not.to.include('NoDynamoDBError');
    expect(NoDynamoDBError).to.be.a('function');
  });

  it('keeps its code testing.noDynamoDB and is a DynagoError', () => {
    const error = new NoDynamoDBError('no DynamoDB');
    expect(error).to.be.instanceOf(core.DynagoError);
    expect(error.code).to.equal('testing.noDynamoDB');
    expect(core.DynagoError.is(error, 'testing.')).to.equal(true);
    expect(error.name).to.equal('NoDynamoDBError');
  });
});
