import { access, constants, stat } from 'node:fs/promises';
import type { Config } from '../../runtime/config/schema.js';
import type { Warning } from '../../runtime/status.js';
import { bytesPerMinute, type HealthAssessment } from '../health.js';
import type { ProcessRunner } from './runner.js';

/**
 * The start gates: every reason a recording must not start now, each with a code
 * the phone can show. All are checked (not just the first) so the operator fixes
 * everything in one go.
 */
export async function startBlockers(cfg: Config, health: HealthAssessment, camera: () => Promise<Warning | null>): Promise<Warning[]> {
  const reasons: Warning[] = [...health.blocks];
  const dir = cfg.storage.dataDir;
  try {
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (err) {
    if (!reasons.some((r) => r.code === 'DATA_DIR_UNAVAILABLE')) {
      reasons.push({ code: 'DATA_DIR_UNAVAILABLE', message: `data directory ${dir} is missing or not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  }
  const { freeBytes } = health.storage;
  const needed = bytesPerMinute(cfg.video.bitrateMbps) * cfg.recording.plannedDurationMin;
  if (freeBytes !== null && freeBytes < needed && !reasons.some((r) => r.code === 'DISK_CRITICAL')) {
    reasons.push({
      code: 'INSUFFICIENT_SPACE',
      message: `${(freeBytes / 1e9).toFixed(1)} GB free, ${(needed / 1e9).toFixed(1)} GB needed for ${cfg.recording.plannedDurationMin} min at ${cfg.video.bitrateMbps} Mbps`,
    });
  }
  const cam = await camera();
  if (cam) reasons.push(cam);
  return reasons;
}

/** Is the configured camera there? Synthetic always is; a V4L2 device must exist; rpicam must list a camera. */
export function cameraCheck(cfg: Config, runner: ProcessRunner, rpicamPath = 'rpicam-vid'): () => Promise<Warning | null> {
  return async () => {
    const cam = cfg.camera;
    if (cam.source === 'synthetic') return null;
    if (cam.source === 'v4l2') {
      try {
        await access(cam.device!, constants.R_OK);
        return null;
      } catch {
        return { code: 'CAMERA_MISSING', message: `camera device ${cam.device} is not there (unplugged?)` };
      }
    }
    const r = await runner.run({ file: rpicamPath, args: ['--list-cameras'] }, { timeoutMs: 5000 });
    if (r.spawnError) return { code: 'CAMERA_MISSING', message: `${rpicamPath} is not installed (${r.spawnError})` };
    if (!/^\s*\d+\s*:/m.test(r.stdout + r.stderr)) return { code: 'CAMERA_MISSING', message: 'no Pi camera detected (check the ribbon cable)' };
    return null;
  };
}
