import test from 'ava';
import { readFile, writeFile, mkdir, readdir, stat, copyFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { startNode, type RunningNode } from '../../../runtime/node.js';
import { offload } from '../../../runtime/offload.js';
import { writeTestConfig } from '../../helpers/config.js';
import { tempDir } from '../../helpers/tmp.js';
import { fragmentsIn, sha256sum } from './helpers.js';
import { waitFor } from '../../helpers/net.js';

async function recordedNode(t: any): Promise<{ n: RunningNode; manifest: any; dataDir: string }> {
  const dir = await tempDir(t);
  const n = await startNode({ configPath: await writeTestConfig(dir, { recording: { plannedDurationMin: 1 } }), overrides: { httpPort: 0 } });
  t.teardown(() => n.stop());
  t.is((await n.app.inject({ method: 'POST', url: '/api/v1/record/start', payload: { sessionId: 'offload-1' } })).statusCode, 200);
  const file = join(n.config.current.storage.dataDir, n.board.snapshot().recording.file!);
  await waitFor(async () => (await fragmentsIn(file)) >= 2, 30_000, 100);
  const manifest = (await n.app.inject({ method: 'POST', url: '/api/v1/record/stop' })).json().manifest;
  return { n, manifest, dataDir: n.config.current.storage.dataDir };
}

const confirm = (n: RunningNode, m: any, value: string) => n.app.inject({
  method: 'POST', url: '/api/v1/recordings/confirm',
  payload: { sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, checksum: { algo: 'sha256', value } },
});

test.serial('only a matching checksum confirms; only confirmed recordings are deleted', async (t) => {
  const { n, manifest, dataDir } = await recordedNode(t);
  const cleanEarly = (await n.app.inject({ method: 'DELETE', url: '/api/v1/recordings/offloaded' })).json();
  t.deepEqual(cleanEarly.deleted, []);
  t.is(cleanEarly.kept[0].reason, 'not confirmed as offloaded');
  const wrong = await confirm(n, manifest, 'a'.repeat(64));
  t.is(wrong.statusCode, 409);
  t.is(wrong.json().error.code, 'CHECKSUM_MISMATCH');
  t.is(wrong.json().error.field, 'checksum.value');
  const bad = await confirm(n, manifest, 'not-hex');
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'checksum.value');
  const missing = await n.app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: 'nope', cameraId: 'CAM_L', file: manifest.file, checksum: { algo: 'sha256', value: manifest.sha256 } } });
  t.is(missing.statusCode, 404);
  t.false(JSON.parse(await readFile(join(dataDir, 'offload-1_CAM_L.json'), 'utf8')).offloaded, 'nothing changed');

  const ok = await confirm(n, manifest, manifest.sha256);
  t.is(ok.statusCode, 200, ok.body);
  const clean = (await n.app.inject({ method: 'DELETE', url: '/api/v1/recordings/offloaded' })).json();
  t.deepEqual(clean.deleted.map((d: any) => d.file), [manifest.file]);
  t.is(clean.freedBytes, manifest.sizeBytes);
  t.false((await readdir(dataDir)).includes(manifest.file));
  const after = JSON.parse(await readFile(join(dataDir, 'offload-1_CAM_L.json'), 'utf8'));
  t.true(after.offloaded);
  t.is(typeof after.deletedAt, 'number', 'the manifest stays, marked deleted');
});

test.serial('soccer-rig offload copies, verifies, confirms; resumes a partial copy; a second run skips', async (t) => {
  const { n, manifest, dataDir } = await recordedNode(t);
  const to = await tempDir(t, 'laptop-');
  // A previous run was cut off half-way: the .part holds the first half.
  await mkdir(join(to, manifest.sessionId), { recursive: true });
  const part = join(to, manifest.sessionId, `${manifest.file}.part`);
  await copyFile(join(dataDir, manifest.file), part);
  await truncate(part, Math.floor(manifest.sizeBytes / 2));
  const lines: string[] = [];
  const statuses: number[] = [];
  const counting: typeof fetch = async (input, init) => {
    const r = await fetch(input, init);
    if (String(input).includes('/recordings/') && !String(input).endsWith('/rig/recordings')) statuses.push(r.status);
    return r;
  };
  const first = await offload({ from: n.url, to, print: (l) => lines.push(l), fetch: counting });
  t.true(statuses.includes(206), `the download resumed with a Range request (${statuses.join(',')})`);
  t.deepEqual(first.copied, [manifest.file], lines.join('\n'));
  t.deepEqual(first.failed, []);
  const copy = join(to, manifest.sessionId, manifest.file);
  t.is(await sha256sum(copy), manifest.sha256);
  t.is((await stat(copy)).size, manifest.sizeBytes);
  t.truthy(JSON.parse(await readFile(join(to, manifest.sessionId, `${manifest.sessionId}_CAM_L.json`), 'utf8')).sha256);
  t.true(JSON.parse(await readFile(join(dataDir, 'offload-1_CAM_L.json'), 'utf8')).offloaded, 'the node was told');
  const second = await offload({ from: n.url, to, print: () => undefined });
  t.deepEqual(second.skipped, [manifest.file]);
  t.deepEqual(second.copied, []);
});

test.serial('a corrupted partial copy is detected and copied again from the first byte', async (t) => {
  const { n, manifest, dataDir } = await recordedNode(t);
  const to = await tempDir(t, 'laptop-');
  await mkdir(join(to, manifest.sessionId), { recursive: true });
  // A .part whose first bytes are wrong: resuming after it cannot produce the right hash.
  const part = join(to, manifest.sessionId, `${manifest.file}.part`);
  await writeFile(part, Buffer.alloc(1000, 0x55));
  const r = await offload({ from: n.url, to, print: () => undefined });
  t.deepEqual(r.failed, []);
  t.deepEqual(r.copied, [manifest.file]);
  t.is(await sha256sum(join(to, manifest.sessionId, manifest.file)), manifest.sha256);
  t.true(JSON.parse(await readFile(join(dataDir, 'offload-1_CAM_L.json'), 'utf8')).offloaded);
});
