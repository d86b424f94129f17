import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { loadConfig } from '../../src/cli/config.js';
import { DYNAGO_URL, ROOT, runCli } from './helpers.js';

const START =
  '<!-- dynago --help: start. Generated from the CLI by test/cli/readme.test.ts; DYNAGO_UPDATE_README=1 rewrites it. -->';
const END = '<!-- dynago --help: end -->';

/** The README's help section as the CLI prints it now: the tool's --help, then each command's. */
async function generatedSection(): Promise<string> {
  const runs = await Promise.all(
    [['--help'], ...COMMANDS.map((command) => [command.name, '--help'])].map((args) => runCli(args)),
  );
  const blocks = runs.map((result, index) => {
    expect(result.code, result.stderr).to.equal(0);
    const title = index === 0 ? '`dynago --help`' : `\`dynago ${COMMANDS[index - 1]?.name} --help\``;
    return `### ${title}\n\n\`\`\`text\n${result.stdout}\`\`\``;
  });
  return `${START}\n\n${blocks.join('\n\n')}\n\n${END}`;
}

describe('README: the command line section', function () {
  this.timeout(30_000);

  it("holds every command's --help exactly as the CLI prints it", async () => {
    const path = join(ROOT, 'README.md');
    const readme = await readFile(path, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, 'the README has the generated help section').to.be.greaterThan(-1);
    expect(end).to.be.greaterThan(start);
    const current = readme.slice(start, end + END.length);
    const generated = await generatedSection();
    if (process.env.DYNAGO_UPDATE_README === '1' && current !== generated) {
      await writeFile(path, readme.replace(current, generated));
      return;
    }
    expect(current).to.equal(
      generated,
      'README help is stale: run DYNAGO_UPDATE_README=1 npx mocha test/cli/readme.test.ts',
    );
  });

  it('its config example is a config the CLI accepts', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const example = /```js\n(\/\/ dynago\.config\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the README shows a dynago.config.mjs').to.be.a('string');
    const dir = await mkdtemp(join(tmpdir(), 'dynago-readme-config-'));
    try {
      const file = join(dir, 'dynago.config.mjs');
      await writeFile(file, (example as string).replace(/from 'dynago'/g, `from '${DYNAGO_URL}'`));
      const config = await loadConfig(file);
      expect(config.projector?.projectionNames).to.deep.equal(['balances']);
      expect([...config.repositories.keys()]).to.deep.equal(['account']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
