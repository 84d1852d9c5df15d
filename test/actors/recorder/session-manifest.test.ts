import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { ManifestSchema } from '../../../actors/recorder/manifest.js';
import { buildManifest, writeFinalManifest, type ManifestFacts } from '../../../actors/recorder/session-manifest.js';
import { sessionOptions, tempDir } from './helpers.js';

const facts = (dir: string, over: Partial<ManifestFacts> = {}): ManifestFacts => ({
  opts: sessionOptions(dir, { startAt: 1000 }), file: 'S20250601A_CAM_L_20250601_000001.mp4', take: 2, startedAt: 1000, firstFrameAt: 1000.5,
  last: { frame: 90, fps: 30, dropFrames: 3, dupFrames: 0, bitrateKbps: 900, totalSizeBytes: 1, outTimeUs: 2_999_999, speed: 1, end: false },
  codec: 'h265', codecFallbackReason: null, errors: [], hash: null, final: null, ...over,
});

test('the in-progress manifest is valid, incomplete, in progress and carries its take', async (t) => {
  const dir = await tempDir(t);
  const m = ManifestSchema.parse(buildManifest(facts(dir)));
  t.like(m, { inProgress: true, incomplete: true, take: 2, sha256: null, stoppedAt: null, droppedFrames: 3, durationS: 3 });
});

test('the final manifest says how it ended; it reaches the disk as written', async (t) => {
  const dir = await tempDir(t);
  const exit = { ffmpeg: { code: 0, signal: null, spawnError: null }, producer: null, requested: true, error: null, lastMessages: [] };
  const m = buildManifest(facts(dir, { hash: { sha256: 'a'.repeat(64), sizeBytes: 42 }, final: { stopReason: 'requested', stoppedAt: 5000, incomplete: false, exit } }));
  t.like(m, { inProgress: false, incomplete: false, stopReason: 'requested', stoppedAt: 5000, sizeBytes: 42 });
  const path = join(dir, 'S20250601A_CAM_L_t2.json');
  await writeFinalManifest(path, m, { dataDir: dir, cameraId: 'CAM_L' });
  t.deepEqual(JSON.parse(await readFile(path, 'utf8')), JSON.parse(JSON.stringify(m)));
});
