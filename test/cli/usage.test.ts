import { expect } from 'chai';
import { findFreePort } from '../../src/testing/index.js';
import { lines, runCli } from './helpers.js';

/** One line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(result: { stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.stdout).to.equal('');
  expect(lines(result.stderr), result.stderr).to.have.length(1);
  expect(result.stderr).to.match(pattern);
  expect(result.stderr).not.to.match(/\n\s+at /);
}

describe('dynago: usage, help and errors', function () {
  this.timeout(20_000);

  it('--help prints the commands, exit 0; every command has its own --help', async () => {
    const tool = await runCli(['--help']);
    expect(tool.code).to.equal(0);
    for (const name of ['create-table', 'read', 'tail', 'stats', 'projections', 'rebuild', 'retry-parked']) {
      expect(tool.stdout).to.match(new RegExp(`^  ${name} `, 'm'));
    }
    const read = await runCli(['read', '--help']);
    expect(read.code).to.equal(0);
    expect(read.stdout).to.match(/^Usage: dynago read <streamId> \[options\]/);
    expect(read.stdout).to.include('--backward');
    const help = await runCli(['help', 'read']);
    expect(help.stdout).to.equal(read.stdout);
  });

  it('no command: the help on stderr, exit 2', async () => {
    const result = await runCli([]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.match(/^Usage: dynago <command>/);
  });

  it('a bad flag, a missing argument, a bad number, an unknown command: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['read', 'account-1', '--bogus'],
        /^dynago read: unknown option --bogus\. See "dynago read --help"\.\n$/,
      ],
      [['read'], /^dynago read: missing <streamId>\./],
      [
        ['read', 'account-1', '--limit', 'ten', '--table', 't'],
        /--limit must be a whole number 1 or more, got "ten"/,
      ],
      [['read', 'account-1', '--json=yes'], /--json takes no value/],
      [['read', 'account-1', 'extra'], /unexpected argument "extra"/],
      [['stats', '--endpoint', 'localhost:8000', '--table', 't'], /the endpoint must be an http\(s\) URL/],
      [['frobnicate'], /^dynago: unknown command "frobnicate"; commands: create-table, read/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, index) => {
      const [args, pattern] = cases[index] as [string[], RegExp];
      expect(result.code, args.join(' ')).to.equal(2);
      expectOneLineError(result, pattern);
    });
  });

  it('no table anywhere: exit 2 naming --table and DYNAGO_TABLE', async () => {
    const result = await runCli(['stats', '--endpoint', 'http://127.0.0.1:1']);
    expect(result.code).to.equal(2);
    expectOneLineError(result, /no table: pass --table <name> or set DYNAGO_TABLE/);
  });

  it('an unreachable endpoint: one line, exit 1; DYNAGO_DEBUG=1 adds the stack', async () => {
    const port = await findFreePort(); // nothing listens there
    const endpoint = `http://127.0.0.1:${port}`;
    const result = await runCli(['read', 'account-1', '--table', 'events', '--endpoint', endpoint]);
    expect(result.code).to.equal(1);
    expectOneLineError(
      result,
      new RegExp(`^dynago read: cannot reach DynamoDB at ${endpoint} \\(ECONNREFUSED\\)`),
    );
    expect(result.ms).to.be.below(10_000);
    const debug = await runCli(['stats', '--table', 'events', '--endpoint', endpoint], {
      env: { DYNAGO_DEBUG: '1' },
    });
    expect(debug.code).to.equal(1);
    expect(debug.stderr).to.match(/^dynago stats: cannot reach DynamoDB/);
    expect(debug.stderr).to.match(/\n\s+at /);
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^\d+\.\d+\.\d+/);
  });
});
