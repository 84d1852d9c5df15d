import test, { type ExecutionContext } from 'ava';
import { start, stop, query, dispatch } from 'nact';
import { spawnSupervised } from '../../../runtime/actor.js';
import { syncActor, type Conversion, type SyncMsg, type SyncSnapshot } from '../../../actors/sync/actor.js';
import { StatusBoard } from '../../../runtime/status.js';
import { LogSink, createLogger } from '../../../runtime/logging.js';
import { sampleFrom } from '../../../store/clock-channel.js';
import type { ChronyStatus } from '../../../runtime/chrony/schema.js';
import { blankStatus } from '../../helpers/app.js';
import { testConfig } from '../../helpers/config.js';
import { createRigClock, type WritableRigClock } from '../../../actors/sync/rig-clock.js';
import { until } from '../../helpers/net.js';

const T0 = 1_800_000_000_000;

function setup(t: ExecutionContext, chrony?: () => Promise<ChronyStatus>, rigClock?: WritableRigClock) {
  let clock = T0;
  const now = () => clock;
  const system = start();
  const board = new StatusBoard(blankStatus());
  const cfg = testConfig('/tmp/sync', { camera: { id: 'CAM_C' } });
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  const a = spawnSupervised(system, syncActor({ board, config: () => cfg, now, ...(chrony ? { chrony } : {}), ...(rigClock ? { rigClock } : {}), publishIntervalMs: 20, chronyIntervalMs: 0 }), createLogger(sink));
  t.teardown(async () => { await a.stop(); stop(system); });
  const ask = <R>(make: (replyTo: any) => SyncMsg) => query(a.ref, make, 2000) as Promise<R>;
  /** A burst as the clock channel delivers it: the peer's clock is `offset` ahead, 0.2 ms each way. */
  const burst = (peer: string, offset: number, n = 8) => {
    for (let i = 0; i < n; i++) {
      const t1 = clock;
      clock += 0.45;
      dispatch(a.ref, { type: 'sample', peer, sample: sampleFrom(i, t1, t1 + 0.2 + offset, t1 + 0.25 + offset, clock) });
    }
  };
  return { a, board, ask, burst, advance: (ms: number) => { clock += ms; }, now, cfg };
}

/** Polls (the actor's timers are unref'd, so nothing else keeps the test alive). */

const snapshot = (ask: ReturnType<typeof setup>['ask']) => ask<SyncSnapshot>((replyTo) => ({ type: 'snapshot', replyTo }));

test('alone: SYNC_UNKNOWN in status, conversions unchanged and flagged unknown', async (t) => {
  const { board, ask } = setup(t);
  const conv = await ask<Conversion>((replyTo) => ({ type: 'toLocal', rigInstant: T0 + 1500, replyTo }));
  t.deepEqual(conv, { instant: T0 + 1500, known: false, errorMs: null });
  const s = board.snapshot();
  t.is(s.sync.source, 'none');
  t.is(s.sync.offsetMs, null);
  t.deepEqual(s.warnings.map((w) => w.code), ['SYNC_UNKNOWN']);
});

