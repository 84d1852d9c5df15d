import test from 'ava';
import { sessionReport, takeOf, type SessionReport } from '../../../actors/rig/session-report.js';

const MEMBERS = ['CAM_L', 'CAM_C', 'CAM_R'];
const T0 = 1_800_000_000_000;
const sync = (offsetMs: number | null, errorMs: number | null = 0.3) => ({ offsetMs, errorMs, source: 'peers', peers: {} });

/** A finished manifest as a node with rig time writes it; `over` replaces any field. */
function manifest(cameraId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    file: `s1_${cameraId}.mp4`, sessionId: 's1', cameraId, startAt: T0, take: 1,
    firstFrameAt: T0 + 40, firstFrameAtRig: T0 + 2, offsetMs: 38,
    syncAtStart: sync(38), syncAtStop: sync(38.5),
    durationS: 60, droppedFrames: 0, incomplete: false, sha256: 'a'.repeat(64), ...over,
  };
}
const full = (over: Record<string, Record<string, unknown>> = {}) => MEMBERS.map((id) => manifest(id, over[id] ?? {}));

function report(t: { fail(m: string): void }, ...args: Parameters<typeof sessionReport>): SessionReport {
  const r = sessionReport(...args);
  if (!r.ok) { t.fail(`${r.code}: ${r.message}`); throw new Error(r.message); }
  return r.report;
}
const codes = (r: SessionReport) => r.reasons.map((x) => x.code);
const cam = (r: SessionReport, id: string) => r.cameras.find((c) => c.cameraId === id)!;

test('a clean session: ok, no reasons, every camera reported in field order with its offsets', (t) => {
  const r = report(t, 's1', full({ CAM_C: { firstFrameAtRig: T0 + 3 }, CAM_R: { firstFrameAtRig: T0 + 1 } }).reverse(), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'ok');
  t.deepEqual(r.reasons, []);
  t.deepEqual(r.cameras.map((c) => c.cameraId), MEMBERS);
  t.is(r.spreadMs, 2);
  t.deepEqual(r.cameras.map((c) => c.startOffsetMs), [1, 2, 0], 'relative to the earliest camera (CAM_R)');
  const l = cam(r, 'CAM_L');
  t.deepEqual(l.syncAtStart, { offsetMs: 38, errorMs: 0.3, source: 'peers' });
  t.deepEqual(l.syncAtStop, { offsetMs: 38.5, errorMs: 0.3, source: 'peers' });
  t.is(l.file, 's1_CAM_L.mp4');
  t.is(l.firstFrameAt, T0 + 40);
  t.is(l.durationS, 60);
  t.is(l.missing, false);
  t.is(r.take, 1);
  t.deepEqual(r.takes, [1]);
  t.is(r.thresholdMs, 5);
});

test('an unknown session is SESSION_NOT_FOUND; an absent take is TAKE_NOT_FOUND naming the takes there are', (t) => {
  const none = sessionReport('nope', full(), MEMBERS, { thresholdMs: 5 });
  t.false(none.ok);
  if (!none.ok) t.is(none.code, 'SESSION_NOT_FOUND');
  const noTake = sessionReport('s1', full(), MEMBERS, { thresholdMs: 5, take: 3 });
  t.false(noTake.ok);
  if (!noTake.ok) { t.is(noTake.code, 'TAKE_NOT_FOUND'); t.regex(noTake.message, /takes: 1/); }
});

test('START_SPREAD fails when the first frames are further apart in rig time than the threshold, naming the late cameras', (t) => {
  const r = report(t, 's1', full({ CAM_C: { firstFrameAtRig: T0 + 2 + 9 }, CAM_R: { firstFrameAtRig: T0 + 2 + 5 } }), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'fail');
  t.is(r.spreadMs, 9);
  t.deepEqual(codes(r), ['START_SPREAD']);
  t.deepEqual(r.reasons[0]!.cameraIds, ['CAM_C'], 'CAM_R at exactly the threshold is not late');
  t.regex(r.reasons[0]!.message, /9\.0 ms apart/);
  const atLimit = report(t, 's1', full({ CAM_C: { firstFrameAtRig: T0 + 2 + 5 } }), MEMBERS, { thresholdMs: 5 });
  t.is(atLimit.verdict, 'ok', 'a spread equal to the threshold passes');
});

test('CAMERA_MISSING fails for a member without a manifest, reported as a missing row', (t) => {
  const r = report(t, 's1', full().slice(0, 2), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'fail');
  t.deepEqual(codes(r), ['CAMERA_MISSING']);
  t.deepEqual(r.reasons[0]!.cameraIds, ['CAM_R']);
  const row = cam(r, 'CAM_R');
  t.true(row.missing);
  t.is(row.file, null);
  t.is(row.firstFrameAtRig, null);
  t.is(r.spreadMs, 0, 'spread over the cameras that recorded');
});

