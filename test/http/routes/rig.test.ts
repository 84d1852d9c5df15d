import test from 'ava';
import { testApp } from '../../helpers/app.js';
import { fakeRecorder } from '../helpers.js';

test('a control for this node\'s own camera goes through this node\'s own route', async (t) => {
  const { ref, seen } = fakeRecorder(t);
  const { app } = await testApp(t, {}, { recorder: ref, now: () => 1_780_000_000_000 });
  const r = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_L/record/start', payload: { sessionId: 'S7' } });
  t.is(r.statusCode, 200, r.body);
  t.is(r.json().sessionId, 'S7');
  t.like(seen[0], { type: 'start', sessionId: 'S7' });
  // The own route's validation answers for the relay too.
  const bad = await app.inject({ method: 'POST', url: '/api/v1/rig/nodes/CAM_L/record/start', payload: { sessionId: 'no spaces' } });
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'sessionId');
});

test('this node\'s own preview and files are a redirect, not a relay', async (t) => {
  const { app } = await testApp(t);
  const p = await app.inject({ method: 'GET', url: '/api/v1/rig/nodes/CAM_L/preview.jpg' });
  t.is(p.statusCode, 307);
  t.is(p.headers.location, '/api/v1/preview.jpg');
  const f = await app.inject({ method: 'GET', url: '/api/v1/rig/nodes/CAM_L/recordings/S1_CAM_L.json' });
  t.is(f.statusCode, 307);
  t.is(f.headers.location, '/recordings/S1_CAM_L.json');
});

test('without the rig view, rig routes answer a named 503', async (t) => {
  const { app } = await testApp(t);
  for (const [method, url] of [['GET', '/api/v1/rig'], ['GET', '/api/v1/rig/recordings'], ['POST', '/api/v1/rig/record/stop'], ['GET', '/api/v1/rig/nodes/CAM_C/preview.jpg']] as const) {
    const r = await app.inject({ method, url });
    t.is(r.statusCode, 503, `${method} ${url}`);
    t.is(r.json().error.code, 'NOT_AVAILABLE');
  }
});
