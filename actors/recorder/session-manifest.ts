import { writeJsonAtomic } from '../../runtime/atomic-write.js';
import type { VideoCodec } from './command.js';
import type { HashResult } from './hashing-writer.js';
import type { Manifest } from './manifest.js';
import type { EncoderExit } from './process.js';
import type { ProgressSnapshot } from './progress.js';
import { releaseReserve } from './reserve.js';
import type { SessionOptions } from './session-types.js';
import type { RigError } from '../../runtime/errors.js';
import type { SyncPoint } from '../sync/rig-clock.js';

/** A session's manifest: what it says at each step, and how the final one reaches the disk. */

export interface ManifestFacts {
  opts: SessionOptions;
  file: string;
  take: number;
  startedAt: number | null;
  firstFrameAt: number | null;
  last: ProgressSnapshot | null;
  codec: VideoCodec;
  codecFallbackReason: string | null;
  errors: readonly RigError[];
  hash: HashResult | null;
  /** Rig time at the first frame and at stop (null before / when the session has no rig clock). */
  sync?: { atStart: SyncPoint | null; atStop: SyncPoint | null; rigMinusLocalMs: number | null };
  /** The in-progress manifest (written at arming/start) or the final one. */
  final: null | { stopReason: string; stoppedAt: number; incomplete: boolean; exit: EncoderExit };
}

const NO_SYNC: NonNullable<ManifestFacts['sync']> = { atStart: null, atStop: null, rigMinusLocalMs: null };

export function buildManifest(f: ManifestFacts): Manifest {
  const { opts, last } = f;
  const sync = f.sync ?? NO_SYNC;
  return {
    file: f.file,
    sessionId: opts.sessionId,
    cameraId: opts.cameraId,
    cameraPosition: opts.cameraPosition,
    // The rig-agreed instant (ARCHITECTURE.md): the start-all's, on rig time; startAtLocal is
    // the same instant on this node's clock, the one its shutter opened at.
    startAt: opts.startAtRig ?? opts.startAt,
    startAtLocal: opts.startAt,
    firstFrameAt: f.firstFrameAt,
    // Rig time is the one the cameras agree on: the first frame's instant there, and this
    // node's offset to it at start (null while unmeasured: then syncUnknown).
    firstFrameAtRig: f.firstFrameAt !== null && sync.rigMinusLocalMs !== null ? round3(f.firstFrameAt + sync.rigMinusLocalMs) : null,
    offsetMs: sync.rigMinusLocalMs === null ? null : round3(-sync.rigMinusLocalMs),
    syncUnknown: f.firstFrameAt !== null && sync.rigMinusLocalMs === null,
    syncAtStart: sync.atStart,
    syncAtStop: sync.atStop,
    // The last muxed timestamp: what a player will show, not the wall time we ran.
    durationS: Math.max(0, Math.round((last?.outTimeUs ?? 0) / 1000) / 1000),
    video: { width: opts.width, height: opts.height, fps: opts.fps, codec: f.codec, bitrateMbps: opts.bitrateMbps },
    droppedFrames: Math.max(0, last?.dropFrames ?? 0),
    sha256: f.hash?.sha256 ?? null,
    sizeBytes: f.hash?.sizeBytes ?? 0,
    snapshot: opts.snapshot,
    softwareVersion: opts.softwareVersion,
    offloaded: false,
    incomplete: f.final ? f.final.incomplete : true,
    take: f.take,
    ...(opts.resumes ? { resumes: opts.resumes } : {}),
    inProgress: f.final === null,
    stopReason: f.final?.stopReason ?? null,
    startedAt: f.startedAt ?? 0,
    stoppedAt: f.final?.stoppedAt ?? null,
    codecFallbackReason: f.codecFallbackReason,
    encoder: { avgFps: last?.fps ?? null, speed: last?.speed ?? null, frames: last?.frame ?? null },
    errors: f.errors.map((e) => ({ code: e.code, message: e.message })),
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Writes the final manifest. When the disk is full (typically filled by the recording
 * itself) the space reserved at start is given back for exactly this write and it is tried
 * once more. Rejects when even that fails; the in-progress manifest then stays and recovery
 * completes it.
 */
export async function writeFinalManifest(path: string, manifest: Manifest, reserve: { dataDir: string; cameraId: string }): Promise<void> {
  await writeJsonAtomic(path, manifest).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOSPC' && err.code !== 'EDQUOT') throw err;
    await releaseReserve(reserve.dataDir, reserve.cameraId);
    await writeJsonAtomic(path, manifest);
  });
}
