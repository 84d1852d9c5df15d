import test from 'ava';
import { start, stop } from 'nact';
import { spawnSupervised } from '../../../runtime/actor.js';
import { updater } from '../../../actors/updater/actor.js';
import { UpdaterConfig } from '../../../actors/updater/config.js';
import { StatusBoard } from '../../../runtime/status.js';
import { LogSink, createLogger } from '../../../runtime/logging.js';
import { readTrial } from '../../../runtime/release-install.js';
import { blankStatus } from '../../helpers/app.js';
import { currentVersion } from '../../../runtime/release-layout.js';
import { spawnUpdater, twoReleases } from './helpers.js';
import { until } from '../../helpers/net.js';

const releases = twoReleases(test);
const { k } = releases;


test('check and apply answer RECORDING_IN_PROGRESS while this node records, and change nothing', async (t) => {
  const u = await spawnUpdater(t, releases.v010, releases.v020, k);
  u.board.patch({ state: 'recording' });
  t.like(await u.update.check(), { ok: false, code: 'RECORDING_IN_PROGRESS' });
  t.like(await u.update.apply({ force: false, queue: false }), { ok: false, code: 'RECORDING_IN_PROGRESS' });
  t.is(await currentVersion(u.l), '0.1.0');
  t.false(u.api.requests.some((r) => r.startsWith('/download/')));
  t.deepEqual(u.restarts, []);
});

test('a queued apply waits for the recording to stop, then installs and restarts by itself', async (t) => {
  const u = await spawnUpdater(t, releases.v010, releases.v020, k);
  u.board.patch({ state: 'recording' });
  t.deepEqual(await u.update.apply({ force: false, queue: true }), { ok: true, value: { state: 'queued' } });
  await until(() => u.board.snapshot().update?.state === 'queued', 'status to say queued');
  u.board.patch({ state: 'stopping' });
  await until(() => u.board.snapshot().state === 'stopping', 'stopping');
  t.is(await currentVersion(u.l), '0.1.0', 'still recording (stopping): nothing yet');
  u.board.patch({ state: 'idle' });
  await until(() => u.restarts.length > 0, 'the queued apply to restart the node');
  t.is(await currentVersion(u.l), '0.2.0');
  t.deepEqual(u.restarts, ['update to 0.2.0']);
  t.deepEqual((await u.update.history()).map((e) => e.kind), ['apply', 'apply']);
});

test('an idle node applies at once and asks for the restart after answering', async (t) => {
  const u = await spawnUpdater(t, releases.v010, releases.v020, k);
  t.deepEqual(await u.update.apply({ force: false, queue: false }), { ok: true, value: { state: 'restarting', from: '0.1.0', to: '0.2.0' } });
  await until(() => u.restarts.length === 1, 'the restart');
  t.is(await currentVersion(u.l), '0.2.0');
});

test('started as the version on trial, the Updater shows state trial and commits once healthy', async (t) => {
  const u = await spawnUpdater(t, releases.v010, releases.v020, k);
  t.like(await u.update.apply({ force: false, queue: false }), { ok: true });
  // The restarted process: same disk, now running 0.2.0, healthy after two probes.
  const board = new StatusBoard(blankStatus());
  const states: string[] = [];
  board.on('change', (s) => { if (s.update && states.at(-1) !== s.update.state) states.push(s.update.state); });
  let probes = 0;
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  const system = start();
  const a = spawnSupervised(system, updater({
    config: () => UpdaterConfig.parse({ repo: 'club/soccer-rig', apiBase: 'http://127.0.0.1:9', publicKey: k.publicPem }),
    board, history: u.history, layout: u.l, running: '0.2.0', log: createLogger(sink),
    restart: () => t.fail('a healthy version must not restart'), healthy: async () => (probes += 1) >= 3, trialPollMs: 5,
  }), createLogger(sink));
  t.teardown(async () => { await a.stop(); stop(system); });
  await until(async () => (await u.history.list()).some((e) => e.kind === 'success'), 'the commit');
  t.is(await readTrial(u.l), null);
  await until(() => board.snapshot().update?.state === 'idle', 'status back to idle');
  t.true(states.includes('trial'), JSON.stringify(states));
});
