import test from 'ava';
import { RigCoordinator, ownClock, rigTake, type LocalRecorder, type RigPort } from '../../../actors/rig/coordinator.js';
import type { StartReply } from '../../../actors/recorder/actor.js';
import type { AckEvent, ArmedEvent, CommandEvent, RigEvent } from '../../../store/events.js';
import { until } from '../../helpers/net.js';

/**
 * Unit tests of the coordinator's decisions with an in-memory log shared by fake nodes (the
 * three-node tests in rig.test.ts and netns.test.ts run the same code over the real store).
 */
class FakeLog {
  readonly commands: CommandEvent[] = [];
  readonly acks = new Map<string, Map<string, AckEvent>>();
  readonly armed = new Map<string, Map<string, ArmedEvent>>();
  readonly listeners = new Map<string, Set<(e: RigEvent, author: string, live: boolean) => void>>();
  readonly reachability = new Set<() => void>();
  /** Members whose events do not get through (both ways) right now. */
  readonly cut = new Set<string>();
  /** Events held back from a cut-off member, delivered when it is healed. */
  readonly held: Array<{ to: string; event: RigEvent; author: string }> = [];
  /** The rig's manifests, as far as takes go. */
  readonly manifests: Array<{ sessionId: string; take: number; startAt: number | null }> = [];

  port(cameraId: string, members: string[]): RigPort {
    return {
      cameraId,
      append: async (event) => this.publish(event, cameraId),
      commands: () => [...this.commands],
      acks: (commandId) => this.acks.get(commandId) ?? new Map(),
      armed: (commandId) => this.armed.get(commandId) ?? new Map(),
      members: () => members,
      reachable: (id) => id === cameraId || (!this.cut.has(id) && !this.cut.has(cameraId)),
      onEvent: (fn) => {
        const set = this.listeners.get(cameraId) ?? new Set();
        this.listeners.set(cameraId, set.add(fn));
        return () => { set.delete(fn); };
      },
      onReachability: (fn) => {
        this.reachability.add(fn);
        return () => { this.reachability.delete(fn); };
      },
      takes: (sessionId) => this.manifests.filter((m) => m.sessionId === sessionId),
    };
  }

  publish(event: RigEvent, author: string): void {
    if (event.type === 'command') this.commands.push(event);
    if (event.type === 'armed') {
      const m = this.armed.get(event.commandId) ?? new Map<string, ArmedEvent>();
      this.armed.set(event.commandId, m.set(event.cameraId, event));
    }
    if (event.type === 'ack') {
      const m = this.acks.get(event.commandId) ?? new Map<string, AckEvent>();
      m.set(event.cameraId, event);
      this.acks.set(event.commandId, m);
    }
    for (const [id, fns] of this.listeners) {
      if (id !== author && (this.cut.has(id) || this.cut.has(author))) this.held.push({ to: id, event, author });
      else queueMicrotask(() => { for (const fn of fns) fn(event, author, true); });
    }
  }

  /** Cuts a member off (both ways), the way a Wi-Fi drop does: the others notice at once. */
  cutOff(id: string): void {
    this.cut.add(id);
    for (const fn of this.reachability) fn();
  }

  heal(id: string): void {
    this.cut.delete(id);
    for (const fn of this.reachability) fn();
    for (const h of this.held.splice(0)) {
      if (h.to === id || h.author === id) for (const fn of this.listeners.get(h.to) ?? []) fn(h.event, h.author, true);
      else this.held.push(h);
    }
  }
}

class FakeRecorder implements LocalRecorder {
  session: { sessionId: string; phase: string } | null = null;
  stops: string[] = [];
  /** The take number each start asked for at least. */
  minTakes: Array<number | undefined> = [];
  async start(sessionId: string, startAt: number, opts: { minTake?: number } = {}): Promise<StartReply> {
    this.minTakes.push(opts.minTake);
    this.session = { sessionId, phase: 'armed' };
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
    if (this.session?.sessionId !== sessionId) return { ok: false, code: 'START_CANCELLED', message: 'cancelled', reasons: [] };
    this.session = { sessionId, phase: 'recording' };
    // A shutter measures below a ms: the fraction must reach the initiator's answer.
    return { ok: true, sessionId, file: `${sessionId}.mp4`, startAt, firstFrameAt: Date.now() + 0.4375, codec: 'h264', codecFallbackReason: null };
  }
  async stop(reason: string): Promise<void> {
    this.stops.push(reason);
    this.session = null;
  }
  current() {
    return this.session;
  }
}

