import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../runtime/config/schema.js';
import { RigError } from '../../runtime/errors.js';
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
