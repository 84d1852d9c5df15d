import test from 'ava';
import { testApp } from '../../helpers/app.js';
import { NodeStatusSchema } from '../../../runtime/status.js';
import { softwareVersion } from '../../../runtime/version.js';

test('GET /api/v1/status answers every NodeStatus field, unmeasured values null', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'GET', url: '/api/v1/status' });
  t.is(r.statusCode, 200);
  const body = r.json();
  t.true(NodeStatusSchema.safeParse(body).success);
  for (const k of ['cameraId', 'state', 'sessionId', 'mode', 'video', 'encoder', 'storage', 'batteryPercent', 'temperatureC', 'sync', 'network', 'warnings', 'version']) {
    t.true(k in body, k);
  }
  t.is(body.batteryPercent, null);
  t.is(body.encoder.fps, null);
  t.is(body.sync.offsetMs, null);
});

test('GET /api/v1/status: version stays bare semver for scripts; versionLabel is the spec\'s soccer-rig-X.Y.Z', async (t) => {
  const { app, deps } = await testApp(t);
  deps.board.patch({ version: softwareVersion });
  const body = (await app.inject({ method: 'GET', url: '/api/v1/status' })).json();
  t.regex(body.version, /^\d+\.\d+\.\d+/);
  t.is(body.versionLabel, `soccer-rig-${softwareVersion}`);
});

test('GET /api/v1/status keeps fields the schema does not name, at every depth', async (t) => {
  const { app, deps } = await testApp(t);
  // What other parts of the node add (the sync actor's peers, a new top-level field) must reach the page.
  const peers = { CAM_C: { offsetMs: 1.5, vsRigMs: 0.7, rttMs: 0.3, errorMs: 0.2, ageMs: 10 } };
  const sync = { offsetMs: 0.4, peers };
  const patch = { sync, extraTopLevel: { a: 1 } };
  deps.board.patch(patch);
  const body = (await app.inject({ method: 'GET', url: '/api/v1/status' })).json();
  t.deepEqual(body.sync.peers, peers);
  t.is(body.sync.offsetMs, 0.4);
  t.deepEqual(body.extraTopLevel, { a: 1 });
  t.deepEqual(deps.logs.ring.toArray().filter((e) => e.code === 'HTTP_RESPONSE_SCHEMA'), []);
});