test('samples from two peers: rig time, conversions both ways, status and snapshot', async (t) => {
  const { board, ask, burst, a } = setup(t);
  dispatch(a.ref, { type: 'connected', peer: 'CAM_L' });
  dispatch(a.ref, { type: 'connected', peer: 'CAM_R' });
  // CAM_L 2 s ahead of us, CAM_R 3 s ahead: rig time (the median) is CAM_L's clock.
  burst('CAM_L', 2000);
  burst('CAM_R', 3000);
  const toLocal = await ask<Conversion>((replyTo) => ({ type: 'toLocal', rigInstant: T0 + 10_000, replyTo }));
  t.true(toLocal.known);
  t.true(Math.abs(toLocal.instant - (T0 + 8000)) < 1e-6, String(toLocal.instant - T0));
  t.true(toLocal.errorMs! > 0 && toLocal.errorMs! < 1);
  const toRig = await ask<Conversion>((replyTo) => ({ type: 'toRig', localInstant: toLocal.instant, replyTo }));
  t.true(Math.abs(toRig.instant - (T0 + 10_000)) < 1e-6);

  const snap = await snapshot(ask);
  t.is(snap.source, 'peers');
  t.true(Math.abs(snap.offsetMs! + 2000) < 1e-3);
  t.true(Math.abs(snap.atRig - snap.at - 2000) < 1e-6);
  t.deepEqual(Object.keys(snap.peers), ['CAM_L', 'CAM_R']);
  t.true(Math.abs(snap.peers.CAM_R!.vsRigMs! - 1000) < 1e-3);
  // CAM_R is 1 s off rig time, CAM_C (this node) 2 s: this node is the one that disagrees most.
  t.is(snap.drift?.cameraId, 'CAM_C');

  // The periodic publish carries the same into status, with the warning naming the camera.
  await until(() => board.snapshot().sync.source === 'peers');
  const s = board.snapshot();
  t.deepEqual(Object.keys(s.sync.peers ?? {}), ['CAM_L', 'CAM_R']);
  t.deepEqual(s.warnings.map((w) => w.code), ['SYNC_DRIFT']);
  t.regex(s.warnings[0]!.message, /^CAM_C's clock is 2000\.\d ms behind rig time/);
});

test('agreeing clocks: no warnings; a disconnect keeps the estimate until it is stale', async (t) => {
  const { board, ask, burst, a, advance } = setup(t);
  burst('CAM_L', 1.2);
  burst('CAM_R', -0.8);
  let snap = await snapshot(ask);
  t.is(snap.source, 'peers');
  t.is(snap.drift, null);
  t.is(snap.confidence, 'high');
  dispatch(a.ref, { type: 'disconnected', peer: 'CAM_R' });
  snap = await snapshot(ask);
  t.is(snap.source, 'peers', 'a link drop does not forget the clocks');
  advance(31_000);
  snap = await snapshot(ask);
  t.is(snap.source, 'none');
  t.is(snap.offsetMs, null);
  // The next tick publishes the unknown state.
  await until(() => board.snapshot().warnings.some((w) => w.code === 'SYNC_UNKNOWN'));
  t.is(board.snapshot().sync.source, 'none');
});

test('chrony is read off the mailbox and shown; synchronised chrony is the fallback source', async (t) => {
  let reads = 0;
  const chrony = async (): Promise<ChronyStatus> => {
    reads += 1;
    return {
      state: 'synchronised', synchronised: true, stratum: 9, reference: '10.0.0.1', offsetMs: -0.05, estimatedErrorMs: 0.3, leap: 'Normal',
      sources: { total: 2, reachable: 2, selected: '10.0.0.1' }, warning: null,
    };
  };
  const { board } = setup(t, chrony);
  await until(() => board.snapshot().sync.chrony != null);
  const s = board.snapshot();
  t.true(reads >= 1);
  t.is(s.sync.source, 'chrony');
  t.is(s.sync.offsetMs, -0.05);
  t.is(s.sync.chrony?.stratum, 9);
  t.regex(s.warnings.find((w) => w.code === 'SYNC_UNKNOWN')!.message, /relying on chrony alone/);
});

test('sync.chrony off (the demo): chronyd is not read, and its warning leaves the card', async (t) => {
  let reads = 0;
  const chrony = async (): Promise<ChronyStatus> => {
    reads += 1;
    return {
      state: 'unavailable', synchronised: false, stratum: null, reference: null, offsetMs: null, estimatedErrorMs: null, leap: null,
      sources: { total: 0, reachable: 0, selected: null }, warning: { code: 'CHRONY_NOT_RUNNING', message: 'chronyc could not talk to chronyd' },
    };
  };
  const { board, cfg } = setup(t, chrony);
  await until(() => board.snapshot().warnings.some((w) => w.code === 'CHRONY_NOT_RUNNING'));
  cfg.sync.chrony = false;
  await until(() => board.snapshot().sync.chrony === null && !board.snapshot().warnings.some((w) => w.code === 'CHRONY_NOT_RUNNING'), 'the chrony warning gone');
  // Every tick publishes: five more of them, and not one read chronyd.
  let ticks = 0;
  const patch = board.patch.bind(board);
  board.patch = (p) => { ticks += 1; patch(p); };
  const after = reads;
  await until(() => ticks >= 5, 'five more ticks');
  t.is(reads, after, 'no reading while off');
});

test('a chrony reader that throws anyway is published as unreadable', async (t) => {
  const { board } = setup(t, async () => { throw new Error('boom'); });
  await until(() => board.snapshot().sync.chrony != null);
  t.is(board.snapshot().sync.chrony?.warning?.code, 'CHRONY_UNREADABLE');
  t.true(board.snapshot().warnings.some((w) => w.code === 'CHRONY_UNREADABLE'));
});

test('the synchronous rig clock follows every sample, so the start path never asks the mailbox', async (t) => {
  const rig = createRigClock(() => T0);
  const { burst, a } = setup(t, undefined, rig);
  t.false(rig.known);
  dispatch(a.ref, { type: 'connected', peer: 'CAM_L' });
  dispatch(a.ref, { type: 'connected', peer: 'CAM_R' });
  // CAM_L 2 s ahead of us, CAM_R 3 s ahead: rig time is CAM_L's clock, this node 2 s behind it.
  burst('CAM_L', 2000);
  burst('CAM_R', 3000);
  await until(() => rig.known && Object.keys(rig.snapshot().peers).length === 2);
  t.true(Math.abs(rig.toRig(T0) - (T0 + 2000)) < 0.1);
  t.true(Math.abs(rig.toLocal(T0 + 5000) - (T0 + 3000)) < 0.1);
  t.true(Math.abs(rig.snapshot().offsetMs! + 2000) < 0.1);
  t.is(rig.snapshot().source, 'peers');
});
