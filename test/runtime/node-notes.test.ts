import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRig, converged } from '../helpers/rig.js';
import { waitFor } from '../helpers/net.js';

const post = (n: { app: any }, url: string, payload: object = {}) => n.app.inject({ method: 'POST', url, payload });

/** Records a short take on one node and answers its finished manifest. */
async function take(n: any, sessionId: string): Promise<any> {
  const start = await post(n, '/api/v1/record/start', { sessionId });
  if (start.statusCode !== 200) throw new Error(start.body);
  await waitFor(async () => (n.board.snapshot().encoder.fps ?? 0) > 0, 20_000);
  const stop = await post(n, '/api/v1/record/stop');
  if (stop.statusCode !== 200) throw new Error(stop.body);
  return stop.json().manifest;
}

const confirm = (n: any, m: any) => post(n, '/api/v1/recordings/confirm', { sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, checksum: { algo: 'sha256', value: m.sha256 } });

test('every deletion goes into the rig log with what it freed: deleteAfterConfirm at once on confirm, and the operator\'s cleanup, read on another node', async (t) => {
  const rig = await startRig(t);
  await converged(rig.nodes, 30_000);
  const [camL, camC, camR] = rig.nodes as [any, any, any];
  const notesOn = async (n: any) => (await n.app.inject({ method: 'GET', url: '/api/v1/rig/log' })).json().notes as any[];

  // CAM_L deletes as soon as a copy is confirmed: the confirmation's answer comes after the deletion.
  t.is((await post(camL, '/api/v1/config', { retention: { deleteAfterConfirm: true } })).statusCode, 200);
  const ml = await take(camL, 'notes-1');
  t.is((await confirm(camL, ml)).statusCode, 200);
  t.false(existsSync(join(camL.config.current.storage.dataDir, ml.file)), 'deleted by the confirm itself, not at the next pass');

  // CAM_R keeps confirmed files until the operator deletes them.
  const mr = await take(camR, 'notes-1');
  t.is((await confirm(camR, mr)).statusCode, 200);
  t.true(existsSync(join(camR.config.current.storage.dataDir, mr.file)));
  const cleanup = await camC.app.inject({ method: 'DELETE', url: '/api/v1/rig/nodes/CAM_R/recordings/offloaded' });
  t.is(cleanup.statusCode, 200, cleanup.body);
  t.deepEqual(cleanup.json().deleted.map((d: any) => d.file), [mr.file]);

  // Both reach CAM_C's rig log through the rig, each with the bytes freed and why.
  const notes = await waitFor(async () => {
    const all = (await notesOn(camC)).filter((n) => n.type === 'deletion');
    return all.length >= 2 ? all : null;
  }, 15_000);
  t.like(notes.find((n) => n.by === 'CAM_L'), { type: 'deletion', cameraId: 'CAM_L', file: ml.file, bytes: ml.sizeBytes, reason: 'deleteAfterConfirm' });
  t.like(notes.find((n) => n.by === 'CAM_R'), { type: 'deletion', cameraId: 'CAM_R', file: mr.file, bytes: mr.sizeBytes, reason: 'operator' });
  t.true(ml.sizeBytes > 0 && mr.sizeBytes > 0);
  // And the manifests the rig lists say deleted.
  await waitFor(async () => (await camC.app.inject({ method: 'GET', url: '/api/v1/rig/recordings' })).json().recordings
    .filter((m: any) => m.sessionId === 'notes-1' && m.deletedAt).length === 2, 15_000);
});
