import test from 'ava';
import { testApp } from '../../helpers/app.js';

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

