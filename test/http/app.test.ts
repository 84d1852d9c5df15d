import test from 'ava';
import { testApp } from '../helpers/app.js';

test('OpenAPI document and UI are served', async (t) => {
  const { app } = await testApp(t);
  const doc = await app.inject({ method: 'GET', url: '/docs/json' });
  t.is(doc.statusCode, 200);
  const paths = Object.keys(doc.json().paths);
  for (const p of ['/api/v1/status', '/api/v1/config', '/api/v1/logs', '/api/v1/metrics', '/api/v1/events']) t.true(paths.includes(p), p);
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  t.is(ui.statusCode, 200);
});

