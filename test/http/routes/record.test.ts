import test from 'ava';
import { testApp } from '../../helpers/app.js';
import { fakeRecorder } from '../helpers.js';

test('POST /record/start answers what the recorder answered, fields added later included', async (t) => {
  const { ref, seen } = fakeRecorder(t);
  const now = 1_780_000_000_000;
  const { app } = await testApp(t, {}, { recorder: ref, now: () => now });
  const r = await app.inject({ method: 'POST', url: '/api/v1/record/start', payload: { sessionId: 'S1' } });
  t.is(r.statusCode, 200, r.body);
  t.deepEqual(r.json(), { ok: true, sessionId: 'S1', file: 'S1_CAM_L_20261125_143000.mp4', startAt: now, firstFrameAt: now + 30, codec: 'h265', codecFallbackReason: null, firstFrameAtPrecise: now + 30.25 });
  t.like(seen[0], { type: 'start', sessionId: 'S1', startAt: now });
});

test('POST /record/start without a body takes a session id from the start instant', async (t) => {
  const { ref } = fakeRecorder(t);
  const now = Date.UTC(2026, 10, 25, 14, 30, 0);
  const { app } = await testApp(t, {}, { recorder: ref, now: () => now });
  const r = await app.inject({ method: 'POST', url: '/api/v1/record/start' });
  t.is(r.statusCode, 200, r.body);
  t.is(r.json().sessionId, '20261125-143000');
});

test('POST /record/stop keeps every field of the manifest and the answer', async (t) => {
  const { ref, seen } = fakeRecorder(t);
  const { app, deps } = await testApp(t, {}, { recorder: ref });
  const r = await app.inject({ method: 'POST', url: '/api/v1/record/stop', payload: { reason: 'half time' } });
  t.is(r.statusCode, 200, r.body);
  t.deepEqual(r.json().manifest, { file: 'S1_CAM_L_20261125_143000.mp4', sessionId: 'S1', take: 2, futureField: { nested: true } });
  t.deepEqual(r.json().warnings, [{ code: 'FINALISE_SLOW', message: 'x' }]);
  t.like(seen[0], { type: 'stop', reason: 'half time' });
  t.deepEqual(deps.logs.ring.toArray().filter((e) => e.code === 'HTTP_RESPONSE_SCHEMA'), []);
});
