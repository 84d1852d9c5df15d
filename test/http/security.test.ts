import test from 'ava';
import { readFile } from 'node:fs/promises';
import { testApp } from '../helpers/app.js';
import { hostOnly } from '../../http/security.js';

const token = { api: { token: 'pin-4321' } };

test('with a token set, mutating routes need it; reads stay open', async (t) => {
  const { app, configPath } = await testApp(t, token);
  const before = await readFile(configPath, 'utf8');
  const none = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' } });
  t.is(none.statusCode, 401);
  t.is(none.json().error.code, 'TOKEN_REQUIRED');
  t.is(none.json().error.field, 'authorization');
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' }, headers: { authorization: 'Bearer 0000' } });
  t.is(wrong.statusCode, 401);
  t.is(wrong.json().error.code, 'TOKEN_INVALID');
  t.is(await readFile(configPath, 'utf8'), before);
  const read = await app.inject({ method: 'GET', url: '/api/v1/status' });
  t.is(read.statusCode, 200);
  const ok = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' }, headers: { authorization: 'Bearer pin-4321' } });
  t.is(ok.statusCode, 200);
});

test('without a token, mutating routes are open', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/config', payload: { mode: 'development' } });
  t.is(r.statusCode, 200);
});

test('repeated wrong tokens are rate-limited with 429, even the right one then waits', async (t) => {
  let now = 1_000_000;
  const { app } = await testApp(t, token, { now: () => now });
  const attempt = (pin: string) => app.inject({ method: 'POST', url: '/api/v1/config', payload: {}, headers: { authorization: `Bearer ${pin}` } });
  for (let i = 0; i < 5; i++) t.is((await attempt(`000${i}`)).statusCode, 401);
  const locked = await attempt('pin-4321');
  t.is(locked.statusCode, 429);
  t.is(locked.json().error.code, 'TOO_MANY_ATTEMPTS');
  t.true(locked.json().error.retryAfterS > 0);
  now += 61_000;
  t.is((await attempt('pin-4321')).statusCode, 200);
});

test('a token changed through the config API is in force at once', async (t) => {
  const { app } = await testApp(t);
  t.is((await app.inject({ method: 'POST', url: '/api/v1/config', payload: { api: { token: 'new-pin' } } })).statusCode, 200);
  t.is((await app.inject({ method: 'POST', url: '/api/v1/config', payload: {} })).statusCode, 401);
  t.is((await app.inject({ method: 'POST', url: '/api/v1/config', payload: {}, headers: { authorization: 'Bearer new-pin' } })).statusCode, 200);
});

test('DNS-rebinding defence: only own names and addresses in Host', async (t) => {
  const { app } = await testApp(t, { http: { allowedHosts: ['rig.example'] } });
  for (const host of ['localhost:8080', '127.0.0.1', 'cam-l.local:80', 'rig.example']) {
    t.is((await app.inject({ method: 'GET', url: '/api/v1/status', headers: { host } })).statusCode, 200, host);
  }
  for (const host of ['attacker.example', 'evil.com:8080', '10.9.9.9']) {
    const r = await app.inject({ method: 'GET', url: '/api/v1/status', headers: { host } });
    t.is(r.statusCode, 403, host);
    t.is(r.json().error.code, 'HOST_NOT_ALLOWED');
  }
});

test('hostOnly strips ports and brackets', (t) => {
  t.is(hostOnly('Cam-L.local:8081'), 'cam-l.local');
  t.is(hostOnly('[::1]:8080'), '::1');
  t.is(hostOnly('::1'), '::1');
  t.is(hostOnly(undefined), null);
});

test('the configured address is accepted as Host even when no interface has it now', async (t) => {
  const { app } = await testApp(t, { http: { host: '10.231.9.3' } });
  const r = await app.inject({ method: 'GET', url: '/api/v1/status', headers: { host: '10.231.9.3:8080' } });
  t.is(r.statusCode, 200);
});
