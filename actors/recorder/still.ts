import { readFile, mkdtemp, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../runtime/atomic-write.js';
import type { Config } from '../../runtime/config/schema.js';
import { RigError, errorCode, errorMessage } from '../../runtime/errors.js';
import type { ProcessRunner } from './runner.js';

/**
 * One JPEG from the camera while no recording holds it (Lock View before kick-off).
 * While recording, the preview written by the recording pipeline is used instead,
 * so the camera is never opened twice.
 */
export async function grabStill(cfg: Config, runner: ProcessRunner, ffmpegPath = 'ffmpeg'): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-still-'));
  const out = join(dir, 'still.jpg');
  const { width, height, fps } = cfg.video;
  const w = Math.min(width, 1280);
  const h = Math.round((height * w) / width / 2) * 2;
  let argv;
  switch (cfg.camera.source) {
    case 'synthetic':
      argv = { file: ffmpegPath, args: ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-y', out] };
      break;
    case 'v4l2':
      argv = { file: ffmpegPath, args: ['-hide_banner', '-loglevel', 'error', '-f', 'v4l2', '-i', cfg.camera.device!, '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-y', out] };
      break;
    case 'rpicam':
      argv = { file: 'rpicam-jpeg', args: ['-n', '-t', '500', '--width', String(w), '--height', String(h), '-o', out] };
      break;
  }
  try {
    const r = await runner.run(argv, { timeoutMs: 10_000 });
    if (r.code !== 0) throw new RigError('SNAPSHOT_FAILED', `could not take a still: ${(r.spawnError ?? r.stderr.trim().split('\n').pop()) || `exit ${r.code}`}`);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type StillReply =
  | { ok: true; source: 'still' | 'recording'; at: number }
  | { ok: false; code: 'ARMED' | 'PREVIEW_NOT_READY' | string; message: string };

/**
 * A fresh framing picture on demand (issue 11 item 14: framing before kick-off). Idle: one still
 * from the camera, written where the recording's previews go, so GET /preview.jpg serves it.
 * Armed: refused, the camera is held for the start instant. Recording: nothing is opened, the
 * latest preview of the recording is the answer. Runs in the recorder's mailbox, so a start
 * waits for a still being taken rather than finding the camera busy.
 */
export async function refreshStill(o: {
  phase: string; armedAt: number | null; now: number; previewPath: string; grab: () => Promise<Buffer>;
}): Promise<StillReply> {
  if (o.phase === 'armed') {
    const inS = o.armedAt === null ? 0 : Math.max(0, Math.ceil((o.armedAt - o.now) / 1000));
    return { ok: false, code: 'ARMED', message: `the camera starts recording in ${inS} s; its preview comes with the first frames` };
  }
  if (o.phase === 'recording' || o.phase === 'stopping') {
    const at = await stat(o.previewPath).then((s) => s.mtimeMs, () => null);
    return at === null
      ? { ok: false, code: 'PREVIEW_NOT_READY', message: 'no preview still yet; the recording writes one about every 2 s' }
      : { ok: true, source: 'recording', at: Math.round(at) };
  }
  try {
    const jpeg = await o.grab();
    await mkdir(dirname(o.previewPath), { recursive: true });
    await writeFileAtomic(o.previewPath, jpeg);
    return { ok: true, source: 'still', at: o.now };
  } catch (err) {
    return { ok: false, code: errorCode(err) ?? 'SNAPSHOT_FAILED', message: errorMessage(err) };
  }
}