test('a take made only of a recording that resumed by itself is not a start-all: no CAMERA_MISSING, a RESUMED warning naming the file it continues', (t) => {
  const died = { incomplete: true, stopReason: 'ENCODER_EXITED', errors: [{ code: 'ENCODER_EXITED', message: 'encoder killed by SIGKILL' }] };
  const all = [...full({ CAM_L: died }), manifest('CAM_L', { take: 2, file: 's1_CAM_L_2.mp4', firstFrameAt: T0 + 30_000, firstFrameAtRig: T0 + 29_962, resumes: 's1_CAM_L.mp4' })];
  const two = report(t, 's1', all, MEMBERS, { thresholdMs: 5, take: 2 });
  t.deepEqual(codes(two), ['RESUMED']);
  t.is(two.verdict, 'warn');
  t.is(two.reasons[0]!.message, 'CAM_L resumed by itself after s1_CAM_L.mp4 stopped; the other cameras go on in their own take');
  t.is(cam(two, 'CAM_L').resumes, 's1_CAM_L.mp4');
  const one = report(t, 's1', all, MEMBERS, { thresholdMs: 5, take: 1 });
  t.deepEqual(codes(one), ['INCOMPLETE'], 'the take it came from says which file stopped and why');
  t.is(cam(one, 'CAM_C').resumes, null);
  // A start-all's take with a camera missing is still CAMERA_MISSING.
  const partial = report(t, 's1', full().filter((m) => m.cameraId !== 'CAM_R'), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(partial), ['CAMERA_MISSING']);
});

test('a camera that recorded but is not a member any more is still reported', (t) => {
  const r = report(t, 's1', full(), ['CAM_L', 'CAM_C'], { thresholdMs: 5 });
  t.deepEqual(r.cameras.map((c) => c.cameraId), MEMBERS);
  t.is(r.verdict, 'ok');
});

