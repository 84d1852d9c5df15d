import test from 'ava';
import { readFile } from 'node:fs/promises';
import { testApp } from '../helpers/app.js';
import type { AppDeps } from '../../http/deps.js';

/** Log lines that say the node itself failed: a 500, or an answer that did not match its schema. */
const internalErrors = (deps: AppDeps) => deps.logs.ring.toArray().filter((e) => e.code === 'HTTP_INTERNAL' || e.code === 'HTTP_RESPONSE_SCHEMA');

/** Each bad request gets a 4xx with {error:{code,message}} and changes nothing on disk. */
const badInputs: Array<{ name: string; method: 'POST' | 'GET' | 'DELETE'; url: string; payload?: string | object; headers?: Record<string, string>; status: number; code: string; field?: string }> = [
  { name: 'malformed JSON', method: 'POST', url: '/api/v1/config', payload: '{"video": {', headers: { 'content-type': 'application/json' }, status: 400, code: 'INVALID_JSON' },
  { name: 'JSON array body', method: 'POST', url: '/api/v1/config', payload: [1, 2], status: 400, code: 'VALIDATION_FAILED' },
  { name: 'JSON string body', method: 'POST', url: '/api/v1/config', payload: '"hi"', headers: { 'content-type': 'application/json' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'empty JSON body', method: 'POST', url: '/api/v1/config', payload: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'EMPTY_BODY' },
  { name: 'wrong type', method: 'POST', url: '/api/v1/config', payload: { video: { fps: 'thirty' } }, status: 400, code: 'INVALID_CONFIG', field: 'video.fps' },
  { name: 'unknown field', method: 'POST', url: '/api/v1/config', payload: { video: { colour: 'red' } }, status: 400, code: 'INVALID_CONFIG', field: 'video.colour' },
  { name: 'out of range', method: 'POST', url: '/api/v1/config', payload: { http: { port: 0 } }, status: 400, code: 'INVALID_CONFIG', field: 'http.port' },
  { name: 'bad enum', method: 'POST', url: '/api/v1/config', payload: { mode: 'debug' }, status: 400, code: 'INVALID_CONFIG', field: 'mode' },
  { name: 'null body field', method: 'POST', url: '/api/v1/config', payload: { camera: null }, status: 400, code: 'INVALID_CONFIG', field: 'camera' },
  { name: 'wrong content type', method: 'POST', url: '/api/v1/config', payload: 'mode=development', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'text body', method: 'POST', url: '/api/v1/config', payload: 'hello', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversize body', method: 'POST', url: '/api/v1/config', payload: JSON.stringify({ camera: { position: 'x'.repeat(70_000) } }), headers: { 'content-type': 'application/json' }, status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'prototype pollution', method: 'POST', url: '/api/v1/config', payload: '{"__proto__": {"mode": "development"}}', headers: { 'content-type': 'application/json' }, status: 400, code: 'INVALID_JSON' },
  // Per route: the zod schemas' answers name the field (body and params alike).
  { name: 'record/start: bad session id', method: 'POST', url: '/api/v1/record/start', payload: { sessionId: 'bad id!' }, status: 400, code: 'VALIDATION_FAILED', field: 'sessionId' },
  { name: 'record/start: startAt not a number', method: 'POST', url: '/api/v1/record/start', payload: { startAt: 'soon' }, status: 400, code: 'VALIDATION_FAILED', field: 'startAt' },
  { name: 'record/start: startAt far ahead', method: 'POST', url: '/api/v1/record/start', payload: { startAt: Date.now() + 3_600_000 }, status: 400, code: 'VALIDATION_FAILED', field: 'startAt' },
  { name: 'record/start: unknown field', method: 'POST', url: '/api/v1/record/start', payload: { session: 'x' }, status: 400, code: 'VALIDATION_FAILED', field: 'session' },
  { name: 'record/start: array body', method: 'POST', url: '/api/v1/record/start', payload: [1], status: 400, code: 'VALIDATION_FAILED' },
  { name: 'record/stop: reason not a string', method: 'POST', url: '/api/v1/record/stop', payload: { reason: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'reason' },
  { name: 'selftest: too short', method: 'POST', url: '/api/v1/selftest', payload: { durationS: 1 }, status: 400, code: 'VALIDATION_FAILED', field: 'durationS' },
  { name: 'rig/record/start: lead too short', method: 'POST', url: '/api/v1/rig/record/start', payload: { leadMs: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'leadMs' },
  { name: 'rig/record/stop: unknown field', method: 'POST', url: '/api/v1/rig/record/stop', payload: { now: true }, status: 400, code: 'VALIDATION_FAILED', field: 'now' },
  { name: 'sessions: bad id in the path', method: 'GET', url: '/api/v1/sessions/bad%20id', status: 400, code: 'VALIDATION_FAILED', field: 'sessionId' },
  { name: 'sessions: note too long', method: 'POST', url: '/api/v1/sessions/S1', payload: { notes: 'x'.repeat(2001) }, status: 400, code: 'VALIDATION_FAILED', field: 'notes' },
  { name: 'sessions: unknown field', method: 'POST', url: '/api/v1/sessions/S1', payload: { referee: 'x' }, status: 400, code: 'VALIDATION_FAILED', field: 'referee' },
  { name: 'rig node: unknown camera', method: 'GET', url: '/api/v1/rig/nodes/CAM_X/preview.jpg', status: 400, code: 'VALIDATION_FAILED', field: 'cameraId' },
  { name: 'rig node: unknown camera (control)', method: 'POST', url: '/api/v1/rig/nodes/CAM_X/lockview', payload: {}, status: 400, code: 'VALIDATION_FAILED', field: 'cameraId' },
  { name: 'rig node: not a live file', method: 'GET', url: '/api/v1/rig/nodes/CAM_C/live/evil.sh', status: 400, code: 'VALIDATION_FAILED', field: 'file' },
  { name: 'live: not a live file', method: 'GET', url: '/api/v1/live/playlist.m3u8', status: 400, code: 'VALIDATION_FAILED', field: 'file' },
  { name: 'files: not a recording name', method: 'GET', url: '/recordings/node.yaml', status: 400, code: 'VALIDATION_FAILED', field: 'file' },
  { name: 'confirm: no checksum', method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: 'S1', cameraId: 'CAM_L', file: 'f.mp4' }, status: 400, code: 'VALIDATION_FAILED', field: 'checksum' },
  { name: 'confirm: checksum not hex', method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: 'S1', cameraId: 'CAM_L', file: 'f.mp4', checksum: { algo: 'sha256', value: 'z'.repeat(64) } }, status: 400, code: 'VALIDATION_FAILED', field: 'checksum.value' },
  { name: 'confirm: other algorithm', method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: 'S1', cameraId: 'CAM_L', file: 'f.mp4', checksum: { algo: 'md5', value: 'a'.repeat(64) } }, status: 400, code: 'VALIDATION_FAILED', field: 'checksum.algo' },
  { name: 'confirm: no session id in either spelling', method: 'POST', url: '/api/v1/recordings/confirm', payload: { cameraId: 'CAM_L', file: 'f.mp4', checksum: { algo: 'sha256', value: 'a'.repeat(64) } }, status: 400, code: 'VALIDATION_FAILED', field: 'sessionId' },
  { name: 'confirm: the two spellings disagree', method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: 'S1', session_id: 'S2', cameraId: 'CAM_L', file: 'f.mp4', checksum: { algo: 'sha256', value: 'a'.repeat(64) } }, status: 400, code: 'VALIDATION_FAILED', field: 'session_id' },
  { name: 'confirm: unknown camera (spec spelling)', method: 'POST', url: '/api/v1/recordings/confirm', payload: { session_id: 'S1', camera_id: 'CAM_X', file: 'f.mp4', checksum: { algo: 'sha256', value: 'a'.repeat(64) } }, status: 400, code: 'VALIDATION_FAILED', field: 'camera_id' },
  { name: 'shutdown: unknown field', method: 'POST', url: '/api/v1/shutdown', payload: { force: true }, status: 400, code: 'VALIDATION_FAILED', field: 'force' },
  { name: 'path segment over 100 characters', method: 'GET', url: `/api/v1/sessions/${'x'.repeat(300)}`, status: 414, code: 'URI_TOO_LONG' },
  { name: 'broken URL encoding', method: 'GET', url: '/api/v1/sessions/%E0%A4%A', status: 400, code: 'BAD_URL' },
  { name: 'unknown route', method: 'GET', url: '/api/v1/nope', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', method: 'DELETE', url: '/api/v1/status', status: 404, code: 'NOT_FOUND' },
  { name: 'foreign Host header', method: 'GET', url: '/api/v1/status', headers: { host: 'evil.example.com' }, status: 403, code: 'HOST_NOT_ALLOWED' },
];

for (const c of badInputs) {
  test(`bad input: ${c.name} → ${c.status} ${c.code}`, async (t) => {
    const { app, configPath, deps } = await testApp(t);
    const before = await readFile(configPath, 'utf8');
    const r = await app.inject({ method: c.method, url: c.url, ...(c.payload !== undefined ? { payload: c.payload } : {}), ...(c.headers ? { headers: c.headers } : {}) });
    t.is(r.statusCode, c.status, r.body);
    const body = r.json();
    t.is(body.error.code, c.code);
    t.is(typeof body.error.message, 'string');
    t.true(body.error.message.length > 0);
    if (c.field) t.is(body.error.field, c.field);
    t.is(await readFile(configPath, 'utf8'), before, 'nothing written');
    t.deepEqual(internalErrors(deps), [], 'nothing unnamed went wrong');
  });
}


/**
 * Hostile input on every route the node documents: whatever arrives, the answer is the node's
 * own (a named 4xx, or a named 503 for a part this test app does not run), never an unnamed 500.
 */
test('no input on any route yields a 500', async (t) => {
  const { app, deps } = await testApp(t);
  const paths = (await app.inject({ method: 'GET', url: '/docs/json' })).json().paths as Record<string, Record<string, unknown>>;
  const params = ['CAM_L', 'CAM_C', '..%2F..%2Fetc', '%00', 'x'.repeat(300)];
  const bodies: Array<string | undefined> = [undefined, '{', '[]', '"s"', 'null', '{"__proto__":{"a":1}}', '{"sessionId":5,"cameraId":null}', '{"a":{"b":{"c":[1,{}]}}}'];
  let requests = 0;
  for (const [path, methods] of Object.entries(paths)) {
    if (path === '/api/v1/events') continue; // a stream that stays open; tested in routes/events.test.ts
    for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
      for (const p of params) {
        const url = path.replace(/\{[^}]+\}/g, p);
        for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : bodies) {
          const r = await app.inject({ method: method as 'GET', url, ...(body !== undefined ? { payload: body, headers: { 'content-type': 'application/json' } } : {}) });
          requests += 1;
          t.not(r.statusCode, 500, `${method} ${url} ${body ?? ''}: ${r.body.slice(0, 200)}`);
          if (r.statusCode >= 400) t.is(typeof r.json().error?.code, 'string', `${method} ${url} → ${r.statusCode} ${r.body.slice(0, 200)}`);
        }
      }
    }
  }
  t.true(requests > 200, `${requests} requests`);
  t.deepEqual(internalErrors(deps), []);
});
