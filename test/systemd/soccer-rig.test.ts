import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../helpers/tmp.js';
import { GUARD, REPO } from '../actors/updater/helpers.js';

const UNIT = join(REPO, 'systemd', 'soccer-rig.service');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasAnalyze) console.log('skipping systemd-analyze verify: systemd-analyze is not installed');

(hasAnalyze ? test : test.skip)('soccer-rig.service passes systemd-analyze verify (paths moved under a temp install root)', async (t) => {
  // verify checks that ExecStart/ExecStartPre exist: lay out a root the way the field install does.
  const root = await tempDir(t);
  await mkdir(join(root, 'releases', '1.0.0', 'bin'), { recursive: true });
  await writeFile(join(root, 'releases', '1.0.0', 'bin', 'soccer-rig'), '#!/bin/sh\n');
  await chmod(join(root, 'releases', '1.0.0', 'bin', 'soccer-rig'), 0o755);
  await execa('ln', ['-s', 'releases/1.0.0', join(root, 'current')]);
  await copyFile(GUARD, join(root, 'boot-guard.sh'));
  const unit = (await readFile(UNIT, 'utf8')).replaceAll('/opt/soccer-rig', root);
  await writeFile(join(root, 'soccer-rig.service'), unit);
  const r = await execa('systemd-analyze', ['verify', join(root, 'soccer-rig.service')], { reject: false });
  t.is(r.exitCode, 0, `${r.stdout}${r.stderr}`);
  t.notRegex(r.stderr, /soccer-rig\.service/, r.stderr);
});

test('the unit starts the release through current, after the boot guard from the install root, and always restarts', async (t) => {
  const unit = await readFile(UNIT, 'utf8');
  t.regex(unit, /^ExecStartPre=\/opt\/soccer-rig\/boot-guard\.sh \/opt\/soccer-rig \/var\/lib\/soccer-rig$/m);
  t.regex(unit, /^ExecStart=\/opt\/soccer-rig\/current\/bin\/soccer-rig node --config \/etc\/soccer-rig\/node\.yaml$/m);
  t.regex(unit, /^Restart=always$/m);
  t.regex(unit, /^User=soccer$/m);
  t.notRegex(unit, /ExecStartPre=.*current/, 'the guard must not come from the release it may roll back');
});
