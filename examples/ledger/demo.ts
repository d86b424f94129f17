/**
 * `npm run demo`: the ledger on DynamoDB. Uses DYNAMODB_ENDPOINT when set, otherwise starts DynamoDB
 * Local through dynago/testing (Docker, or the jar with Java) and stops it at the end.
 *
 *   npm run demo -- --accounts 200 --operations 5000 --workers 8 --seed 1
 */
import { parseArgs } from 'node:util';
import { startDynamoDB } from 'dynago/testing';
import { fmt, runLedgerDemo } from './run.js';

// The SDK's notice that it will need Node 22 from 2027 is not news for this demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '200' },
    operations: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
  },
});

const db = await startDynamoDB();
let exitCode = 1;
try {
  const accounts = Number(values.accounts);
  const operations = Number(values.operations);
  const workers = Number(values.workers);
  console.log(`dynago ledger demo on DynamoDB at ${db.endpoint} (${db.source})`);
  console.log(
    `${accounts} accounts, ${operations} commands from ${workers} concurrent workers, seed ${values.seed}\n`,
  );
  const result = await runLedgerDemo({
    endpoint: db.endpoint,
    region: db.region,
    credentials: db.credentials,
    accounts,
    operations,
    workers,
    seed: Number(values.seed),
  });
  const { commands } = result;
  const requests = Object.entries(result.requests)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${fmt(count)}`)
    .join(', ');
  const totalRequests = Object.values(result.requests).reduce((total, count) => total + count, 0);
  console.log(`
Summary
  commands           ${fmt(operations)}: ${fmt(commands.deposits)} deposits, ${fmt(commands.withdrawals)} withdrawals, ${fmt(commands.transfers)} transfers
    acknowledged     ${fmt(commands.acknowledged)}
    refused          ${fmt(commands.refused)} (domain rules: insufficient funds)
    failed           ${fmt(commands.failed)}${
      commands.failed > 0
        ? ` (${Object.entries(commands.failures)
            .map(([name, count]) => `${name} ${count}`)
            .join(', ')})`
        : ''
    }
  events written     ${fmt(result.eventsWritten)} (${accounts} Opened included)
  conflicts retried  ${fmt(result.conflictsRetried)}
  requests sent      ${fmt(totalRequests)} (${requests})
  requests/command   ${result.requestsPerCommand.toFixed(2)} (the workload's requests over its ${fmt(operations + accounts)} commands, opens included)
  projection         balances read model: lag p50 ${result.projectionLag.p50} ms, p99 ${result.projectionLag.p99} ms; rebuild ${fmt(Math.round(result.projectionRebuildEventsPerSecond))} events/s
  time               workload ${(result.workloadMs / 1000).toFixed(1)} s (${fmt(Math.round((commands.acknowledged + commands.refused) / (result.workloadMs / 1000)))} commands/s), rebuild ${(result.rebuildMs / 1000).toFixed(1)} s

Checks`);
  for (const check of result.checks) console.log(`  ${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  console.log(result.ok ? '\nAll checks passed.' : '\nSOME CHECKS FAILED.');
  exitCode = result.ok ? 0 : 1;
} finally {
  await db.stop();
}
process.exit(exitCode);
