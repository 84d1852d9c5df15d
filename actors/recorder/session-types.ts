import type { RigError } from '../../runtime/errors.js';
import type { RecordingSettings, VideoCodec } from './command.js';
import type { EncoderList } from './encoders.js';
import type { SessionHealth } from './health.js';
import type { WriterFs } from './hashing-writer.js';
import type { Manifest } from './manifest.js';
import type { RigClock } from '../sync/rig-clock.js';
import type { ProcessRunner } from './runner.js';

/** What a recording session is given, what it reports and what it returns (see session.ts). */

export interface Clock {
  now(): number;
}

/** `codec` is the preferred one; h265 falls back to h264 when libx265 is missing or fails early. */
export interface SessionOptions extends RecordingSettings {
  sessionId: string;
  cameraId: string;
  cameraPosition: string;
  /** The start instant on this node's clock, epoch ms. */
  startAt: number;
  /** The same instant on rig time (null: rig time unknown). */
  startAtRig?: number | null;
  /**
   * The lowest take number this recording may get (default 1): a start-all passes the rig's
   * next take, so all cameras of one start-all share it even when this node has fewer takes.
   */
  minTake?: number;
  /** The file this recording continues: it was started by the node itself when that one stopped by itself (resume.ts). */
  resumes?: string | null;
  /** Rig time, read at the first frame and at stop for the manifest; absent: unknown. */
  rigClock?: RigClock | null;
  dataDir: string;
  softwareVersion: string;
  snapshot: string | null;
  /** Stop by itself this long after the first frame; null = until stop(). */
  plannedDurationS?: number | null;
  tune?: string | null;
  /** Where the preview JPEG goes; null = no preview. */
  previewPath?: string | null;
  /** Grandma Mode: a low-resolution HLS live stream into this directory; null = off. */
  live?: { dir: string; height: number; bitrateMbps: number } | null;
  previewEveryS?: number;
  /** An h265 failure this soon after spawn is treated as "HEVC does not work here". */
  codecFallbackWindowMs?: number;
  startTimeoutMs?: number;
  stallTimeoutMs?: number;
  stopGraceMs?: number;
  killGraceMs?: number;
  fsyncIntervalMs?: number;
  firstFrameWindowMs?: number;
}

export interface SessionDeps {
  runner: ProcessRunner;
  encoders: EncoderList;
  clock: Clock;
  writerFs?: WriterFs;
  ffmpegPath?: string;
  rpicamPath?: string;
}

export type SessionState = 'idle' | 'starting' | 'recording' | 'stopping' | 'stopped' | 'failed';

export interface StartResult {
  file: string;
  filePath: string;
  codec: VideoCodec;
  firstFrameAt: number;
  /** firstFrameAt on rig time; null when rig time was unknown (SYNC_UNKNOWN). */
  firstFrameAtRig: number | null;
  codecFallbackReason: string | null;
  take: number;
}

export interface SessionResult {
  manifest: Manifest;
  manifestPath: string;
  filePath: string;
  /** Set when the final manifest could not be written (the in-progress one is still there). */
  manifestError: RigError | null;
}

export interface LiveState { active: boolean; reason: string | null }

/** The session's events, for `EventEmitter<SessionEvents>`. */
export interface SessionEvents {
  health: [h: SessionHealth];
  /** Something went wrong with the recording (it may go on, e.g. a dropped preview). */
  error: [err: RigError];
  /** Nothing went wrong yet, but the operator must act (e.g. no space reserved for the manifest). */
  warning: [w: RigError];
  /** The session ended, asked for or not. */
  ended: [r: SessionResult];
  /** The Grandma Mode live stream went on or off (with why). */
  live: [state: LiveState];
}

export type { SessionHealth };
