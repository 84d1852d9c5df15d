import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { listRecordings } from '../../../actors/recorder/library.js';
import { ManifestSchema, manifestFileName, takeOfManifestName } from '../../../actors/recorder/manifest.js';
import { confirmOffload, deleteOffloaded } from '../../../actors/recorder/offload.js';
import { recoverDataDir } from '../../../actors/recorder/recovery.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { RecordingSession } from '../../../actors/recorder/session.js';
import { nextTakeAmong } from '../../../actors/recorder/takes.js';
import { framesRecorded, sessionDeps, sessionOptions, sha256sum, tempDir } from './helpers.js';

test('take names: the first keeps the documented name, later ones are numbered, and only they parse as takes', (t) => {
  t.is(manifestFileName('S1', 'CAM_L'), 'S1_CAM_L.json');
  t.is(manifestFileName('S1', 'CAM_L', 1), 'S1_CAM_L.json');
  t.is(manifestFileName('S1', 'CAM_L', 2), 'S1_CAM_L_t2.json');
  t.is(takeOfManifestName('S1_CAM_L.json', 'S1_CAM_L'), 1);
  t.is(takeOfManifestName('S1_CAM_L_t12.json', 'S1_CAM_L'), 12);
  t.is(takeOfManifestName('S1_CAM_L_t1.json', 'S1_CAM_L'), null, 'take 1 has no number');
  t.is(takeOfManifestName('S1_CAM_L_t2x.json', 'S1_CAM_L'), null);
  t.is(takeOfManifestName('S1_t2_CAM_L.json', 'S1_CAM_L'), null, 'another session (S1_t2)');
  t.is(nextTakeAmong([], 'S1_CAM_L'), 1);
  t.is(nextTakeAmong(['S1_CAM_L.json', 'S1_CAM_L_20250601_140000.mp4', 'S1_CAM_R.json'], 'S1_CAM_L'), 2);
  t.is(nextTakeAmong(['S1_CAM_L.json', 'S1_CAM_L_t3.json'], 'S1_CAM_L'), 4);
  t.throws(() => manifestFileName('S1', 'CAM_L', 0), { instanceOf: RangeError });
});

/** One short real recording of session S-TAKE; each take starts on its own second (the mp4 name's resolution). */
async function recordTake(dir: string, startAt: number, minTake?: number): Promise<RecordingSession> {
  const session = new RecordingSession(sessionOptions(dir, { sessionId: 'S-TAKE', codec: 'h264', startAt, ...(minTake ? { minTake } : {}) }), sessionDeps());
  await session.start();
  await framesRecorded(session, 15);
  await session.stop();
  return session;
}

test('the same session id recorded twice: each take keeps its manifest, listed, offloaded and recovered on its own', async (t) => {
  const dir = await tempDir(t);
  const first = await recordTake(dir, Date.now());
  t.is(first.take, 1);
  t.is(first.manifestPath, join(dir, 'S-TAKE_CAM_L.json'));
  const m1 = ManifestSchema.parse(JSON.parse(await readFile(first.manifestPath, 'utf8')));
  t.is(m1.take, 1);
  const confirmed = await confirmOffload(dir, { sessionId: 'S-TAKE', cameraId: 'CAM_L', file: m1.file, sha256: await sha256sum(join(dir, m1.file)) }, () => 1);
  t.true(confirmed.offloaded);

  const second = await recordTake(dir, Math.ceil((Date.now() + 1) / 1000) * 1000);
  t.is(second.take, 2);
  t.is(second.manifestPath, join(dir, 'S-TAKE_CAM_L_t2.json'));
  const m2 = ManifestSchema.parse(JSON.parse(await readFile(second.manifestPath, 'utf8')));
  t.is(m2.take, 2);
  t.not(m2.file, m1.file);
  t.false(m2.inProgress);

  const again1 = ManifestSchema.parse(JSON.parse(await readFile(first.manifestPath, 'utf8')));
  t.is(again1.file, m1.file, 'the first take still has its manifest');
  t.true(again1.offloaded, 'and keeps its offloaded flag');

  const lib = await listRecordings(dir);
  t.deepEqual(lib.recordings.map((m) => m.file).sort(), [m1.file, m2.file].sort());
  t.deepEqual(lib.unreadable, []);
  t.deepEqual(await recoverDataDir(dir, { runner: execaRunner, now: () => 2, cameraId: 'CAM_L', softwareVersion: 't' }), [], 'nothing to recover');

  // The second take is confirmed through its own manifest, and cleanup marks only the first.
  const c2 = await confirmOffload(dir, { sessionId: 'S-TAKE', cameraId: 'CAM_L', file: m2.file, sha256: m2.sha256! }, () => 3);
  t.is(c2.take, 2);
  t.true(ManifestSchema.parse(JSON.parse(await readFile(second.manifestPath, 'utf8'))).offloaded);
  const cleaned = await deleteOffloaded(dir, () => 4);
  t.deepEqual(cleaned.deleted.map((d) => d.file).sort(), [m1.file, m2.file].sort());
  t.is(ManifestSchema.parse(JSON.parse(await readFile(first.manifestPath, 'utf8'))).deletedAt, 4);
  t.is(ManifestSchema.parse(JSON.parse(await readFile(second.manifestPath, 'utf8'))).deletedAt, 4);
  t.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.json')).sort(), ['S-TAKE_CAM_L.json', 'S-TAKE_CAM_L_t2.json']);
});

test('recovery: a take whose manifest is missing gets the next free take, never another take\'s manifest', async (t) => {
  const dir = await tempDir(t);
  const first = await recordTake(dir, Date.now());
  const second = await recordTake(dir, Math.ceil((Date.now() + 1) / 1000) * 1000);
  const m2 = ManifestSchema.parse(JSON.parse(await readFile(second.manifestPath, 'utf8')));
  const { unlink } = await import('node:fs/promises');
  await unlink(second.manifestPath);
  const before1 = await readFile(first.manifestPath, 'utf8');
  const [r, ...rest] = await recoverDataDir(dir, { runner: execaRunner, now: () => 5, cameraId: 'CAM_L', softwareVersion: 't' });
  t.is(rest.length, 0);
  t.is(r!.file, m2.file);
  t.is(r!.manifestPath, join(dir, 'S-TAKE_CAM_L_t2.json'));
  t.is(r!.manifest!.take, 2);
  t.is(await readFile(first.manifestPath, 'utf8'), before1, 'the first take is untouched');
});

test('a start-all\'s take number for the rig: a node that missed take 1 records take 2 as take 2, and counts on from there', async (t) => {
  const dir = await tempDir(t);
  const rigTake2 = await recordTake(dir, Date.now(), 2);
  t.is(rigTake2.take, 2);
  t.is(rigTake2.manifestPath, join(dir, 'S-TAKE_CAM_L_t2.json'));
  t.is(ManifestSchema.parse(JSON.parse(await readFile(rigTake2.manifestPath, 'utf8'))).take, 2);
  // A lower rig take never reuses a number this node already has.
  const next = await recordTake(dir, Math.ceil((Date.now() + 1) / 1000) * 1000, 1);
  t.is(next.take, 3);
  t.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.json')).sort(), ['S-TAKE_CAM_L_t2.json', 'S-TAKE_CAM_L_t3.json']);
});
