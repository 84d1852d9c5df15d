import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTestConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

test('chrony-config prints the node\'s chrony drop-in from its config (peers, orphan mode, the chrony section)', async (t) => {
  const dir = await tempDir(t);
  const config = await writeTestConfig(dir, {
    peers: [{ cameraId: 'CAM_C', host: '10.42.0.12', port: 49737 }, { cameraId: 'CAM_R', host: '10.42.0.13', port: 49737 }],
    chrony: { localStratum: 9, pools: ['2.debian.pool.ntp.org'] },
  });
  const r = await runCli(t, ['chrony-config', '--config', config]);
  t.is(r.exitCode, 0, r.all);
  t.regex(r.stdout, /^# soccer-rig CAM_L: generated from node\.yaml/);
  t.regex(r.stdout, /^peer 10\.42\.0\.12 minpoll 0 maxpoll 2 xleave$/m);
  t.regex(r.stdout, /^peer 10\.42\.0\.13 /m);
  t.regex(r.stdout, /^local stratum 9 orphan$/m);
  t.regex(r.stdout, /^pool 2\.debian\.pool\.ntp\.org iburst$/m);
  t.regex(r.stdout, /^makestep 1 3$/m);
});

test('chrony-config: no --config is a usage error; a bad config names the field', async (t) => {
  const none = await runCli(t, ['chrony-config']);
  t.is(none.exitCode, 2);
  t.regex(none.all, /--config FILE is required/);
  const dir = await tempDir(t);
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'version: 1\ncamera:\n  id: CAM_L\nchrony:\n  localStratum: 99\n');
  const r = await runCli(t, ['chrony-config', '--config', bad]);
  t.is(r.exitCode, 2);
  t.regex(r.all, /chrony\.localStratum/);
});
