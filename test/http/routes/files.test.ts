import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testApp } from '../../helpers/app.js';
import { FILE_NAME, parseRange } from '../../../http/routes/files.js';
import { CAMERA_IDS } from '../../../runtime/cameras.js';
import { MANIFEST, VIDEO, writeRecording } from '../helpers.js';

async function withFiles(t: any) {
  const ctx = await testApp(t);
  const dir = ctx.deps.config.current.storage.dataDir;
  const rec = await writeRecording(dir);
  await writeFile(join(dir, '..', 'secret.txt'), 'not for download');
  return { ...ctx, ...rec };
}

test('a whole recording downloads byte for byte, with its checksum as ETag', async (t) => {
  const { app, bytes, sha256 } = await withFiles(t);
  const r = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}` });
  t.is(r.statusCode, 200);
  t.is(r.headers['content-type'], 'video/mp4');
  t.is(r.headers['accept-ranges'], 'bytes');
  t.is(r.headers.etag, `"${sha256}"`);
  t.true(r.rawPayload.equals(bytes));
  const head = await app.inject({ method: 'HEAD', url: `/recordings/${VIDEO}` });
  t.is(head.statusCode, 200);
  t.is(Number(head.headers['content-length']), bytes.length);
});

test('Range requests resume a download; a bad range is 416', async (t) => {
  const { app, bytes, sha256 } = await withFiles(t);
  const part = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=1000-1999' } });
  t.is(part.statusCode, 206);
  t.is(part.headers['content-range'], `bytes 1000-1999/${bytes.length}`);
  t.true(part.rawPayload.equals(bytes.subarray(1000, 2000)));
  const tail = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=99000-' } });
  t.true(tail.rawPayload.equals(bytes.subarray(99000)));
  const suffix = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=-10' } });
  t.true(suffix.rawPayload.equals(bytes.subarray(bytes.length - 10)));
  const stale = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
  t.is(stale.statusCode, 200, 'If-Range that does not match: the whole file');
  const ok = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=0-9', 'if-range': `"${sha256}"` } });
  t.is(ok.statusCode, 206);
  const bad = await app.inject({ method: 'GET', url: `/recordings/${VIDEO}`, headers: { range: 'bytes=200000-' } });
  t.is(bad.statusCode, 416);
  t.is(bad.json().error.code, 'RANGE_NOT_SATISFIABLE');
  t.is(bad.headers['content-range'], `bytes */${bytes.length}`);
});

test('only the node\'s own recording files are served: traversal and other names are refused', async (t) => {
  const { app } = await withFiles(t);
  for (const url of ['/recordings/..%2Fsecret.txt', '/recordings/%2e%2e%2fsecret.txt', '/recordings/..%2F..%2Fetc%2Fpasswd', '/recordings/node.yaml', '/recordings/.preview', `/recordings/${VIDEO}%00.txt`]) {
    const r = await app.inject({ method: 'GET', url });
    t.true(r.statusCode === 400 || r.statusCode === 404, `${url} → ${r.statusCode}`);
    t.false(r.body.includes('not for download'));
  }
  const missing = await app.inject({ method: 'GET', url: '/recordings/20990101-000000_CAM_L_20990101_000000.mp4' });
  t.is(missing.statusCode, 404);
  t.is(missing.json().error.code, 'NOT_FOUND');
});

test('the index lists the files (HTML for people, JSON for scripts)', async (t) => {
  const { app } = await withFiles(t);
  const html = await app.inject({ method: 'GET', url: '/recordings/' });
  t.regex(html.headers['content-type'] as string, /text\/html/);
  t.true(html.body.includes(`/recordings/${VIDEO}`));
  const json = await app.inject({ method: 'GET', url: '/recordings/', headers: { accept: 'application/json' } });
  t.deepEqual(json.json().files.map((f: any) => f.name), [MANIFEST, VIDEO]);
});

test('parseRange', (t) => {
  t.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  t.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-5', 100), { start: 95, end: 99 });
  t.is(parseRange('bytes=100-', 100), 'unsatisfiable');
  t.is(parseRange('bytes=5-1', 100), 'unsatisfiable');
  t.is(parseRange('bytes=0-1,5-6', 100), null);
  t.is(parseRange('items=0-1', 100), null);
  t.is(parseRange(undefined, 100), null);
});

test('file names: every camera id from its one home, take-numbered manifests, nothing else', (t) => {
  for (const cam of CAMERA_IDS) {
    t.true(FILE_NAME.test(`S1_${cam}_20261125_143000.mp4`), cam);
    t.true(FILE_NAME.test(`S1_${cam}.json`), cam);
    t.true(FILE_NAME.test(`S1_${cam}_t2.json`), `${cam} take 2`);
    t.true(FILE_NAME.test(`S1_${cam}_t123.json`), `${cam} take 123`);
  }
  for (const bad of ['S1_CAM_X.json', 'S1_CAM_L_t.json', 'S1_CAM_L_t1234.json', 'S1_CAM_L_t2.mp4', 'S1_CAM_L_tx.json',
    'S1_CAM_L_20261125_143000_t2.mp4', 'S1_CAM_LL.json', '../S1_CAM_L.json', 'S1_CAM_L.json.bak', '_CAM_L.json']) {
    t.false(FILE_NAME.test(bad), bad);
  }
});

test('a later take\'s manifest is listed and served', async (t) => {
  const { app, deps, manifest } = await withFiles(t);
  const take2 = MANIFEST.replace('.json', '_t2.json');
  await writeFile(join(deps.config.current.storage.dataDir, take2), JSON.stringify(manifest));
  const index = await app.inject({ method: 'GET', url: '/recordings/', headers: { accept: 'application/json' } });
  t.deepEqual(index.json().files.map((f: any) => f.name), [MANIFEST, VIDEO, take2]);
  const r = await app.inject({ method: 'GET', url: `/recordings/${take2}` });
  t.is(r.statusCode, 200);
  t.is(r.json().file, VIDEO);
});
