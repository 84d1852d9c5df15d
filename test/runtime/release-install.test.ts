import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdir, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdaterCore } from '../../actors/updater/updater.js';
import { UpdaterConfig } from '../../actors/updater/config.js';
import { UpdateHistory } from '../../actors/updater/history.js';
import { StatusBoard } from '../../runtime/status.js';
import { currentVersion, type Layout } from '../../runtime/release-layout.js';
import { readTrial, type ApplyStep } from '../../runtime/release-install.js';
import { blankStatus } from '../helpers/app.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeReleases, fixtureRelease, installedLayout, runGuard, snapshot, REPO_NAME, twoReleases } from '../actors/updater/helpers.js';
import { NODE_FLAGS } from '../../runtime/node-flags.js';

const CHILD = fileURLToPath(new URL('./release-apply-child.js', import.meta.url));
const releases = twoReleases(test);
const { k } = releases;

/** What a node restarting after the crash must see: one complete release behind current, no leftovers. */
async function assertOneCompleteVersion(t: ExecutionContext, l: Layout): Promise<string> {
  const v = await currentVersion(l);
  t.truthy(v);
  const run = await execa(join(l.current, 'bin', 'soccer-rig'));
  t.is(run.stdout.trim(), v ?? '', 'current runs and reports its own version');
  t.deepEqual((await readdir(l.releases)).filter((n) => n.endsWith('.partial')), []);
  t.deepEqual((await readdir(l.root)).filter((n) => n.endsWith('.tmp')), []);
  return v!;
}

const STEPS: Array<[ApplyStep | 'downloaded' | 'verified', string]> = [
  ['downloaded', '0.1.0'], ['verified', '0.1.0'], ['partial-created', '0.1.0'], ['unpacked', '0.1.0'],
  ['synced', '0.1.0'], ['renamed', '0.1.0'], ['trial-written', '0.1.0'], ['switched', '0.2.0'],
];

for (const [step, expected] of STEPS) {
  test(`killed at "${step}", the node restarts into exactly one complete version (${expected})`, async (t) => {
    const api = await fakeReleases(t);
    await api.publish(releases.v020);
    const l = await installedLayout(t, releases.v010);
    const child = await execa(process.execPath, [...NODE_FLAGS, CHILD], {
      reject: false,
      env: { ROOT: l.root, STATE_DIR: l.stateDir, API_BASE: api.apiBase, REPO: REPO_NAME, PUBLIC_KEY: k.publicPem, KILL_AT: step },
    });
    t.is(child.signal, 'SIGKILL', `${child.stdout}${child.stderr}`);
    const guard = await runGuard(l);
    t.is(guard.exitCode, 0, guard.stderr);
    t.is(await assertOneCompleteVersion(t, l), expected);
    const trial = await readTrial(l);
    // The trial survives only when the switch happened: the new version is on its first start.
    t.deepEqual(trial && { version: trial.version, attempts: trial.attempts }, expected === '0.2.0' ? { version: '0.2.0', attempts: 1 } : null);
  });
}

test('the boot guard repairs a current that points at nothing, choosing the newest complete release', async (t) => {
  const l = await installedLayout(t, releases.v010);
  await mkdir(join(l.releases, '0.2.0.partial', 'bin'), { recursive: true });
  await execa('ln', ['-sfn', 'releases/0.9.9', l.current]);
  const guard = await runGuard(l);
  t.is(guard.exitCode, 0, guard.stderr);
  t.is(await assertOneCompleteVersion(t, l), '0.1.0');
});

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!hasShellcheck) console.log('skipping the shellcheck test: shellcheck is not installed');
(hasShellcheck ? test : test.skip)('the boot guard passes shellcheck (it runs under plain sh at every boot)', async (t) => {
  const r = await execa('shellcheck', ['-s', 'sh', (await installedLayout(t, releases.v010)).guard], { reject: false });
  t.is(r.exitCode, 0, r.stdout);
});

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('skipping the full-disk test: mounting a tmpfs needs root');
(isRoot ? test : test.skip)('out of disk while unpacking: DISK_FULL, the old version untouched, no .partial left', async (t) => {
  const base = await tempDir(t, 'soccer-rig-tmpfs-');
  const mnt = join(base, 'opt');
  await mkdir(mnt);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
  t.teardown(() => execa('umount', ['-l', mnt], { reject: false }).then(() => undefined));
  const l = await installedLayout(t, releases.v010, mnt);
  // 8 MB of zeros: a few KB in the tarball (the download fits), far more than the 3 MB file system.
  const big = await fixtureRelease(t, '0.2.0', k.privatePem, { 'zeros.bin': Buffer.alloc(8 * 1024 * 1024) });
  const api = await fakeReleases(t);
  await api.publish(big);
  const history = new UpdateHistory(l.historyFile);
  const core = new UpdaterCore({
    config: () => UpdaterConfig.parse({ repo: REPO_NAME, apiBase: api.apiBase, publicKey: k.publicPem }),
    board: new StatusBoard(blankStatus()), history, layout: l, running: '0.1.0',
  });
  const before = await snapshot(l);
  const err = await t.throwsAsync(core.apply({ force: false }));
  t.is((err as { code?: string }).code, 'DISK_FULL', err?.message);
  t.deepEqual(await snapshot(l), before);
  t.is(await assertOneCompleteVersion(t, l), '0.1.0');
  t.like((await history.list()).at(-1), { kind: 'refused', code: 'DISK_FULL' });
  t.is(await readFile(l.trialFile, 'utf8').catch(() => 'absent'), 'absent');
});
