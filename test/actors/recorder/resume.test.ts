import test from 'ava';
import { ResumePolicy, createResumer } from '../../../actors/recorder/resume.js';
import type { StartReply } from '../../../actors/recorder/messages.js';
import type { SessionResult } from '../../../actors/recorder/session.js';

const died = { manifest: { errors: [{ code: 'ENCODER_EXITED', message: 'encoder killed by SIGKILL' }], stopReason: null } } as unknown as SessionResult;

function resumer(reply: StartReply | null, policy = new ResumePolicy({ max: 2, windowMs: 60_000 })) {
  let clock = Date.UTC(2026, 11, 2, 14, 30, 5);
  const warnings = new Map<string, string>();
  const logged: string[] = [];
  const starts: string[] = [];
  const resume = createResumer({
    policy, now: () => clock,
    log: { warn: (o: object) => { logged.push(String((o as { code: string }).code)); }, error: (o: object) => { logged.push(String((o as { code: string }).code)); } },
    warnings: { set: (code, message) => { warnings.set(code, message); } },
    start: (sessionId) => { starts.push(sessionId); return reply ? Promise.resolve(reply) : null; },
  });
  return { resume, warnings, logged, starts, advance: (ms: number) => { clock += ms; } };
}

const ok: StartReply = { ok: true, sessionId: 'S1', file: 'S1_CAM_L_20261202_143006.mp4', startAt: 0, firstFrameAt: 0, codec: 'h264', codecFallbackReason: null };

test('a recording that ended by itself is started again at once, and the card says what stopped it, when, and which file goes on', async (t) => {
  const r = resumer(ok);
  r.resume('S1', died);
  await Promise.resolve();
  await Promise.resolve();
  t.deepEqual(r.starts, ['S1']);
  t.is(r.warnings.get('RECORDING_RESUMED'), 'recording stopped by itself at 14:30:05 UTC (ENCODER_EXITED: encoder killed by SIGKILL) and resumed at once as a new take: S1_CAM_L_20261202_143006.mp4');
  t.deepEqual(r.logged, ['RECORDING_RESUMED']);
});

test('a resume the start gates refuse (a full disk) leaves the camera in error, saying why', async (t) => {
  const r = resumer({ ok: false, code: 'START_BLOCKED', message: 'disk full: 0 minutes left', reasons: [] });
  r.resume('S1', died);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(r.warnings.get('RECORDING_NOT_RESUMED'), 'the recording stopped by itself (ENCODER_EXITED) and could not be resumed: disk full: 0 minutes left');
  t.false(r.warnings.has('RECORDING_RESUMED'));
});

test('a crash loop is bounded: after max resumes within the window the camera is left for the operator, and a later failure is resumed again', async (t) => {
  const r = resumer(ok);
  r.resume('S1', died);
  r.advance(10_000);
  r.resume('S1', died);
  r.advance(10_000);
  r.resume('S1', died);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(r.starts.length, 2, 'two resumes, the third refused');
  t.regex(r.warnings.get('RECORDING_NOT_RESUMED')!, /stopped by itself 2 times within 1 min \(last: ENCODER_EXITED\); not resumed again: check the camera and press Start/);
  r.advance(60_000);
  r.resume('S1', died);
  t.is(r.starts.length, 3, 'outside the window it is resumed again');
});

test('a recording that ended on a full disk is not resumed: a new take could not write either', (t) => {
  const r = resumer(ok);
  r.resume('S1', { manifest: { errors: [{ code: 'DISK_FULL', message: 'no space left' }], stopReason: null } } as unknown as SessionResult);
  t.deepEqual(r.starts, []);
  t.deepEqual(r.logged, ['RECORDING_NOT_RESUMED']);
});

test('a recorder that is closing resumes nothing', (t) => {
  const r = resumer(null);
  r.resume('S1', died);
  t.deepEqual(r.starts, ['S1']);
  t.deepEqual([...r.warnings.keys()], []);
});

test('the budget is per session', (t) => {
  const p = new ResumePolicy({ max: 1, windowMs: 1000 });
  t.true(p.take('A', 0));
  t.false(p.take('A', 10));
  t.true(p.take('B', 10));
  t.true(p.take('A', 1000));
});
