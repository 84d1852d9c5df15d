import test from 'ava';
import { readFile } from 'node:fs/promises';
import { CLI } from '../helpers/cli.js';
import { NODE_FLAGS } from '../../runtime/node-flags.js';

// A shebang cannot import, so the installed `soccer-rig` command spells the flags out a
// second time; this is what keeps that copy equal to the one home every launcher uses.
test('the CLI\'s shebang runs node with exactly NODE_FLAGS', async (t) => {
  const first = (await readFile(CLI, 'utf8')).split('\n', 1)[0];
  t.is(first, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});
