import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildEncoderCommand } from '../../../actors/recorder/command.js';
import { Shutter } from '../../../actors/recorder/shutter.js';
import { ManifestSchema, recordingFileName } from '../../../actors/recorder/manifest.js';
import { decodeErrors, probeMedia } from '../../../actors/recorder/probe.js';
import { recoverDataDir } from '../../../actors/recorder/recovery.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { RecordingSession } from '../../../actors/recorder/session.js';
import { alive, childrenOf, fragmentsIn, sessionDeps, sessionOptions, sha256sum, tempDir } from './helpers.js';
import { waitFor } from '../../helpers/net.js';

const deps = { runner: execaRunner, now: () => Date.now(), cameraId: 'CAM_L', cameraPosition: 'left', softwareVersion: '0.1.0-test' };

test('recorder node process SIGKILLed mid-recording: recovery completes the in-progress manifest', async (t) => {
  const dir = await tempDir(t);
  const script = fileURLToPath(new URL('./fixtures/record-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, dir, 'S20250601B', 'CAM_L'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('exit', (c) => reject(new Error(`fixture exited ${c}`)));
  });
  const { started, file } = JSON.parse(line) as { started: number; file: string };
  await waitFor(async () => (await fragmentsIn(file)) >= 4, 30_000, 100);
  const encoders = childrenOf(child.pid!);
  t.true(encoders.length > 0, 'the recorder\'s encoder is running');
  child.kill('SIGKILL');
  const killedAfterS = (Date.now() - started) / 1000;
  // ffmpeg loses its reader and dies of EPIPE: the file is complete once it is gone.
  await waitFor(async () => !encoders.some(alive), 10_000, 20);
  const before = ManifestSchema.parse(JSON.parse(await readFile(join(dir, 'S20250601B_CAM_L.json'), 'utf8')));
  t.true(before.inProgress, 'the crash left the in-progress manifest');

  const recovered = await recoverDataDir(dir, deps);
  t.is(recovered.length, 1);
  t.is(recovered[0]!.error, null);
  const m = ManifestSchema.parse(JSON.parse(await readFile(recovered[0]!.manifestPath, 'utf8')));
  t.like(m, { incomplete: true, inProgress: false, sessionId: 'S20250601B', cameraId: 'CAM_L', offloaded: false, stopReason: 'recovered-after-crash' });
  t.is(m.file, basename(file));
  t.is(m.firstFrameAt, started, 'the provisional firstFrameAt survived the crash');
  t.is(m.sha256, await sha256sum(file));
  t.deepEqual(await decodeErrors(execaRunner, file), []);
  t.true(m.durationS > killedAfterS - 2 && m.durationS <= killedAfterS + 0.5, `decoded ${m.durationS} s of ${killedAfterS} s`);
  t.is(m.video.codec, 'h265');
  // The encoder figures are the file's, not the in-progress manifest's early snapshot (which
  // said "1 frame at 0.0003x" for a 38 s file in the rehearsal): frames as probed, rates unknown.
  const probed = await probeMedia(execaRunner, file);
  t.deepEqual(m.encoder, { avgFps: null, speed: null, frames: probed.frameCount });
  t.true((probed.frameCount ?? 0) > 30, `probed ${probed.frameCount} frames`);

  t.deepEqual(await recoverDataDir(dir, deps), [], 'a second run finds nothing to do');
});

test('bare ffmpeg SIGKILLed with no manifest at all: recovery writes one from the file alone', async (t) => {
  const dir = await tempDir(t);
  const name = recordingFileName('S20250601C', 'CAM_L', Date.UTC(2025, 5, 1, 14, 3, 7));
  t.is(name, 'S20250601C_CAM_L_20250601_140307.mp4');
  const path = join(dir, name);
  const cmd = buildEncoderCommand({ source: { kind: 'synthetic' }, width: 320, height: 180, fps: 30, codec: 'h264', bitrateMbps: 1, audio: true });
  const fd = openSync(path, 'wx');
  const ff = spawn(cmd.ffmpeg.file, cmd.ffmpeg.args, { stdio: ['pipe', fd, 'ignore'] });
  closeSync(fd);
  t.teardown(() => void ff.kill('SIGKILL'));
  ff.stdin!.on('error', () => undefined);
  // The synthetic camera's clock, as the recorder runs it.
  const shutter = new Shutter({ kind: 'ticks', fps: 30, target: { writeTicks: (n) => void ff.stdin!.write(Buffer.alloc(4 * n)), endTicks: () => ff.stdin!.end() } });
  t.teardown(() => shutter.end());
  await shutter.openAt(Date.now());
  const t0 = Date.now();
  await waitFor(async () => (await fragmentsIn(path)) >= 4, 30_000, 100);
  ff.kill('SIGKILL');
  shutter.end();
  const killedAfterS = (Date.now() - t0) / 1000;
  await new Promise((r) => ff.once('exit', r));
  await writeFile(join(dir, 'notes.txt'), 'not a recording');

  const [r, ...rest] = await recoverDataDir(dir, deps);
  t.is(rest.length, 0);
  t.is(r!.error, null);
  const m = r!.manifest!;
  t.is(r!.manifestPath, join(dir, 'S20250601C_CAM_L.json'));
  t.like(m, { file: name, sessionId: 'S20250601C', cameraId: 'CAM_L', incomplete: true, startAt: Date.UTC(2025, 5, 1, 14, 3, 7), snapshot: null });
  t.is(m.video.codec, 'h264');
  t.is(m.video.width, 320);
  t.is(m.sha256, await sha256sum(path));
  const info = await probeMedia(execaRunner, path);
  t.true(info.durationS! > killedAfterS - 2, `decoded ${info.durationS} s of ${killedAfterS} s (spawn included)`);
  t.deepEqual((await readdir(dir)).sort(), ['S20250601C_CAM_L.json', name, 'notes.txt'].sort());
});

test('an undecodable file is reported, not fatal for the others', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'S1_CAM_L_20250601_140000.mp4'), Buffer.alloc(100, 7));
  const [r] = await recoverDataDir(dir, deps);
  t.is(r!.manifest, null);
  t.regex(r!.error ?? '', /ffprobe failed|PROBE/i);
});

test('a node that went down while armed (encoder started, no frame yet): the empty take gets a final manifest that says so', async (t) => {
  const dir = await tempDir(t);
  // What an armed node leaves on disk: its in-progress manifest and its encoder's empty file.
  const session = new RecordingSession(sessionOptions(dir, { startAt: Date.now() + 60_000, codec: 'h264' }), sessionDeps());
  t.teardown(() => session.abandon());
  await session.prepare();
  const [r, ...rest] = await recoverDataDir(dir, deps);
  t.is(rest.length, 0);
  t.is(r!.error, null);
  const m = ManifestSchema.parse(JSON.parse(await readFile(r!.manifestPath, 'utf8')));
  t.like(m, { sessionId: 'S20250601A', incomplete: true, inProgress: false, sizeBytes: 0, durationS: 0, firstFrameAt: null, stopReason: 'down-before-first-frame' });
  t.is(m.sha256, await sha256sum(session.filePath));
  t.deepEqual(await recoverDataDir(dir, deps), [], 'a second run finds nothing to do');
});
