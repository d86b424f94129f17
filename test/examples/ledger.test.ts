import { expect } from 'chai';
import { runLedgerDemo } from '../../examples/ledger/run.js';
import { testEndpoint } from '../support/tables.js';

describe('examples/ledger (the npm run demo workload, scaled down)', function () {
  this.timeout(120_000);

  it('keeps the books: rebuilt equals live, acknowledged commands applied once, money conserved', async () => {
    const endpoint = testEndpoint();
    const result = await runLedgerDemo({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
      accounts: 20,
      operations: 400,
      workers: 8,
      seed: 7,
      out: null,
    });
    const failed = result.checks
      .filter((check) => !check.ok)
      .map((check) => `${check.name}: ${check.detail}`);
    expect(failed).to.deep.equal([]);
    expect(result.checks).to.have.length(7); // the read-model checks included
    const { commands } = result;
    expect(commands.deposits + commands.withdrawals + commands.transfers).to.equal(400);
    expect(commands.acknowledged + commands.refused + commands.failed).to.equal(400);
    expect(commands.failed).to.equal(0);
    // the request minimum: a cached aggregate's command is its append alone (it was 4.4 before the cache)
    expect(result.requestsPerCommand).to.be.at.most(1.5);
    expect(result.requests.TransactWriteItems ?? 0).to.be.greaterThan(0, 'transfers go through appendMany');
  });
});
