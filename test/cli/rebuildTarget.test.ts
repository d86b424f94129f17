import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli as runInProcess } from '../../src/cli/cli.js';
import { recordingIo } from './helpers.js';

/**
 * `rebuild <name>` picks a projection or a category, with stand-ins for the projector and the
 * repository (the CLI only needs their shape): no DynamoDB involved.
 */
const CONFIG = `
globalThis.calls = [];
export default {
  projector: {
    projectionNames: ['account', 'balances'],
    status: async (name) => ({ name, parked: [], applied: 0 }),
    rebuild: async (name, options) => {
      globalThis.calls.push(['projection', name, options.segments, options.segment, options.concurrency]);
      options.onProgress({ streams: 1, events: 3, applied: 3 });
      return { streams: 1, events: 3, applied: 3 };
    },
    retryParked: async () => ({ retried: 0, parked: 0 }),
  },
  repositories: [
    {
      category: 'account',
      rebuildAll: async (options) => {
        globalThis.calls.push(['category', 'account', options.segments, undefined, options.concurrency]);
        return { streams: 2, events: 5, failed: [{ streamId: 'account-9', error: new Error('reduce threw\\nsecond line') }] };
      },
    },
  ],
};
`;

describe('dynago rebuild: a projection or a category', () => {
  let dir: string;
  const calls = () => (globalThis as unknown as { calls: unknown[] }).calls;
  const rebuild = async (...args: string[]) => {
    const io = recordingIo(false);
    const code = await runInProcess(['rebuild', ...args], {
      io,
      cwd: dir,
      signal: new AbortController().signal,
    });
    return { code, ...io.text };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynago-cli-target-'));
    await writeFile(join(dir, 'dynago.config.mjs'), CONFIG);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a name that is both: exit 2 asking which; --projection and --category settle it', async () => {
    const both = await rebuild('account');
    expect(both.code).to.equal(2);
    expect(both.err).to.equal(
      'dynago rebuild: "account" is both a projection and a category: add --projection or --category. See "dynago rebuild --help".\n',
    );
    const projection = await rebuild(
      'account',
      '--projection',
      '--segments',
      '8',
      '--segment',
      '3',
      '--concurrency',
      '2',
    );
    expect(projection.code, projection.err).to.equal(0);
    expect(projection.out).to.match(/^rebuilt projection account: 3 events of 1 stream, 3 applied in 0:00/);
    expect(calls().at(-1)).to.deep.equal(['projection', 'account', 8, 3, 2]);
    const category = await rebuild('account', '--category');
    expect(category.out).to.match(/^rebuilt category account: 5 events of 2 streams in 0:00/);
    expect(calls().at(-1)).to.deep.equal(['category', 'account', undefined, undefined, undefined]);
    // streams that could not be rebuilt: listed, one line each, exit 1
    expect(category.code).to.equal(1);
    expect(category.err).to.equal('failed: account-9: reduce threw\n1 stream could not be rebuilt.\n');
  });

  it('a plain projection name needs no flag; bad numbers are usage errors', async () => {
    expect((await rebuild('balances')).code).to.equal(0);
    expect(calls().at(-1)).to.deep.equal(['projection', 'balances', undefined, undefined, undefined]);
    const segment = await rebuild('balances', '--segment', '4');
    expect(segment.code).to.equal(2);
    expect(segment.err).to.match(/^dynago rebuild: --segment must be below --segments \(4\), got 4\./);
    const both = await rebuild('balances', '--projection', '--category');
    expect(both.code).to.equal(2);
    expect(both.err).to.match(/--projection and --category exclude each other/);
  });
});
