import test from 'ava';
import { testApp } from '../../helpers/app.js';

// The relay to another node is proven against three real nodes in test/dashboard/dashboard.e2e.test.ts
// ("from CAM_L's page, CAM_R's audio and mode switches…"); here: this node's own config through
// the same route, and the answers for what cannot be relayed.

const host = { host: 'localhost' };

test('this node\'s own config through the relay route is the config route\'s answer', async (t) => {
  const { app } = await testApp(t);
  const direct = await app.inject({ method: 'GET', url: '/api/v1/config', headers: host });
  const relayed = await app.inject({ method: 'GET', url: '/api/v1/rig/nodes/CAM_L/config', headers: host });
  t.is(relayed.statusCode, 200);
  t.deepEqual(relayed.json(), direct.json());
  const set = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_L/config', headers: host, payload: { audio: { enabled: false } } });
  t.is(set.statusCode, 200);
  t.deepEqual(set.json().changed, ['audio.enabled']);
  t.is((await app.inject({ method: 'GET', url: '/api/v1/config', headers: host })).json().audio.enabled, false);
});

test('the node\'s own checks apply: bad config and a missing PIN are refused as on /config', async (t) => {
  const { app } = await testApp(t, { api: { token: '4321' } });
  const noPin = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_L/config', headers: host, payload: { audio: { enabled: false } } });
  t.is(noPin.statusCode, 401);
  const auth = { ...host, authorization: 'Bearer 4321' };
  const bad = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_L/config', headers: auth, payload: { video: { bitrateMbps: 500 } } });
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'video.bitrateMbps');
});

test('an unknown camera id is a 400 naming the field; another node without a rig view is a 503', async (t) => {
  const { app } = await testApp(t);
  const bad = await app.inject({ method: 'GET', url: '/api/v1/rig/nodes/CAM_X/config', headers: host });
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'cameraId');
  const noRig = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_R/config', headers: host, payload: { audio: { enabled: false } } });
  t.is(noRig.statusCode, 503);
  t.is(noRig.json().error.code, 'NOT_AVAILABLE');
});
