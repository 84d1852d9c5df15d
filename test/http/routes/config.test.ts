import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { testApp } from '../../helpers/app.js';

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

test('every invalid config field is listed in problems', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { video: { fps: -1, width: 'x' }, mode: 'loud' } });
  t.is(r.statusCode, 400);
  const paths = r.json().error.problems.map((p: { path: string }) => p.path).sort();
  t.deepEqual(paths, ['mode', 'video.fps', 'video.width']);
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

// Found in a match-day rehearsal: a video change saved mid-recording answered plain "Saved",
// with nothing saying the running recording keeps its settings.
test('a video or audio change while recording is saved and says it applies from the next recording', async (t) => {
  const { app, deps } = await testApp(t);
  deps.board.patch({ state: 'recording', sessionId: 'S1' });
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { video: { bitrateMbps: 5 }, audio: { enabled: false } } });
  t.is(r.statusCode, 200, r.body);
  t.true(r.json().notices.some((n: string) => /^video\.bitrateMbps, audio\.enabled: from the next recording/.test(n)), JSON.stringify(r.json().notices));
  deps.board.patch({ state: 'idle', sessionId: null });
  const idle = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { video: { bitrateMbps: 6 } } });
  t.false(idle.json().notices.some((n: string) => /next recording/.test(n)), 'idle: nothing to say');
});
