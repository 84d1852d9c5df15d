import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { UpdaterCore } from '../../../actors/updater/updater.js';
import { UpdaterConfig } from '../../../actors/updater/config.js';
import { UpdateHistory } from '../../../actors/updater/history.js';
import { ingestRollbackNotes, superviseTrial } from '../../../actors/updater/trial.js';
import { StatusBoard } from '../../../runtime/status.js';
import { currentVersion } from '../../../runtime/release-layout.js';
import { readTrial } from '../../../runtime/release-install.js';
import { blankStatus } from '../../helpers/app.js';
import { fakeReleases, installedLayout, runGuard, REPO_NAME, twoReleases } from './helpers.js';

const releases = twoReleases(test);
const { k } = releases;

/** 0.2.0 applied over 0.1.0 and started once by systemd (the guard counted that start). */
async function applied(t: ExecutionContext) {
  const api = await fakeReleases(t);
  await api.publish(releases.v020);
  const l = await installedLayout(t, releases.v010);
  const history = new UpdateHistory(l.historyFile);
  const core = new UpdaterCore({
    config: () => UpdaterConfig.parse({ repo: REPO_NAME, apiBase: api.apiBase, publicKey: k.publicPem, trialDeadlineS: 300 }),
    board: new StatusBoard(blankStatus()), history, layout: l, running: '0.1.0',
  });
  await core.apply({ force: false });
  t.is((await runGuard(l)).exitCode, 0);
  t.like(await readTrial(l), { version: '0.2.0', attempts: 1 });
  return { l, history };
}

test('a new version that reports healthy commits itself: trial gone, success in history', async (t) => {
  const { l, history } = await applied(t);
  let failed = '';
  const r = await superviseTrial({ layout: l, history, running: '0.2.0', healthy: async () => true, fail: (why) => { failed = why; } });
  t.is(r, 'committed');
  t.is(failed, '');
  t.is(await readTrial(l), null);
  t.like((await history.list()).at(-1), { kind: 'success', from: '0.1.0', to: '0.2.0' });
  // Later starts are ordinary ones: the guard leaves the committed version alone.
  t.is((await runGuard(l)).exitCode, 0);
  t.is(await currentVersion(l), '0.2.0');
  t.deepEqual((await readdir(l.releases)).sort(), ['0.1.0', '0.2.0']);
});

const hasFaketime = spawnSync('faketime', ['-f', '+1s', 'true']).status === 0;
if (!hasFaketime) console.log('skipping the deadline rollback test: faketime is not installed');
(hasFaketime ? test : test.skip)('a new version that stays unhealthy past its deadline is rolled back by itself, and the rollback is in history', async (t) => {
  const { l, history } = await applied(t);
  let failed = '';
  let polls = 0;
  // Health never comes; the clock runs on 100 s per poll, so the 300 s deadline passes on the 4th poll.
  const r = await superviseTrial({
    layout: l, history, running: '0.2.0', healthy: async () => { polls += 1; return false; },
    fail: (why) => { failed = why; }, now: () => Date.now() + polls * 100_000, pollMs: 1,
  });
  t.is(r, 'failed');
  t.regex(failed, /trial of 0\.2\.0 failed/);
  t.like((await history.list()).at(-1), { kind: 'failed', code: 'HEALTH_DEADLINE', to: '0.2.0' });
  // systemd restarts the node; the guard runs on the machine's clock, now past the deadline.
  const guard = await execa('faketime', ['-f', '+400s', l.guard, l.root, l.stateDir], { reject: false });
  t.is(guard.exitCode, 0, guard.stderr);
  t.regex(guard.stderr, /rolled back to 0\.1\.0/);
  t.is(await currentVersion(l), '0.1.0');
  t.is(await readTrial(l), null);
  t.is((await execa(join(l.current, 'bin', 'soccer-rig'))).stdout.trim(), '0.1.0');
  // The old version, back up, files the guard's note into its history.
  t.is(await ingestRollbackNotes(l, history, '0.1.0'), 1);
  t.like((await history.list()).at(-1), { kind: 'rollback', code: 'DEADLINE_PASSED', from: '0.1.0', to: '0.2.0' });
  t.deepEqual((await readdir(l.stateDir)).filter((n) => n.startsWith('update-rollback')), []);
});

test('a new version that crashes before it can commit is rolled back after its allowed starts', async (t) => {
  const { l, history } = await applied(t);
  // Starts 2 and 3 are still allowed; the 4th start finds the attempts used up.
  for (const n of [2, 3]) {
    t.is((await runGuard(l)).exitCode, 0);
    t.like(await readTrial(l), { attempts: n });
    t.is(await currentVersion(l), '0.2.0');
  }
  const guard = await runGuard(l);
  t.regex(guard.stderr, /ATTEMPTS_EXCEEDED/);
  t.is(await currentVersion(l), '0.1.0');
  t.is(await ingestRollbackNotes(l, history, '0.1.0'), 1);
  t.like((await history.list()).at(-1), { kind: 'rollback', code: 'ATTEMPTS_EXCEEDED', to: '0.2.0' });
  const note = await readFile(l.historyFile, 'utf8');
  t.regex(note, /did not become healthy in 3 starts/);
});

test('a process that is not the version on trial leaves the trial alone', async (t) => {
  const { l, history } = await applied(t);
  const r = await superviseTrial({ layout: l, history, running: '0.1.0', healthy: async () => true, fail: () => t.fail('must not fail') });
  t.is(r, 'none');
  t.like(await readTrial(l), { version: '0.2.0' });
});