const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'];

function rig(opts: { staleAfterMs?: number; ackTimeoutMs?: number } = {}) {
  const log = new FakeLog();
  const nodes = CAMS.map((id) => {
    const recorder = new FakeRecorder();
    /** The codes this node logged, with the command they were about. */
    const logged: Array<{ code: string; commandId: string }> = [];
    const note = (obj: object): void => { logged.push(obj as { code: string; commandId: string }); };
    const c = new RigCoordinator({
      port: log.port(id, CAMS), recorder, staleAfterMs: opts.staleAfterMs ?? 300, ackTimeoutMs: opts.ackTimeoutMs ?? 8000,
      log: { warn: note, info: note },
    });
    c.open();
    return { id, recorder, c, logged };
  });
  return { log, nodes, close: () => nodes.forEach((n) => n.c.close()) };
}

/** Polls a condition until it holds (or fails the test after timeoutMs). */

/** Until a command's instant is further in the past than staleAfterMs: a node that hears of it now ignores it. */
const stale = (log: FakeLog, commandId: string, staleAfterMs: number) =>
  until(() => Date.now() > log.commands.find((c) => c.commandId === commandId)!.startAt + staleAfterMs, 'the command to be stale');

/** Until a node has dealt with a command it received late (acted on it, or logged why not). */
const handled = (node: { logged: Array<{ commandId: string }> }, commandId: string) =>
  until(() => node.logged.some((l) => l.commandId === commandId), `command ${commandId} handled`);

test('stop-all answers once every reachable member has stopped; a member out of reach is named, not waited for', async (t) => {
  const { log, nodes, close } = rig();
  t.teardown(close);
  const start = await nodes[0]!.c.startAll({ sessionId: 'S1', leadMs: 100 });
  t.deepEqual(start.results.map((r) => r.result), ['ok', 'ok', 'ok']);
  for (const r of start.results) t.is(r.firstFrameAt! % 1, 0.4375, `${r.cameraId}: firstFrameAt keeps its fraction`);
  for (const ack of log.acks.get(start.commandId)!.values()) {
    t.true(Number.isInteger(ack.firstFrameAt), 'the whole-ms field stays whole, for nodes of an older version');
    t.is(ack.firstFrameAtPrecise! - ack.firstFrameAt!, 0.4375);
  }
  log.cutOff('CAM_R');
  const t0 = Date.now();
  const stop = await nodes[1]!.c.stopAll(null);
  const took = Date.now() - t0;
  t.deepEqual(stop.results.map((r) => [r.cameraId, r.result, r.code]), [['CAM_L', 'ok', undefined], ['CAM_C', 'ok', undefined], ['CAM_R', 'timeout', 'NODE_UNREACHABLE']]);
  t.regex(stop.results[2]!.message ?? '', /stops this session when it is back/);
  t.true(took < 8000, `answered after ${took} ms, not at the ${8000 + 20_000} ms deadline`);
  t.is(nodes[2]!.recorder.current()?.phase, 'recording', 'the cut-off node keeps recording meanwhile');
});

test('a node back from a cut stops the session the rig stopped while it was away; its ack reaches the rig', async (t) => {
  const { log, nodes, close } = rig({ staleAfterMs: 200 });
  t.teardown(close);
  await nodes[0]!.c.startAll({ sessionId: 'S2', leadMs: 100 });
  log.cutOff('CAM_R');
  const stop = await nodes[0]!.c.stopAll(null);
  await stale(log, stop.commandId, 200); // the stop is stale by the time CAM_R hears of it
  t.is(nodes[2]!.recorder.current()?.sessionId, 'S2');
  log.heal('CAM_R');
  await handled(nodes[2]!, stop.commandId);
  await until(() => log.acks.get(stop.commandId)?.has('CAM_R') === true, 'its ack');
  t.is(nodes[2]!.recorder.current(), null, 'stopped on its return');
  t.deepEqual(nodes[2]!.recorder.stops, ['stop-all (received late)']);
  t.true(log.acks.get(stop.commandId)?.get('CAM_R')?.ok, 'its ack is in the log');
});

