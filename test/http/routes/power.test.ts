import test from 'ava';
import { testApp } from '../../helpers/app.js';

test('POST /shutdown answers first, then stops the node; the answer says whether it powers off', async (t) => {
  const reasons: string[] = [];
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => { stopped = resolve; });
  const { app } = await testApp(t, { power: { shutdownCommand: ['true'] } }, { shutdown: (reason) => { reasons.push(reason); stopped(); } });
  const r = await app.inject({ method: 'POST', url: '/api/v1/shutdown' });
  t.is(r.statusCode, 202);
  t.deepEqual(r.json(), { ok: true, cameraId: 'CAM_L', action: 'power-off' });
  await done;
  t.deepEqual(reasons, ['shutdown requested over HTTP']);
});

test('a node that cannot stop itself says so (503), and stops nothing', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/shutdown', payload: {} });
  t.is(r.statusCode, 503);
  t.is(r.json().error.code, 'NOT_AVAILABLE');
});
