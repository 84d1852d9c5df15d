import test from 'ava';
import { startRig, converged, CAMS } from '../../helpers/rig.js';
import { waitFor } from '../../helpers/net.js';
import type { RunningNode } from '../../../runtime/node.js';

const post = (n: RunningNode, url: string, payload: object = {}) => n.app.inject({ method: 'POST', url, payload });
const get = async (n: RunningNode, url: string) => (await n.app.inject({ method: 'GET', url })).json();

// Found in a match-day rehearsal: while the rig recorded, a node's report said the two other
// cameras had "no recording" (CAMERA_MISSING, verdict fail), because only finished manifests
// reached the rig; and its own running file was called incomplete "after an abnormal stop".
test.serial('while all record, every node lists every camera\'s running take and its report says in progress, not missing', async (t) => {
  const rig = await startRig(t);
  await converged(rig.nodes);
  const started = (await post(rig.nodes[0]!, '/api/v1/rig/record/start', { sessionId: 'live-1' })).json();
  t.deepEqual(started.results.map((x: any) => x.result), ['ok', 'ok', 'ok'], JSON.stringify(started));
  for (const [i, n] of rig.nodes.entries()) {
    const running = await waitFor(async () => {
      const recs = (await get(n, '/api/v1/rig/recordings')).recordings.filter((m: any) => m.sessionId === 'live-1');
      // Published when armed, then again with the first frame: wait for the second.
      return recs.length === 3 && recs.every((m: any) => typeof m.firstFrameAt === 'number') ? recs : null;
    }, 10_000, 50).catch(() => null);
    t.truthy(running, `${CAMS[i]} lists all three running takes`);
    t.true((running ?? []).every((m: any) => m.inProgress === true && typeof m.firstFrameAt === 'number'), JSON.stringify(running));
    const r = await get(n, '/api/v1/rig/sessions/live-1/report');
    t.deepEqual(r.cameras.map((c: any) => [c.cameraId, c.missing, c.inProgress]), CAMS.map((id) => [id, false, true]), `${CAMS[i]}'s report`);
    t.deepEqual(r.reasons.filter((x: any) => x.level === 'fail' && x.code !== 'START_SPREAD').map((x: any) => x.code), [], JSON.stringify(r.reasons));
    t.true(r.reasons.some((x: any) => x.code === 'IN_PROGRESS'));
  }
  await post(rig.nodes[1]!, '/api/v1/rig/record/stop');
  // The final manifests replace the running ones everywhere: one entry per camera, finished.
  for (const n of rig.nodes) {
    const done = await waitFor(async () => {
      const recs = (await get(n, '/api/v1/rig/recordings')).recordings.filter((m: any) => m.sessionId === 'live-1');
      return recs.length === 3 && recs.every((m: any) => !m.inProgress && m.sha256) ? recs : null;
    }, 10_000, 50);
    t.is(done.length, 3);
    const r = await get(n, '/api/v1/rig/sessions/live-1/report');
    t.false(r.reasons.some((x: any) => x.code === 'IN_PROGRESS' || x.code === 'CAMERA_MISSING' || x.code === 'INCOMPLETE'), JSON.stringify(r.reasons));
  }
});

test.serial('a start cancelled while armed leaves no running take in the rig: only takes with a first frame are published', async (t) => {
  const rig = await startRig(t);
  await converged(rig.nodes);
  const [camL, camC] = [rig.nodes[0]!, rig.nodes[1]!];
  // The start answers at the instant (with its first frame): stopped before it, it is cancelled.
  const armed = post(camL, '/api/v1/record/start', { sessionId: 'cancelled', startAt: Date.now() + 6000 });
  await waitFor(async () => (await get(camC, '/api/v1/rig')).nodes.find((n: any) => n.cameraId === 'CAM_L').status?.state === 'armed', 5000, 50);
  t.is((await post(camL, '/api/v1/record/stop')).statusCode, 200);
  t.is((await armed).json().error?.code ?? (await armed).json().code, 'START_CANCELLED', (await armed).body);
  // The log is ordered: once CAM_C holds a later take's final manifest, it holds all CAM_L published before.
  t.is((await post(camL, '/api/v1/record/start', { sessionId: 'after' })).statusCode, 200);
  await waitFor(async () => (await get(camL, '/api/v1/status')).encoder.fps > 0, 15_000, 50);
  await post(camL, '/api/v1/record/stop');
  await waitFor(async () => (await get(camC, '/api/v1/rig/recordings')).recordings.some((m: any) => m.sessionId === 'after' && m.sha256), 10_000, 50);
  const phantom = (await get(camC, '/api/v1/rig/recordings')).recordings.filter((m: any) => m.sessionId === 'cancelled');
  t.deepEqual(phantom.map((m: any) => [m.file, m.inProgress, m.firstFrameAt, m.startAt, m.stoppedAt, m.durationS, m.stopReason]), [], 'no take that never recorded a frame is listed on another node');
});
