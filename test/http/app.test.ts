import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { testApp } from '../helpers/app.js';
import { NodeStatusSchema } from '../../runtime/status.js';

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

test('GET /api/v1/config redacts secrets', async (t) => {
  const { app } = await testApp(t, { api: { token: 'pin-1234' }, network: { wpa2Key: 'field-password' }, rig: { secret: 'a-very-long-rig-secret' } });
  const r = await app.inject({ method: 'GET', url: '/api/v1/config' });
  t.is(r.statusCode, 200);
  const c = r.json();
  t.is(c.api.token, '********');
  t.is(c.network.wpa2Key, '********');
  t.is(c.rig.secret, '********');
  t.false(r.body.includes('pin-1234'));
  t.false(r.body.includes('field-password'));
});

test('POST /api/v1/config writes atomically with a backup and says what needs a restart', async (t) => {
  const { app, configPath, deps } = await testApp(t);
  const before = await readFile(configPath, 'utf8');
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { video: { bitrateMbps: 3 }, http: { port: 9090 } } });
  t.is(r.statusCode, 200, r.body);
  const body = r.json();
  t.deepEqual(body.changed.sort(), ['http.port', 'video.bitrateMbps']);
  t.deepEqual(body.restartRequired, ['http.port']);
  t.is(deps.config.current.video.bitrateMbps, 3);
  t.regex(await readFile(configPath, 'utf8'), /bitrateMbps: 3/);
  t.is(await readFile(`${configPath}.bak`, 'utf8'), before);
  const leftovers = (await readdir(dirname(configPath))).filter((f) => f.endsWith('.tmp'));
  t.deepEqual(leftovers, []);
});

test('POST /api/v1/config round-trips redacted secrets without losing them', async (t) => {
  const { app, deps } = await testApp(t, { api: { token: 'pin-1234' } });
  const cfg = (await app.inject({ method: 'GET', url: '/api/v1/config' })).json();
  cfg.camera.position = 'left, 16 m line';
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: cfg, headers: { authorization: 'Bearer pin-1234' } });
  t.is(r.statusCode, 200, r.body);
  t.is(deps.config.current.api.token, 'pin-1234');
  t.is(deps.config.current.camera.position, 'left, 16 m line');
});

test('switching to development mode at run time is applied live', async (t) => {
  const { app, deps } = await testApp(t);
  let seen: string | undefined;
  deps.config.on('change', (c: { mode: string }) => { seen = c.mode; });
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' } });
  t.is(r.statusCode, 200);
  t.deepEqual(r.json().restartRequired, []);
  t.is(seen, 'development');
});

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
  { name: 'unknown route', method: 'GET', url: '/api/v1/nope', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', method: 'DELETE', url: '/api/v1/status', status: 404, code: 'NOT_FOUND' },
  { name: 'foreign Host header', method: 'GET', url: '/api/v1/status', headers: { host: 'evil.example.com' }, status: 403, code: 'HOST_NOT_ALLOWED' },
];

for (const c of badInputs) {
  test(`bad input: ${c.name} → ${c.status} ${c.code}`, async (t) => {
    const { app, configPath } = await testApp(t);
    const before = await readFile(configPath, 'utf8');
    const r = await app.inject({ method: c.method, url: c.url, ...(c.payload !== undefined ? { payload: c.payload } : {}), ...(c.headers ? { headers: c.headers } : {}) });
    t.is(r.statusCode, c.status, r.body);
    const body = r.json();
    t.is(body.error.code, c.code);
    t.is(typeof body.error.message, 'string');
    t.true(body.error.message.length > 0);
    if (c.field) t.is(body.error.field, c.field);
    t.is(await readFile(configPath, 'utf8'), before, 'nothing written');
  });
}

test('every invalid config field is listed in problems', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { video: { fps: -1, width: 'x' }, mode: 'loud' } });
  t.is(r.statusCode, 400);
  const paths = r.json().error.problems.map((p: { path: string }) => p.path).sort();
  t.deepEqual(paths, ['mode', 'video.fps', 'video.width']);
});

test('GET /api/v1/logs returns the bounded warning view', async (t) => {
  const { app, deps } = await testApp(t);
  deps.log.info('not in the minimal view');
  deps.log.warn({ code: 'DISK_LOW' }, 'disk is low');
  const r = await app.inject({ method: 'GET', url: '/api/v1/logs' });
  t.is(r.statusCode, 200);
  const b = r.json();
  t.is(b.mode, 'production');
  t.is(b.entries.length, 1);
  t.is(b.entries[0].code, 'DISK_LOW');
  t.is(b.entries[0].level, 'warn');
});

test('metrics: JSON and Prometheus text', async (t) => {
  const { app } = await testApp(t);
  await app.inject({ method: 'GET', url: '/api/v1/nope' });
  const j = await app.inject({ method: 'GET', url: '/api/v1/metrics' });
  t.is(j.statusCode, 200);
  t.true(j.json().http.clientErrors >= 1);
  t.true(j.json().memory.rssBytes > 0);
  const p = await app.inject({ method: 'GET', url: '/metrics' });
  t.is(p.statusCode, 200);
  t.regex(p.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  t.regex(p.body, /^soccer_rig_up\{camera="CAM_L"\} 1$/m);
  t.regex(p.body, /^soccer_rig_http_client_errors_total\{camera="CAM_L"\} [1-9]/m);
  t.notRegex(p.body, /soccer_rig_battery_percent\{/, 'unknown values are omitted, not reported as 0');
});

test('OpenAPI document and UI are served', async (t) => {
  const { app } = await testApp(t);
  const doc = await app.inject({ method: 'GET', url: '/docs/json' });
  t.is(doc.statusCode, 200);
  const paths = Object.keys(doc.json().paths);
  for (const p of ['/api/v1/status', '/api/v1/config', '/api/v1/logs', '/api/v1/metrics', '/api/v1/events']) t.true(paths.includes(p), p);
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  t.is(ui.statusCode, 200);
});

test('a config write failure is answered honestly (not 500) and changes nothing', async (t) => {
  const { app, deps } = await testApp(t);
  const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  (deps.config as any).update = async () => { throw full; };
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' } });
  t.is(r.statusCode, 507);
  t.is(r.json().error.code, 'CONFIG_WRITE_FAILED');
  t.is(deps.config.current.mode, 'production');
});