test('a late stop does not touch a different session, nor one that started after the stop', async (t) => {
  const { log, nodes, close } = rig({ staleAfterMs: 200 });
  t.teardown(close);
  await nodes[0]!.c.startAll({ sessionId: 'S3', leadMs: 100 });
  log.cutOff('CAM_R');
  // Named stop of another session, and an "any" stop: both issued while CAM_R records S3...
  const named = await nodes[0]!.c.stopAll('OTHER');
  // ...then CAM_R is restarted on a new session of its own (e.g. from its own page).
  await nodes[2]!.recorder.stop('test');
  nodes[2]!.recorder.session = { sessionId: 'LOCAL', phase: 'recording' };
  const any = await nodes[0]!.c.stopAll(null);
  await stale(log, any.commandId, 200);
  log.heal('CAM_R');
  await handled(nodes[2]!, named.commandId);
  await handled(nodes[2]!, any.commandId);
  t.deepEqual(nodes[2]!.recorder.current(), { sessionId: 'LOCAL', phase: 'recording' }, 'left recording');
});

test('a late start is never acted on, and start-all settles once the instant is stale for a member out of reach', async (t) => {
  const { log, nodes, close } = rig({ staleAfterMs: 300 });
  t.teardown(close);
  log.cutOff('CAM_R');
  const t0 = Date.now();
  const start = await nodes[0]!.c.startAll({ sessionId: 'S4', leadMs: 100 });
  const took = Date.now() - t0;
  t.deepEqual(start.results.map((r) => [r.cameraId, r.result, r.code]), [['CAM_L', 'ok', undefined], ['CAM_C', 'ok', undefined], ['CAM_R', 'timeout', 'NODE_UNREACHABLE']]);
  t.true(took < 8000, `answered after ${took} ms, not at the ack deadline`);
  log.heal('CAM_R');
  await handled(nodes[2]!, start.commandId);
  t.deepEqual(nodes[2]!.logged.filter((l) => l.commandId === start.commandId).map((l) => l.code), ['RIG_COMMAND_STALE']);
  t.is(nodes[2]!.recorder.current(), null, 'the returning node does not start late');
});

// --- Rig time (issue 10) -------------------------------------------------------------------
// Each fake node's own clock is true time plus a skew of seconds; its rig clock (as the Sync
// actor would set it) knows that skew. True time here is Date.now().

/** A recorder on a skewed clock: starts when its own clock reaches the instant it was given. */
class SkewedRecorder implements LocalRecorder {
  session: { sessionId: string; phase: string } | null = null;
  armedAt: Array<{ startAt: number; startAtRig: number | undefined }> = [];
  constructor(readonly skewMs: number) {}
  local = (): number => Date.now() + this.skewMs;
  async start(sessionId: string, startAt: number, o: { startAtRig?: number; onArmed?: () => void } = {}): Promise<StartReply> {
    this.session = { sessionId, phase: 'armed' };
    this.armedAt.push({ startAt, startAtRig: o.startAtRig });
    o.onArmed?.();
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - this.local())));
    if (this.session?.sessionId !== sessionId) return { ok: false, code: 'START_CANCELLED', message: 'cancelled', reasons: [] };
    this.session = { sessionId, phase: 'recording' };
    const firstFrameAt = this.local();
    return { ok: true, sessionId, file: `${sessionId}.mp4`, startAt, firstFrameAt, firstFrameAtRig: firstFrameAt - this.skewMs, syncUnknown: false, codec: 'h264', codecFallbackReason: null };
  }
  async stop(): Promise<void> { this.session = null; }
  current() { return this.session; }
}

const SKEWS = [2500, -1800, 4200];

function skewedRig(rigTime: boolean) {
  const log = new FakeLog();
  const nodes = CAMS.map((id, i) => {
    const recorder = new SkewedRecorder(SKEWS[i]!);
    const logged: string[] = [];
    const note = (obj: object): void => { logged.push((obj as { code: string }).code); };
    // Rig time known: rig = local - skew (the rig reference here is true time). Off: the node's own clock.
    const clock = rigTime ? { now: () => recorder.local() - recorder.skewMs, toLocal: (r: number) => r + recorder.skewMs } : ownClock(recorder.local);
    const c = new RigCoordinator({ port: log.port(id, CAMS), recorder, clock, staleAfterMs: 2000, ackTimeoutMs: 1000, log: { warn: note, info: note } });
    c.open();
    return { id, recorder, c, logged };
  });
  return { log, nodes, close: () => nodes.forEach((n) => n.c.close()) };
}

