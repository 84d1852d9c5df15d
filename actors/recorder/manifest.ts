import { z } from 'zod';

/**
 * The per-recording manifest: the public contract shared with peers, the dashboard and the
 * offload tool. The fields ARCHITECTURE.md names are required; the rest are diagnostics.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const VideoInfoSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  codec: z.enum(['h264', 'h265']),
  bitrateMbps: z.number().positive(),
});

const SyncPointSchema = z.object({
  offsetMs: z.number().nullable(),
  errorMs: z.number().nullable(),
  source: z.string(),
  peers: z.record(z.string(), z.object({
    offsetMs: z.number(), vsRigMs: z.number().nullable(), rttMs: z.number(), errorMs: z.number(), ageMs: z.number(),
  })),
});

export const ManifestSchema = z.object({
  file: z.string().min(1),
  sessionId: z.string().min(1),
  cameraId: z.string().min(1),
  cameraPosition: z.string(),
  /** The rig-agreed start instant, epoch ms, on rig time (this node's clock when rig time was unknown). */
  startAt: z.number(),
  /** When this node's first frame was captured, epoch ms on this node's clock; null if none. */
  firstFrameAt: z.number().nullable(),
  /** This node's clock minus rig time at the first frame, ms (positive: ahead); null when unmeasured. */
  offsetMs: z.number().nullable(),
  durationS: z.number().nonnegative(),
  video: VideoInfoSchema,
  droppedFrames: z.number().int().nonnegative(),
  /** null only in the "in progress" manifest written at start. */
  sha256: sha256Hex.nullable(),
  sizeBytes: z.number().int().nonnegative(),
  snapshot: z.string().nullable(),
  softwareVersion: z.string(),
  offloaded: z.boolean(),
  incomplete: z.boolean(),
  /**
   * 1 for the first recording of this session on this node, 2 for the next with the same
   * session id, and so on: each take has its own manifest (see manifestFileName). Absent in
   * manifests written before takes existed, which are all first takes.
   */
  take: z.number().int().positive().optional(),

  // Rig time (issue 10; optional: older manifests have none).
  /** startAt on this node's clock (the instant its shutter was set for); absent in older manifests, where startAt was. */
  startAtLocal: z.number().optional(),
  /** firstFrameAt on rig time: what lines the cameras up; null when rig time was unknown. */
  firstFrameAtRig: z.number().nullable().optional(),
  /** Started without a measured offset to the rig (alone, or just booted): SYNC_UNKNOWN. */
  syncUnknown: z.boolean().optional(),
  /** How this node's clock stood against rig time at the first frame and at stop: drift over the match. */
  syncAtStart: SyncPointSchema.nullable().optional(),
  syncAtStop: SyncPointSchema.nullable().optional(),

  // Diagnostics (optional so older manifests and other writers stay valid).
  inProgress: z.boolean().optional(),
  stopReason: z.string().nullable().optional(),
  /** The file this take continues: started by the node itself when that one's recording stopped by itself. */
  resumes: z.string().optional(),
  /** Epoch ms when the encoder was started / stopped (this node's clock). */
  startedAt: z.number().optional(),
  stoppedAt: z.number().nullable().optional(),
  codecFallbackReason: z.string().nullable().optional(),
  encoder: z
    .object({ avgFps: z.number().nullable(), speed: z.number().nullable(), frames: z.number().int().nullable() })
    .optional(),
  errors: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
  recoveredAt: z.number().optional(),
  /** Bytes of a half-written last fragment that recovery cut off (they could not be decoded). */
  recoveryTrimmedBytes: z.number().int().optional(),
  /** Epoch ms when an offload tool confirmed a verified copy (sha256 matched). */
  offloadedAt: z.number().optional(),
  /** Epoch ms when the video was deleted from this node after a verified offload; the manifest stays. */
  deletedAt: z.number().optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type VideoInfo = z.infer<typeof VideoInfoSchema>;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `{SESSION_ID}_{CAM_ID}_{YYYYMMDD}_{HHMMSS}.mp4`, UTC of the start. */
export function recordingFileName(sessionId: string, cameraId: string, startedAtMs: number): string {
  const d = new Date(startedAtMs);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${safeId(sessionId)}_${safeId(cameraId)}_${date}_${time}.mp4`;
}

/**
 * `{SESSION_ID}_{CAM_ID}.json` for the first take, `{SESSION_ID}_{CAM_ID}_t{N}.json` for take N
 * ≥ 2: a session id used again on a node never overwrites an earlier take's manifest, and the
 * common case (one take) keeps the name ARCHITECTURE.md documents.
 */
export function manifestFileName(sessionId: string, cameraId: string, take = 1): string {
  return takeManifestName(`${safeId(sessionId)}_${safeId(cameraId)}`, take);
}

/** The manifest name of take `take` under a `{SESSION}_{CAM}` prefix. */
export function takeManifestName(prefix: string, take: number): string {
  if (!Number.isInteger(take) || take < 1) throw new RangeError(`take must be a positive integer, got ${take}`);
  return `${prefix}${take === 1 ? '' : `_t${take}`}.json`;
}

/**
 * The take a manifest name stands for, given its `{SESSION}_{CAM}` prefix, or null if the name
 * is not a manifest of that prefix.
 */
export function takeOfManifestName(name: string, base: string): number | null {
  if (name === `${base}.json`) return 1;
  if (!name.startsWith(`${base}_t`) || !name.endsWith('.json')) return null;
  const n = name.slice(base.length + 2, -'.json'.length);
  return /^[1-9]\d{0,5}$/.test(n) && Number(n) >= 2 ? Number(n) : null;
}

const RECORDING_NAME = /^(.+)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.mp4$/;

/**
 * Splits a recording file name for recovery. Ids may contain `_` (CAM_L), so the session and
 * camera are only separable when the camera id is known; the node always knows its own.
 */
export function parseRecordingFileName(
  name: string,
  cameraId: string,
): { manifestName: string; sessionId: string | null; startedAtMs: number } | null {
  const m = name.match(RECORDING_NAME);
  if (!m) return null;
  const [, prefix, y, mo, d, h, mi, s] = m;
  const startedAtMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const suffix = `_${cameraId}`;
  const sessionId = prefix!.endsWith(suffix) && prefix!.length > suffix.length ? prefix!.slice(0, -suffix.length) : null;
  return { manifestName: `${prefix}.json`, sessionId, startedAtMs };
}

/**
 * Ids end up in file names: refuse separators and anything a shell or a FAT-formatted
 * offload disk would trip on, instead of silently rewriting them.
 */
export function safeId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) {
    throw new RangeError(`id ${JSON.stringify(id)} must be 1-64 of letters, digits, '_', '-', '.', starting alphanumeric`);
  }
  return id;
}