test('INCOMPLETE and NO_FRAMES fail; DROPPED_FRAMES warns with the counts', (t) => {
  const inc = report(t, 's1', full({ CAM_L: { incomplete: true } }), MEMBERS, { thresholdMs: 5 });
  t.is(inc.verdict, 'fail');
  t.deepEqual(codes(inc), ['INCOMPLETE']);
  t.true(cam(inc, 'CAM_L').incomplete);
  const nf = report(t, 's1', full({ CAM_C: { firstFrameAt: null, firstFrameAtRig: null } }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(nf), ['NO_FRAMES'], 'no frame is not also SYNC_UNKNOWN');
  t.is(nf.verdict, 'fail');
  const dr = report(t, 's1', full({ CAM_R: { droppedFrames: 12 }, CAM_L: { droppedFrames: 1 } }), MEMBERS, { thresholdMs: 5 });
  t.is(dr.verdict, 'warn');
  t.deepEqual(codes(dr), ['DROPPED_FRAMES']);
  t.deepEqual(dr.reasons[0]!.cameraIds, ['CAM_L', 'CAM_R']);
  t.regex(dr.reasons[0]!.message, /CAM_L 1, CAM_R 12/);
  t.is(cam(dr, 'CAM_R').droppedFrames, 12);
});

test('an older manifest without rig time: SYNC_UNKNOWN, no spread claimed for it, and its top-level offsetMs kept', (t) => {
  const old = (id: string) => {
    const m = manifest(id, { offsetMs: null });
    delete m.firstFrameAtRig; delete m.syncAtStart; delete m.syncAtStop; delete m.take;
    return m;
  };
  const r = report(t, 's1', MEMBERS.map(old), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'warn');
  t.deepEqual(codes(r), ['SYNC_UNKNOWN']);
  t.deepEqual(r.reasons[0]!.cameraIds, MEMBERS);
  t.is(r.spreadMs, null, 'no camera has rig time: the spread is unknown, not 0');
  t.true(r.cameras.every((c) => c.startOffsetMs === null && c.syncAtStart === null && c.syncAtStop === null));
  t.is(r.take, 1, 'no take field is take 1');

  const mixed = report(t, 's1', [manifest('CAM_L'), manifest('CAM_C'), { ...old('CAM_R'), offsetMs: 12 }], MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(mixed), ['SYNC_UNKNOWN']);
  t.deepEqual(mixed.reasons[0]!.cameraIds, ['CAM_R']);
  t.deepEqual(cam(mixed, 'CAM_R').syncAtStart, { offsetMs: 12, errorMs: null, source: null });
  t.is(cam(mixed, 'CAM_R').startOffsetMs, null);
  t.is(mixed.spreadMs, 0);
});

test('SYNC_UNKNOWN when rig time is there but the offset at start is not measured', (t) => {
  const r = report(t, 's1', full({ CAM_C: { syncAtStart: sync(null, null), offsetMs: null } }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(r), ['SYNC_UNKNOWN']);
  t.deepEqual(r.reasons[0]!.cameraIds, ['CAM_C']);
});

test('DRIFT warns when the offset at stop moved from the one at start by more than the threshold, in either direction', (t) => {
  const r = report(t, 's1', full({ CAM_L: { syncAtStop: sync(38 + 7) }, CAM_R: { syncAtStop: sync(38 - 6) }, CAM_C: { syncAtStop: sync(38 + 5) } }), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'warn');
  t.deepEqual(codes(r), ['DRIFT']);
  t.deepEqual(r.reasons[0]!.cameraIds, ['CAM_L', 'CAM_R']);
  t.regex(r.reasons[0]!.message, /CAM_L 7\.0 ms, CAM_R -6\.0 ms/);
  const noStop = report(t, 's1', full({ CAM_L: { syncAtStop: null } }), MEMBERS, { thresholdMs: 5 });
  t.is(noStop.verdict, 'ok', 'no offset at stop: nothing to compare');
});

test('a camera still recording warns IN_PROGRESS and is not NO_FRAMES', (t) => {
  const r = report(t, 's1', full({ CAM_C: { inProgress: true, firstFrameAt: null, firstFrameAtRig: null, syncAtStop: null } }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(r), ['IN_PROGRESS']);
  t.is(r.verdict, 'warn');
  t.true(cam(r, 'CAM_C').inProgress);
});

test('a running take\'s manifest (incomplete until its end) is IN_PROGRESS only, never INCOMPLETE "after an abnormal stop"', (t) => {
  const r = report(t, 's1', full({ CAM_C: { inProgress: true, incomplete: true, syncAtStop: null } }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(r), ['IN_PROGRESS']);
  t.false(cam(r, 'CAM_C').incomplete && r.reasons.some((x) => x.code === 'INCOMPLETE'));
  const crashed = report(t, 's1', full({ CAM_C: { incomplete: true } }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(crashed), ['INCOMPLETE'], 'a finished incomplete take still fails');
});

test('a camera out of reach with its take still running is not "still recording": NODE_UNREACHABLE, the take fails', (t) => {
  // Killed mid-recording: its last manifest in the rig is the running one, until it is back.
  const r = report(t, 's1', full({ CAM_R: { inProgress: true, incomplete: true, syncAtStop: null } }), MEMBERS, { thresholdMs: 5, unreachable: ['CAM_R'] });
  t.deepEqual(codes(r), ['NODE_UNREACHABLE']);
  t.is(r.verdict, 'fail');
  t.regex(r.reasons[0]!.message, /CAM_R out of reach while recording/);
  const reachable = report(t, 's1', full({ CAM_R: { inProgress: true, syncAtStop: null } }), MEMBERS, { thresholdMs: 5, unreachable: ['CAM_L'] });
  t.deepEqual(codes(reachable), ['IN_PROGRESS'], 'an unreachable camera with a finished take changes nothing');
});

test('INCOMPLETE says why each file is incomplete: recovered after the node went down, or stopped by itself with its code', (t) => {
  const r = report(t, 's1', full({
    CAM_L: { incomplete: true, stopReason: 'ENCODER_EXITED' },
    CAM_C: { incomplete: true, stopReason: 'DISK_FULL' },
    CAM_R: { incomplete: true, stopReason: 'recovered-after-crash' },
  }), MEMBERS, { thresholdMs: 5 });
  t.deepEqual(codes(r), ['INCOMPLETE']);
  t.is(r.reasons[0]!.message,
    'the file of CAM_L is incomplete (stopped by itself: ENCODER_EXITED); CAM_C is incomplete (stopped by itself: DISK_FULL); CAM_R is incomplete (recovered after an abnormal stop)');
});

test('several reasons at once: the verdict is the worst, each reason names its cameras', (t) => {
  const r = report(t, 's1', full({ CAM_L: { droppedFrames: 3 }, CAM_C: { firstFrameAtRig: T0 + 50 } }).slice(0, 2), MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'fail');
  t.deepEqual(codes(r).sort(), ['CAMERA_MISSING', 'DROPPED_FRAMES', 'START_SPREAD']);
  t.true(r.reasons.every((x) => x.cameraIds.length > 0 && x.message.length > 0));
  t.deepEqual(r.reasons.find((x) => x.code === 'START_SPREAD')!.level, 'fail');
  t.deepEqual(r.reasons.find((x) => x.code === 'DROPPED_FRAMES')!.level, 'warn');
});

test('takes: the latest take by default, another on request; a camera with only an earlier take is missing from the latest', (t) => {
  const take2 = [manifest('CAM_L', { take: 2, file: 'l2.mp4', startAt: T0 + 100_000 }), manifest('CAM_C', { take: 2, file: 'c2.mp4', startAt: T0 + 100_000 })];
  const all = [...full(), ...take2];
  const latest = report(t, 's1', all, MEMBERS, { thresholdMs: 5 });
  t.is(latest.take, 2);
  t.deepEqual(latest.takes, [1, 2]);
  t.is(cam(latest, 'CAM_L').file, 'l2.mp4');
  t.deepEqual(codes(latest), ['CAMERA_MISSING']);
  t.regex(latest.reasons[0]!.message, /CAM_R has take 1/);
  const first = report(t, 's1', all, MEMBERS, { thresholdMs: 5, take: 1 });
  t.is(first.take, 1);
  t.is(first.verdict, 'ok');
  t.deepEqual(first.cameras.map((c) => c.file), ['s1_CAM_L.mp4', 's1_CAM_C.mp4', 's1_CAM_R.mp4']);
});

test('duplicates of one camera and take count once (the newest); other sessions and malformed entries are ignored', (t) => {
  const older = manifest('CAM_L', { startedAt: T0 - 10, file: 'old.mp4', droppedFrames: 99 });
  const newer = manifest('CAM_L', { startedAt: T0 + 10 });
  const junk = [{ sessionId: 's1' }, { sessionId: 's1', cameraId: 7 }, manifest('CAM_R', { sessionId: 's2', incomplete: true })] as Array<Record<string, unknown>>;
  const r = report(t, 's1', [older, newer, manifest('CAM_C'), manifest('CAM_R'), ...junk], MEMBERS, { thresholdMs: 5 });
  t.is(r.verdict, 'ok');
  t.is(cam(r, 'CAM_L').file, 's1_CAM_L.mp4');
  t.is(r.cameras.length, 3);
});

test('fields off the wire with the wrong type read as unknown, never as numbers', (t) => {
  const r = report(t, 's1', full({ CAM_L: { firstFrameAtRig: 'soon', durationS: 'long', droppedFrames: null, syncAtStart: 'x', offsetMs: Number.NaN } }), MEMBERS, { thresholdMs: 5 });
  const l = cam(r, 'CAM_L');
  t.is(l.firstFrameAtRig, null);
  t.is(l.durationS, null);
  t.is(l.droppedFrames, null);
  t.is(l.syncAtStart, null);
  t.deepEqual(codes(r), ['SYNC_UNKNOWN']);
});

test('takeOf: 1 without a take or with a nonsense one', (t) => {
  t.is(takeOf({}), 1);
  t.is(takeOf({ take: 0 }), 1);
  t.is(takeOf({ take: 2.5 }), 1);
  t.is(takeOf({ take: 3 }), 3);
});

test('the start beep reported is the one of this take\'s start-all (matched by its rig instant); none: null', (t) => {
  const T1 = T0 + 600_000;
  const beeps = [
    { startAt: T0, cameraId: 'CAM_L', atRig: T0 + 0.4, rigTimeKnown: true, durationMs: 150, frequencyHz: 2000 },
    { startAt: T1, cameraId: 'CAM_R', atRig: T1 + 0.6, rigTimeKnown: true, durationMs: 150, frequencyHz: 2000 },
  ];
  const takes = [...full(), ...MEMBERS.map((id) => manifest(id, { file: `s1_${id}_2.mp4`, take: 2, startAt: T1, firstFrameAtRig: T1 + 1 }))];
  t.deepEqual(report(t, 's1', takes, MEMBERS, { thresholdMs: 5, take: 1, beeps }).beep, { cameraId: 'CAM_L', atRig: T0 + 0.4, rigTimeKnown: true, durationMs: 150, frequencyHz: 2000 });
  t.is(report(t, 's1', takes, MEMBERS, { thresholdMs: 5, take: 2, beeps }).beep?.cameraId, 'CAM_R');
  t.is(report(t, 's1', takes, MEMBERS, { thresholdMs: 5, take: 2, beeps: beeps.slice(0, 1) }).beep, null, 'take 2 had no beep');
  t.is(report(t, 's1', full(), MEMBERS, { thresholdMs: 5 }).beep, null, 'no beeps given');
});