test('rig time: clocks seconds apart start on one true instant; issuedAt and startAt are on rig time', async (t) => {
  const { log, nodes, close } = skewedRig(true);
  t.teardown(close);
  const before = Date.now();
  const r = await nodes[1]!.c.startAll({ sessionId: 'RIG1', leadMs: 300 });
  t.deepEqual(r.results.map((x) => x.result), ['ok', 'ok', 'ok']);
  const cmd = log.commands.find((c) => c.commandId === r.commandId)!;
  t.true(Math.abs(cmd.issuedAt - before) < 200, `issuedAt ${cmd.issuedAt - before} ms from true time, though the issuer's clock is ${SKEWS[1]} ms off`);
  for (const n of nodes) {
    // Each node armed on its own clock: the rig's instant plus its skew.
    t.is(n.recorder.armedAt[0]!.startAt, cmd.startAt + n.recorder.skewMs);
    t.is(n.recorder.armedAt[0]!.startAtRig, cmd.startAt);
  }
  const trueFirst = r.results.map((x, i) => x.firstFrameAt! - SKEWS[i]!);
  t.true(Math.max(...trueFirst) - Math.min(...trueFirst) < 50, `true-time spread ${Math.max(...trueFirst) - Math.min(...trueFirst)} ms`);
  for (const x of r.results) t.is(typeof x.firstFrameAtRig, 'number', `${x.cameraId}: the ack carries firstFrameAtRig`);
  // Every node said it was armed before the instant.
  t.deepEqual([...log.armed.get(r.commandId)!.keys()].sort(), [...CAMS].sort());
});

test('rig time: a node whose clock runs seconds ahead no longer treats a fresh start as stale; on own clocks it does', async (t) => {
  const own = skewedRig(false);
  t.teardown(own.close);
  const naive = await own.nodes[1]!.c.startAll({ sessionId: 'OWN1', leadMs: 300 });
  // CAM_R runs 4.2 s ahead of true time, 6 s ahead of the issuer: the instant is long past on its clock.
  t.is(naive.results.find((x) => x.cameraId === 'CAM_R')!.result, 'timeout');
  t.true(own.nodes[2]!.logged.includes('RIG_COMMAND_STALE'));
  own.close();

  const rig = skewedRig(true);
  t.teardown(rig.close);
  const r = await rig.nodes[1]!.c.startAll({ sessionId: 'RIG2', leadMs: 300 });
  t.deepEqual(r.results.map((x) => x.result), ['ok', 'ok', 'ok']);
  t.false(rig.nodes[2]!.logged.includes('RIG_COMMAND_STALE'));
});

test('rig time: concurrent start-alls from nodes with skewed clocks resolve to one winner (issuedAt compared on rig time)', async (t) => {
  const { nodes, close } = skewedRig(true);
  t.teardown(close);
  // CAM_R's own clock is 6 s ahead of CAM_C's: on own clocks these would be two sessions.
  const [a, b] = await Promise.all([nodes[1]!.c.startAll({ sessionId: 'A', leadMs: 400 }), nodes[2]!.c.startAll({ sessionId: 'B', leadMs: 400 })]);
  t.is(a.sessionId, b.sessionId);
  t.is(a.commandId, b.commandId);
  t.deepEqual(a.results.map((x) => x.result), ['ok', 'ok', 'ok']);
});

test('rigTake: one past every take the rig holds on any node; this start\'s own manifests do not count', (t) => {
  t.is(rigTake([], 5000), 1);
  t.is(rigTake([{ take: 1, startAt: 1000 }], 5000), 2, 'a take another camera made, even if this one has none');
  t.is(rigTake([{ take: 1, startAt: 1000 }, { take: 3, startAt: 2000 }, { take: 4, startAt: 5000 }], 5000), 4, 'take 4 is this start\'s own (armed first elsewhere)');
  t.is(rigTake([{ take: 2, startAt: null }], 5000), 3, 'a manifest without a start instant is an earlier take');
});

test('a start-all retried after one camera refused: every camera records it as the same take', async (t) => {
  const { log, nodes, close } = rig();
  t.teardown(close);
  // The first attempt: CAM_L and CAM_C recorded take 1 of "final", CAM_R refused (its manifests have none).
  log.manifests.push({ sessionId: 'final', take: 1, startAt: 1000 }, { sessionId: 'final', take: 1, startAt: 1000 }, { sessionId: 'other', take: 7, startAt: 900 });
  const start = await nodes[2]!.c.startAll({ sessionId: 'final', leadMs: 100 });
  t.deepEqual(start.results.map((r) => r.result), ['ok', 'ok', 'ok']);
  t.deepEqual(nodes.map((n) => n.recorder.minTakes), [[2], [2], [2]], 'CAM_R\'s first recording of the session is the rig\'s take 2');
});
