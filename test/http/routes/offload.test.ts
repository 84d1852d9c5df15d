import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testApp } from '../../helpers/app.js';
import { MANIFEST, SESSION, VIDEO, writeRecording } from '../helpers.js';

async function recorded(t: any) {
  const ctx = await testApp(t);
  const dataDir = ctx.deps.config.current.storage.dataDir;
  const rec = await writeRecording(dataDir);
  const offloaded = async (): Promise<boolean> => JSON.parse(await readFile(join(dataDir, MANIFEST), 'utf8')).offloaded;
  return { ...ctx, ...rec, offloaded };
}

test('the documented camelCase body confirms a matching copy', async (t) => {
  const { app, sha256, offloaded } = await recorded(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: SESSION, cameraId: 'CAM_L', file: VIDEO, checksum: { algo: 'sha256', value: sha256 } } });
  t.is(r.statusCode, 200, r.body);
  t.like(r.json(), { ok: true, file: VIDEO, offloaded: true });
  t.true(await offloaded());
});

test('the spec\'s body confirms too: session_id, camera_id and upper-case hex', async (t) => {
  const { app, sha256, offloaded } = await recorded(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { session_id: SESSION, camera_id: 'CAM_L', file: VIDEO, checksum: { algo: 'sha256', value: sha256.toUpperCase() } } });
  t.is(r.statusCode, 200, r.body);
  t.is(r.json().file, VIDEO);
  t.true(await offloaded());
});

test('both spellings may be sent when they agree; a mixed-case checksum is the same checksum', async (t) => {
  const { app, sha256, offloaded } = await recorded(t);
  const mixed = [...sha256].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  const r = await app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: SESSION, session_id: SESSION, camera_id: 'CAM_L', file: VIDEO, checksum: { algo: 'sha256', value: mixed } } });
  t.is(r.statusCode, 200, r.body);
  t.true(await offloaded());
});

test('spellings that disagree are refused, naming the field, and confirm nothing', async (t) => {
  const { app, sha256, offloaded } = await recorded(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { cameraId: 'CAM_L', camera_id: 'CAM_C', session_id: SESSION, file: VIDEO, checksum: { algo: 'sha256', value: sha256 } } });
  t.is(r.statusCode, 400);
  t.is(r.json().error.code, 'VALIDATION_FAILED');
  t.is(r.json().error.field, 'camera_id');
  t.false(await offloaded());
});

test('an upper-case checksum that does not match is still a mismatch (409), not a format error', async (t) => {
  const { app, offloaded } = await recorded(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { session_id: SESSION, camera_id: 'CAM_L', file: VIDEO, checksum: { algo: 'sha256', value: 'AB'.repeat(32) } } });
  t.is(r.statusCode, 409);
  t.is(r.json().error.code, 'CHECKSUM_MISMATCH');
  t.is(r.json().error.field, 'checksum.value');
  t.false(await offloaded());
});

test('/docs shows both spellings of the confirm body and what it answers', async (t) => {
  const { app } = await testApp(t);
  const op = (await app.inject({ method: 'GET', url: '/docs/json' })).json().paths['/api/v1/recordings/confirm'].post;
  const props = Object.keys(op.requestBody.content['application/json'].schema.properties);
  for (const k of ['sessionId', 'session_id', 'cameraId', 'camera_id', 'file', 'checksum']) t.true(props.includes(k), k);
  t.deepEqual(Object.keys(op.responses['200'].content['application/json'].schema.properties).sort(), ['file', 'offloaded', 'offloadedAt', 'ok']);
});
