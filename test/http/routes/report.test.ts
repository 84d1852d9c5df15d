import test from 'ava';
import Fastify from 'fastify';
import { installZod } from '../../../http/zod.js';
import { installErrorHandling } from '../../../http/errors.js';
import { reportRoutes, SessionReportSchema, type ReportRig } from '../../../http/routes/report.js';
import { testApp } from '../../helpers/app.js';

// The plugin over a fake rig (its deps); the real replicated view is proven in
// test/dashboard/report.e2e.test.ts against the three-node demo.

const T0 = 1_800_000_000_000;
const manifest = (cameraId: string, over: Record<string, unknown> = {}) => ({
  file: `m1_${cameraId}.mp4`, sessionId: 'match-1', cameraId, startAt: T0, take: 1, firstFrameAt: T0 + 3, firstFrameAtRig: T0 + 1,
  offsetMs: 2, syncAtStart: { offsetMs: 2, errorMs: 0.2, source: 'peers', peers: {} }, syncAtStop: { offsetMs: 2.1, errorMs: 0.2, source: 'peers', peers: {} },
  durationS: 30, droppedFrames: 0, incomplete: false, ...over,
});

async function plugin(t: Parameters<typeof testApp>[0], rig: ReportRig | undefined, thresholdMs = 5) {
  const app = Fastify();
  installZod(app);
  installErrorHandling(app);
  await app.register(reportRoutes, { rig, thresholdMs: () => thresholdMs });
  t.teardown(() => app.close());
  return app;
}

const rigOf = (manifests: Array<Record<string, unknown>>, members = ['CAM_L', 'CAM_C', 'CAM_R'], beeps: ReturnType<ReportRig['beeps']> = []): ReportRig => ({
  recordings: async () => manifests,
  snapshot: () => ({ nodes: members.map((cameraId) => ({ cameraId })) }),
  beeps: (sessionId) => (sessionId === 'match-1' ? beeps : []),
});

test('a session\'s report: 200 in the documented shape, cameras in field order, the verdict and its reasons', async (t) => {
  const app = await plugin(t, rigOf([manifest('CAM_R', { firstFrameAtRig: T0 + 12 }), manifest('CAM_L'), manifest('CAM_C', { droppedFrames: 4 })]));
  const r = await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' });
  t.is(r.statusCode, 200, r.body);
  const body = SessionReportSchema.parse(r.json());
  t.is(body.sessionId, 'match-1');
  t.deepEqual(body.cameras.map((c) => c.cameraId), ['CAM_L', 'CAM_C', 'CAM_R']);
  t.is(body.spreadMs, 11);
  t.is(body.verdict, 'fail');
  t.deepEqual(body.reasons.map((x) => [x.code, x.cameraIds]), [['START_SPREAD', ['CAM_R']], ['DROPPED_FRAMES', ['CAM_C']]]);
  t.is(body.thresholdMs, 5);
});

test('the threshold is the config\'s, read per request', async (t) => {
  const app = await plugin(t, rigOf([manifest('CAM_R', { firstFrameAtRig: T0 + 12 }), manifest('CAM_L'), manifest('CAM_C')]), 20);
  const body = (await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' })).json();
  t.is(body.verdict, 'ok');
  t.is(body.thresholdMs, 20);
});

test('a member without a file is CAMERA_MISSING; ?take=N picks a take', async (t) => {
  const app = await plugin(t, rigOf([manifest('CAM_L'), manifest('CAM_C'), manifest('CAM_R'), manifest('CAM_L', { take: 2, file: 'l2.mp4' })]));
  const latest = (await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' })).json();
  t.is(latest.take, 2);
  t.deepEqual(latest.reasons.map((x: { code: string }) => x.code), ['CAMERA_MISSING']);
  t.deepEqual(latest.cameras.filter((c: { missing: boolean }) => c.missing).map((c: { cameraId: string }) => c.cameraId), ['CAM_C', 'CAM_R']);
  const first = await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report?take=1' });
  t.is(first.statusCode, 200);
  t.is(first.json().verdict, 'ok');
});

test('an unknown session is a 404 SESSION_NOT_FOUND naming the field; an absent take names take', async (t) => {
  const app = await plugin(t, rigOf([manifest('CAM_L')]));
  const r = await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/other-9/report' });
  t.is(r.statusCode, 404);
  t.is(r.json().error.code, 'SESSION_NOT_FOUND');
  t.is(r.json().error.field, 'sessionId');
  const noTake = await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report?take=4' });
  t.is(noTake.statusCode, 404);
  t.is(noTake.json().error.code, 'TAKE_NOT_FOUND');
  t.is(noTake.json().error.field, 'take');
});

test('a bad id or take is a 400 naming the field (the record routes\' id rules), never a 500', async (t) => {
  const app = await plugin(t, rigOf([manifest('CAM_L')]));
  for (const [url, field] of [
    ['/api/v1/rig/sessions/bad%20id/report', 'sessionId'],
    ['/api/v1/rig/sessions/a.b/report', 'sessionId'],
    [`/api/v1/rig/sessions/${'x'.repeat(49)}/report`, 'sessionId'],
    ['/api/v1/rig/sessions/match-1/report?take=0', 'take'],
    ['/api/v1/rig/sessions/match-1/report?take=two', 'take'],
    ['/api/v1/rig/sessions/match-1/report?other=1', 'other'],
  ] as const) {
    const r = await app.inject({ method: 'GET', url });
    t.is(r.statusCode, 400, url);
    t.is(r.json().error.field, field, url);
  }
});

test('on the node\'s app: registered, and 503 NOT_AVAILABLE without the rig view', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report', headers: { host: 'localhost' } });
  t.is(r.statusCode, 503);
  t.is(r.json().error.code, 'NOT_AVAILABLE');
});

test('the take\'s start beep is in the report (which node, when on rig time), so the laptop\'s report.json has it', async (t) => {
  const beep = { startAt: T0, cameraId: 'CAM_C', atRig: T0 + 0.7, rigTimeKnown: true, durationMs: 150, frequencyHz: 2000 };
  const app = await plugin(t, rigOf([manifest('CAM_L'), manifest('CAM_C'), manifest('CAM_R')], undefined, [beep]));
  const body = SessionReportSchema.parse((await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' })).json());
  t.deepEqual(body.beep, { cameraId: 'CAM_C', atRig: T0 + 0.7, rigTimeKnown: true, durationMs: 150, frequencyHz: 2000 });
  const none = await plugin(t, rigOf([manifest('CAM_L'), manifest('CAM_C'), manifest('CAM_R')]));
  t.is((await none.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' })).json().beep, null, 'no beep played: null, not absent');
});

test('a member the rig view marks unreachable, with its take still running, fails as NODE_UNREACHABLE (not "still recording")', async (t) => {
  const rig: ReportRig = {
    recordings: async () => [manifest('CAM_L'), manifest('CAM_C'), manifest('CAM_R', { inProgress: true, incomplete: true, syncAtStop: null })],
    snapshot: () => ({ nodes: [{ cameraId: 'CAM_L', reachable: true }, { cameraId: 'CAM_C', reachable: true }, { cameraId: 'CAM_R', reachable: false }] }),
    beeps: () => [],
  };
  const app = await plugin(t, rig);
  const body = (await app.inject({ method: 'GET', url: '/api/v1/rig/sessions/match-1/report' })).json();
  t.is(body.verdict, 'fail');
  t.deepEqual(body.reasons.map((r: any) => r.code), ['NODE_UNREACHABLE']);
});
