import test from 'ava';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

// Every command and option `soccer-rig --help` offers is in the README, where a newcomer reads:
// an option only the help text knows is one nobody finds before they need it.

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));

test('every command and option of soccer-rig --help is in README.md', async (t) => {
  const help = await runCli(t, ['--help']);
  t.is(help.exitCode, 0);
  const text = await readFile(readme, 'utf8');
  const commands = [...help.stdout.matchAll(/^ {2}soccer-rig ([a-z][a-z-]+)/gm)].map((m) => m[1]!);
  t.true(commands.length >= 5, `commands found in --help: ${commands.join(', ')}`);
  const options = [...new Set([...help.stdout.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]))].filter((o) => o !== '--help');
  t.true(options.length >= 10, `options found in --help: ${options.join(', ')}`);
  t.deepEqual(commands.filter((c) => !text.includes(`cli.js ${c}`) && !text.includes(`soccer-rig ${c}`)), [], 'commands the README never shows');
  t.deepEqual(options.filter((o) => !new RegExp(`${o}(?![\\w-])`).test(text)), [], 'options the README never mentions');
});
