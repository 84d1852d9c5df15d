import test from 'ava';
import { StartBeep } from '../../../actors/rig/start-beep.js';
import { ownClock } from '../../../actors/rig/coordinator.js';
import { createRigClock } from '../../../actors/sync/rig-clock.js';
import type { TonePlayer, ToneSpec } from '../../../actors/recorder/tone.js';
import type { ArmedEvent, RigEvent } from '../../../store/events.js';
import type { StartCommand } from '../../../store/commands.js';
import { until } from '../../helpers/net.js';

const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'];

function setup(self: string, armedBy: string[], enabled = true, wall: () => number = Date.now) {
  const appended: RigEvent[] = [];
  const played: ToneSpec[] = [];
  const warned: string[] = [];
  const listeners = new Set<(e: RigEvent, author: string, live: boolean) => void>();
  const armed = new Map<string, ArmedEvent>(armedBy.map((id) => [id, { type: 'armed', at: 1, commandId: 'c1', cameraId: id }]));
  const player: TonePlayer = { kind: 'null', play: async (spec) => { played.push(spec); } };
  const beep = new StartBeep({
    port: {
      cameraId: self, append: async (e) => { appended.push(e); }, armed: () => armed, acks: () => new Map(), members: () => CAMS, reachable: () => true,
      onEvent: (fn) => { listeners.add(fn); return () => { listeners.delete(fn); }; },
    },
    graceMs: 100,
    commands: ownClock(), rig: createRigClock(wall), enabled: () => enabled, tone: async () => player,
    log: { warn: (o) => warned.push((o as { code: string }).code), info: () => undefined },
  });
  /** A member's 'armed' arrives (through the log). */
  const arrive = (id: string): void => {
    const e: ArmedEvent = { type: 'armed', at: 1, commandId: 'c1', cameraId: id };
    armed.set(id, e);
    for (const fn of listeners) fn(e, id, true);
  };
  return { beep, appended, played, warned, arrive };
}

const cmd = (issuer: string, startAt: number): StartCommand =>
  ({ type: 'command', at: 1, commandId: 'c1', kind: 'start', sessionId: 'S', startAt, issuedAt: startAt - 50, issuer });


test('the winner\'s issuer beeps once at the instant, after every member armed, and logs its rig time', async (t) => {
  const { beep, appended, played } = setup('CAM_C', CAMS);
  const startAt = Date.now() + 60;
  beep.armed(cmd('CAM_C', startAt), () => true);
  beep.armed(cmd('CAM_C', startAt), () => true); // told twice (re-armed): still one beep
  await until(() => appended.length > 0);
  const e = appended[0]!;
  t.is(e.type, 'beep');
  if (e.type !== 'beep') return;
  t.is(e.cameraId, 'CAM_C');
  t.is(e.commandId, 'c1');
  t.true(e.atRig >= startAt, 'not before the instant');
  t.false(e.rigTimeKnown, 'a rig clock that is not measured says so');
  t.is(played.length, 1);
  await new Promise((r) => setTimeout(r, 100));
  t.is(appended.length, 1);
});

test('a timer that wakes before the wall-clock instant (timers run on another clock) waits for what is left: never a beep before the start', async (t) => {
  let lag = 0;
  const { beep, appended } = setup('CAM_C', CAMS, true, () => Date.now() - lag);
  const startAt = Date.now() + 30;
  beep.armed(cmd('CAM_C', startAt), () => true);
  lag = 25; // from here the wall clock reads 25 ms behind what the timer was set by
  await until(() => appended.length > 0);
  const e = appended[0]!;
  t.true(e.type === 'beep' && e.atRig >= startAt, `beep logged at ${e.type === 'beep' ? e.atRig - startAt : NaN} ms from the instant`);
});

test('a node that is not the issuer never beeps; neither does one disabled or no longer armed', async (t) => {
  const other = setup('CAM_L', CAMS);
  other.beep.armed(cmd('CAM_C', Date.now() + 20), () => true);
  const off = setup('CAM_C', CAMS, false);
  off.beep.armed(cmd('CAM_C', Date.now() + 20), () => true);
  const superseded = setup('CAM_C', CAMS);
  superseded.beep.armed(cmd('CAM_C', Date.now() + 20), () => false);
  const probe = setup('CAM_C', CAMS);
  probe.beep.armed(cmd('CAM_C', Date.now() + 40), () => true);
  await until(() => probe.appended.length > 0); // the instant has passed for all of them
  for (const s of [other, off, superseded]) {
    t.is(s.appended.length, 0);
    t.is(s.played.length, 0);
  }
});

test('an armed that arrives just after the instant (a busy node): the beep waits for it, and logs when it really sounded', async (t) => {
  const { beep, appended, arrive } = setup('CAM_C', ['CAM_L']);
  const startAt = Date.now() + 20;
  beep.armed(cmd('CAM_C', startAt), () => true);
  await until(() => Date.now() > startAt + 30);
  t.is(appended.length, 0, 'waits for CAM_R');
  arrive('CAM_R');
  await until(() => appended.length > 0);
  const e = appended[0]!;
  t.true(e.type === 'beep' && e.atRig >= startAt + 30);
});

test('a member that did not confirm it is armed within the grace: no beep, and the node says why', async (t) => {
  const { beep, appended, played, warned } = setup('CAM_C', ['CAM_L']);
  beep.armed(cmd('CAM_C', Date.now() + 20), () => true);
  await until(() => warned.length > 0);
  t.deepEqual(warned, ['START_BEEP_SKIPPED']);
  t.is(appended.length, 0);
  t.is(played.length, 0);
});
