import test from 'ava';
import { gunzipSync } from 'node:zlib';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { testApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tmp.js';
import { acceptsGzip, dashboardRoutes, loadStatic, publicDir } from '../../http/routes/dashboard.js';

const host = { host: 'localhost' };

test('/ serves the page with its content type, CSP, ETag and no-cache', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'GET', url: '/', headers: host });
  t.is(r.statusCode, 200);
  t.is(r.headers['content-type'], 'text/html; charset=utf-8');
  t.regex(r.body, /<script type="module" src="\/js\/main\.js">/);
  t.regex(String(r.headers['content-security-policy']), /script-src 'self'/);
  t.regex(String(r.headers.etag), /^"[\w-]{22}"$/);
  t.is(r.headers['cache-control'], 'no-cache');
  t.is(r.headers.vary, 'accept-encoding');
});

test('every static file has the right content type and the same ETag twice; If-None-Match gives 304', async (t) => {
  const { app } = await testApp(t);
  for (const [url, type] of [['/app.css', 'text/css; charset=utf-8'], ['/js/main.js', 'text/javascript; charset=utf-8'], ['/js/model.js', 'text/javascript; charset=utf-8']] as const) {
    const a = await app.inject({ method: 'GET', url, headers: host });
    t.is(a.statusCode, 200, url);
    t.is(a.headers['content-type'], type, url);
    const b = await app.inject({ method: 'GET', url, headers: host });
    t.is(a.headers.etag, b.headers.etag);
    const c = await app.inject({ method: 'GET', url, headers: { ...host, 'if-none-match': String(a.headers.etag) } });
    t.is(c.statusCode, 304, url);
    t.is(c.body, '');
    const weak = await app.inject({ method: 'GET', url, headers: { ...host, 'if-none-match': `"nope", W/${String(a.headers.etag)}` } });
    t.is(weak.statusCode, 304, 'a weak or listed ETag matches too');
  }
});

test('gzip only when the client accepts it, and it decodes to the same bytes', async (t) => {
  const { app } = await testApp(t);
  const plain = await app.inject({ method: 'GET', url: '/js/main.js', headers: host });
  t.is(plain.headers['content-encoding'], undefined);
  const gz = await app.inject({ method: 'GET', url: '/js/main.js', headers: { ...host, 'accept-encoding': 'br, gzip;q=0.8' } });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.true(gz.rawPayload.length < plain.rawPayload.length / 2);
  t.deepEqual(gunzipSync(gz.rawPayload), plain.rawPayload);
  const refused = await app.inject({ method: 'GET', url: '/js/main.js', headers: { ...host, 'accept-encoding': 'gzip;q=0' } });
  t.is(refused.headers['content-encoding'], undefined);
});

test('HEAD works, unknown files are the usual JSON 404, and the dashboard is not in the API docs', async (t) => {
  const { app } = await testApp(t);
  const head = await app.inject({ method: 'HEAD', url: '/', headers: host });
  t.is(head.statusCode, 200);
  const missing = await app.inject({ method: 'GET', url: '/js/../../package.json', headers: host });
  t.is(missing.statusCode, 404);
  t.is(missing.json().error.code, 'NOT_FOUND');
  const docs = await app.inject({ method: 'GET', url: '/docs/json', headers: host });
  t.false(Object.keys(docs.json().paths).includes('/'));
  t.false(Object.keys(docs.json().paths).some((p) => p.endsWith('.js')));
});

test('the Host check guards the page too', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'GET', url: '/', headers: { host: 'evil.example' } });
  t.is(r.statusCode, 403);
});

test('only known file types are served; dot-files are skipped; a missing directory serves nothing', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'js'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(dir, 'js', 'a.js'), 'export {};');
  await writeFile(join(dir, '.secret.js'), 'nope');
  await writeFile(join(dir, 'notes.txt'), 'nope');
  t.deepEqual(loadStatic(dir).map((f) => f.path).sort(), ['/index.html', '/js/a.js']);
  t.deepEqual(loadStatic(join(dir, 'absent')), []);
  const app = Fastify();
  dashboardRoutes(app, { dir });
  t.teardown(() => app.close());
  t.is((await app.inject({ method: 'GET', url: '/' })).statusCode, 200);
  t.is((await app.inject({ method: 'GET', url: '/notes.txt' })).statusCode, 404);
});

test('the real public directory is found from the compiled code', (t) => {
  const files = loadStatic(publicDir()).map((f) => f.path);
  t.true(files.includes('/index.html'));
  t.true(files.includes('/js/main.js'));
});

test('acceptsGzip reads q-values', (t) => {
  t.true(acceptsGzip('gzip, deflate, br'));
  t.true(acceptsGzip('*'));
  t.false(acceptsGzip('gzip;q=0'));
  t.false(acceptsGzip('br'));
  t.false(acceptsGzip(undefined));
});
