import test from 'ava';
import { start, stop, query, type Ref } from 'nact';
import { peer, type PeerMembership, type PeerMsg, type PeerReply } from '../../actors/peer.js';
import { spawnSupervised } from '../../runtime/actor.js';
import { LogSink, createLogger } from '../../runtime/logging.js';
import type { StartAllResult } from '../../actors/rig/coordinator.js';
import type { StopAllResult } from '../../actors/rig/membership.js';

/** A membership whose start-all waits until released, and whose open fails as often as asked. */
class FakeMembership implements PeerMembership {
  opens = 0;
  closes = 0;
  failOpens = 0;
  releaseStart: () => void = () => undefined;
  async open(): Promise<void> {
    this.opens++;
    if (this.failOpens-- > 0) throw Object.assign(new Error('File descriptor could not be locked'), { code: 'ELOCKED' });
  }
  async close(): Promise<void> { this.closes++; }
  startAll(sessionId: string): Promise<StartAllResult> {
    return new Promise((resolve) => {
      this.releaseStart = () => resolve({ sessionId, startAt: 1, commandId: 'c1', superseded: false, results: [] });
    });
  }
  async stopAll(): Promise<StopAllResult> { return { results: [{ cameraId: 'CAM_L', result: 'ok' }] }; }
  async setSessionMeta(): Promise<never> { throw Object.assign(new Error('the rig log is closed'), { code: 'LOG_CLOSED' }); }
  async confirmed(): Promise<void> {}
  async publishManifests(): Promise<void> {}
}

function quietLog() {
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  return createLogger(sink);
}

function spawnPeer(t: import('ava').ExecutionContext, m: FakeMembership) {
  const system = start();
  t.teardown(() => stop(system));
  return spawnSupervised(system, peer(m), quietLog(), { baseDelayMs: 1, maxDelayMs: 1 });
}

const ask = <T>(ref: Ref<PeerMsg>, make: (replyTo: Ref<PeerReply<T>>) => PeerMsg) => query(ref, make, 2000);

test('a stop-all is answered while a start-all still waits for its acks: commands do not queue behind each other', async (t) => {
  const m = new FakeMembership();
  const a = spawnPeer(t, m);
  const started = ask<StartAllResult>(a.ref, (replyTo) => ({ type: 'start-all', sessionId: 'S1', leadMs: 1500, replyTo }));
  const stopped = await ask<StopAllResult>(a.ref, (replyTo) => ({ type: 'stop-all', replyTo }));
  t.deepEqual(stopped, { ok: true, value: { results: [{ cameraId: 'CAM_L', result: 'ok' }] } });
  m.releaseStart();
  const s = await started;
  t.true(s.ok && s.value.sessionId === 'S1');
});

test('a failed command is answered with its code, and the actor carries on', async (t) => {
  const m = new FakeMembership();
  const a = spawnPeer(t, m);
  const r = await ask<unknown>(a.ref, (replyTo) => ({ type: 'set-session-meta', sessionId: 'S1', meta: { home: 'A' }, replyTo }));
  t.deepEqual(r, { ok: false, code: 'LOG_CLOSED', message: 'the rig log is closed' });
  const again = await ask<null>(a.ref, (replyTo) => ({ type: 'publish-manifests', replyTo }));
  t.deepEqual(again, { ok: true, value: null });
});

test('a failed open crashes the actor; the supervisor closes what was half-open and opens again', async (t) => {
  const m = new FakeMembership();
  m.failOpens = 2;
  const a = spawnPeer(t, m);
  const deadline = Date.now() + 5000;
  while (m.opens < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  t.is(m.opens, 3, 'opened a third time, after two failures');
  t.is(m.closes, 2, 'each failure was closed before the retry');
  t.is(a.restarts, 2);
  await a.stop();
  t.is(m.closes, 3, 'stopping the actor leaves the rig');
});
