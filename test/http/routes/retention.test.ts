import test from 'ava';
import { readdir } from 'node:fs/promises';
import { rigWithSession } from '../../helpers/rig.js';

const post = (n: { app: any }, url: string, payload: object = {}) => n.app.inject({ method: 'POST', url, payload });

test.serial('"Delete offloaded files" for the whole rig or one node, through any node: confirmed videos only, with the bytes freed', async (t) => {
  const { rig, camC, manifests } = await rigWithSession(t, 'clean-1');
  const of = (cam: string) => manifests.find((m: any) => m.cameraId === cam);
  // CAM_L and CAM_C are confirmed (through CAM_C), CAM_R is not.
  for (const cam of ['CAM_L', 'CAM_C']) {
    const m = of(cam);
    const c = await post(camC, '/api/v1/recordings/confirm', { sessionId: m.sessionId, cameraId: cam, file: m.file, checksum: { algo: 'sha256', value: m.sha256 } });
    t.is(c.statusCode, 200, c.body);
  }
  const one = (await camC.app.inject({ method: 'DELETE', url: '/api/v1/rig/nodes/CAM_L/recordings/offloaded' })).json();
  t.is(one.cameraId, 'CAM_L');
  t.true(one.ok);
  t.is(one.freedBytes, of('CAM_L').sizeBytes);
  t.false((await readdir(rig.nodes[0]!.config.current.storage.dataDir)).includes(of('CAM_L').file));

  const all = (await camC.app.inject({ method: 'DELETE', url: '/api/v1/rig/recordings/offloaded' })).json();
  t.deepEqual(all.nodes.map((n: any) => [n.cameraId, n.ok, n.freedBytes]), [['CAM_L', true, 0], ['CAM_C', true, of('CAM_C').sizeBytes], ['CAM_R', true, 0]]);
  t.is(all.freedBytes, of('CAM_C').sizeBytes);
  t.deepEqual(all.nodes.find((n: any) => n.cameraId === 'CAM_R').kept, [{ file: of('CAM_R').file, reason: 'not confirmed as offloaded' }]);
  t.true((await readdir(rig.nodes[2]!.config.current.storage.dataDir)).includes(of('CAM_R').file), 'an unconfirmed video stays');
  const bad = await camC.app.inject({ method: 'DELETE', url: '/api/v1/rig/nodes/CAM_X/recordings/offloaded' });
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'cameraId');
});
