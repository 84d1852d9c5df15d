import { fieldOrder } from '../../runtime/cameras.js';

/**
 * A session's quality report (issue 10 item 5): did every camera record, completely, starting
 * on the same instant of rig time, with clocks that stayed together? Pure: it reads the
 * replicated manifests (every node's, off the wire, so every field is read defensively) and
 * the rig's members, and is the one home of the verdict rules (the dashboard and the offload
 * tool display it, they never recompute it).
 */

export type Verdict = 'ok' | 'warn' | 'fail';

export interface ReportReason { code: string; level: Exclude<Verdict, 'ok'>; message: string; cameraIds: string[] }

export interface SyncPoint { offsetMs: number | null; errorMs: number | null; source: string | null }

export interface CameraReport {
  cameraId: string;
  /** A member of the rig with no manifest for this take. */
  missing: boolean;
  file: string | null;
  take: number;
  /** This node's clock, epoch ms. */
  firstFrameAt: number | null;
  /** The same instant on the rig reference; null for older manifests or an unmeasured clock. */
  firstFrameAtRig: number | null;
  /** firstFrameAtRig minus the earliest camera's: 0 for the first camera to start. */
  startOffsetMs: number | null;
  syncAtStart: SyncPoint | null;
  syncAtStop: SyncPoint | null;
  durationS: number | null;
  droppedFrames: number | null;
  incomplete: boolean;
  inProgress: boolean;
  /** The file this recording continues (it resumed by itself when that one stopped); null for a start-all's. */
  resumes: string | null;
}

export interface SessionReport {
  sessionId: string;
  /** The take reported (the latest unless asked for one), and every take the session has. */
  take: number;
  takes: number[];
  verdict: Verdict;
  /** max - min firstFrameAtRig over the cameras whose rig time is known; null when none is. */
  spreadMs: number | null;
  thresholdMs: number;
  cameras: CameraReport[];
  reasons: ReportReason[];
  /**
   * The start beep of this take's start-all (audio.startBeep), from the rig log: which node played
   * it and when on rig time, to find it in the audio tracks; null when none was played.
   */
  beep: ReportBeep | null;
}

/** A start beep as the rig log holds it, with the rig instant of the start-all it belongs to. */
export interface SessionBeep {
  /** The start command's instant on rig time: the startAt of the take's manifests. */
  startAt: number | null;
  cameraId: string;
  atRig: number;
  rigTimeKnown: boolean;
  durationMs: number;
  frequencyHz: number;
}

export type ReportBeep = Omit<SessionBeep, 'startAt'>;

export interface ReportOptions {
  /** config thresholds.syncOffsetMs: the start spread and the drift allowed. */
  thresholdMs: number;
  /** Report this take; default the session's latest. */
  take?: number;
  /** The session's start beeps (the rig log's); the one whose start-all made this take is reported. */
  beeps?: readonly SessionBeep[];
  /** Members the rig view marks out of reach: a running take of theirs is not known to be running. */
  unreachable?: readonly string[];
}

export type ReportOutcome =
  | { ok: true; report: SessionReport }
  | { ok: false; code: 'SESSION_NOT_FOUND' | 'TAKE_NOT_FOUND'; message: string };

type Raw = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A manifest's take: 1 for the first take and for manifests written before takes existed. */
export function takeOf(m: Raw): number {
  return Number.isInteger(m.take) && (m.take as number) > 0 ? (m.take as number) : 1;
}

function syncPoint(v: unknown): SyncPoint | null {
  if (!v || typeof v !== 'object') return null;
  const s = v as Raw;
  return { offsetMs: num(s.offsetMs), errorMs: num(s.errorMs), source: str(s.source) };
}

function camera(m: Raw, take: number): CameraReport {
  const atStart = syncPoint(m.syncAtStart);
  const offset = num(m.offsetMs);
  return {
    cameraId: String(m.cameraId),
    missing: false,
    file: str(m.file),
    take,
    firstFrameAt: num(m.firstFrameAt),
    firstFrameAtRig: num(m.firstFrameAtRig),
    startOffsetMs: null,
    // The manifest's top-level offsetMs is the offset at start; older writers have only that.
    syncAtStart: atStart ?? (offset === null ? null : { offsetMs: offset, errorMs: null, source: null }),
    syncAtStop: syncPoint(m.syncAtStop),
    durationS: num(m.durationS),
    droppedFrames: num(m.droppedFrames),
    incomplete: m.incomplete === true,
    inProgress: m.inProgress === true,
    resumes: str(m.resumes),
  };
}

function missingCamera(cameraId: string, take: number): CameraReport {
  return {
    cameraId, missing: true, file: null, take, firstFrameAt: null, firstFrameAtRig: null, startOffsetMs: null,
    syncAtStart: null, syncAtStop: null, durationS: null, droppedFrames: null, incomplete: false, inProgress: false, resumes: null,
  };
}

const list = (ids: string[]): string => ids.join(', ');

/** The rules, each naming the cameras it is about; `fail` for an unusable take, `warn` for a doubtful one. */
/** Why a finished file is incomplete: a recovery after the node went down, or a stop by itself (DISK_FULL, ENCODER_EXITED…). */
function incompleteWhy(stopReason: string | null): string {
  return stopReason === null || stopReason === 'recovered-after-crash' || stopReason === 'down-before-first-frame'
    ? 'recovered after an abnormal stop' : `stopped by itself: ${stopReason}`;
}

function reasonsFor(cams: CameraReport[], spreadMs: number | null, thresholdMs: number, take: number, otherTakes: Map<string, number[]>, unreachable: ReadonlySet<string>, stopReasons: ReadonlyMap<string, string | null>): ReportReason[] {
  const out: ReportReason[] = [];
  const add = (code: string, level: ReportReason['level'], ids: string[], message: string) => {
    if (ids.length) out.push({ code, level, message, cameraIds: ids });
  };
  const present = cams.filter((c) => !c.missing);
  const missing = cams.filter((c) => c.missing).map((c) => c.cameraId);
  const elsewhere = missing.filter((id) => otherTakes.has(id)).map((id) => `${id} has take ${otherTakes.get(id)!.join(', ')}`);
  // A take made only of recordings that resumed by themselves (resume.ts) is not a start-all: the
  // other cameras are not missing from it, they go on in the take those recordings continue.
  const resumed = present.filter((c) => c.resumes !== null);
  if (present.length > 0 && resumed.length === present.length) {
    add('RESUMED', 'warn', resumed.map((c) => c.cameraId), `${resumed.map((c) => `${c.cameraId} resumed by itself after ${c.resumes} stopped`).join('; ')}; the other cameras go on in their own take`);
  } else {
    add('CAMERA_MISSING', 'fail', missing, `no recording of take ${take} from ${list(missing)}${elsewhere.length ? ` (${elsewhere.join('; ')})` : ''}`);
  }
  const noFrames = present.filter((c) => c.firstFrameAt === null && !c.inProgress).map((c) => c.cameraId);
  add('NO_FRAMES', 'fail', noFrames, `no frame captured by ${list(noFrames)}`);
  // A running take's manifest says incomplete until its end: that is IN_PROGRESS below, not a fault.
  const incomplete = present.filter((c) => c.incomplete && !c.inProgress).map((c) => c.cameraId);
  const byWhy = new Map<string, string[]>();
  for (const id of incomplete) {
    const why = incompleteWhy(stopReasons.get(id) ?? null);
    byWhy.set(why, [...(byWhy.get(why) ?? []), id]);
  }
  add('INCOMPLETE', 'fail', incomplete, `the file of ${[...byWhy].map(([why, ids]) => `${list(ids)} is incomplete (${why})`).join('; ')}`);
  if (spreadMs !== null && spreadMs > thresholdMs) {
    const late = present.filter((c) => c.startOffsetMs !== null && c.startOffsetMs > thresholdMs).map((c) => c.cameraId);
    add('START_SPREAD', 'fail', late, `first frames ${spreadMs.toFixed(1)} ms apart in rig time (limit ${thresholdMs} ms); late: ${list(late)}`);
  }
  // A node killed mid-recording leaves its running manifest in the rig until it is back.
  const lost = present.filter((c) => c.inProgress && unreachable.has(c.cameraId)).map((c) => c.cameraId);
  add('NODE_UNREACHABLE', 'fail', lost, `${list(lost)} out of reach while recording: the file is not final until the node is back (it is recovered then)`);
  const recording = present.filter((c) => c.inProgress && !unreachable.has(c.cameraId)).map((c) => c.cameraId);
  add('IN_PROGRESS', 'warn', recording, `${list(recording)} still recording: duration and drift not final`);
  const dropped = present.filter((c) => (c.droppedFrames ?? 0) > 0);
  add('DROPPED_FRAMES', 'warn', dropped.map((c) => c.cameraId), `dropped frames: ${dropped.map((c) => `${c.cameraId} ${c.droppedFrames}`).join(', ')}`);
  const unknown = present.filter((c) => c.firstFrameAt !== null && (c.firstFrameAtRig === null || c.syncAtStart?.offsetMs == null)).map((c) => c.cameraId);
  add('SYNC_UNKNOWN', 'warn', unknown, `no rig-time offset for ${list(unknown)}: its start cannot be checked against the others`);
  const drift = present.filter((c) => {
    const a = c.syncAtStart?.offsetMs, b = c.syncAtStop?.offsetMs;
    return a != null && b != null && Math.abs(b - a) > thresholdMs;
  });
  add('DRIFT', 'warn', drift.map((c) => c.cameraId),
    `clock offset moved by more than ${thresholdMs} ms between start and stop: ${drift.map((c) => `${c.cameraId} ${(c.syncAtStop!.offsetMs! - c.syncAtStart!.offsetMs!).toFixed(1)} ms`).join(', ')}`);
  return out;
}

/**
 * Builds the report of one take of `sessionId` from every node's manifests. `members` are the
 * rig's cameras (a member without a manifest is CAMERA_MISSING); a camera that recorded but is
 * no longer a member is still reported. Several manifests of one camera and take (a replica
 * and the original) count once: the newest.
 */
export function sessionReport(sessionId: string, manifests: readonly Raw[], members: readonly string[], opts: ReportOptions): ReportOutcome {
  const ofSession = manifests.filter((m) => m && m.sessionId === sessionId && typeof m.cameraId === 'string');
  if (ofSession.length === 0) return { ok: false, code: 'SESSION_NOT_FOUND', message: `no recording of session ${sessionId} on the rig` };
  const takes = [...new Set(ofSession.map(takeOf))].sort((a, b) => a - b);
  const take = opts.take ?? takes[takes.length - 1]!;
  if (!takes.includes(take)) return { ok: false, code: 'TAKE_NOT_FOUND', message: `session ${sessionId} has no take ${take} (takes: ${takes.join(', ')})` };

  const byCamera = new Map<string, Raw>();
  const otherTakes = new Map<string, number[]>();
  for (const m of ofSession) {
    const id = m.cameraId as string;
    if (takeOf(m) !== take) {
      otherTakes.set(id, [...new Set([...(otherTakes.get(id) ?? []), takeOf(m)])].sort((a, b) => a - b));
      continue;
    }
    const seen = byCamera.get(id);
    if (!seen || (num(m.startedAt) ?? num(m.startAt) ?? 0) > (num(seen.startedAt) ?? num(seen.startAt) ?? 0)) byCamera.set(id, m);
  }
  const ids = [...new Set([...members, ...byCamera.keys()])].sort(fieldOrder);
  const cams = ids.map((id) => (byCamera.has(id) ? camera(byCamera.get(id)!, take) : missingCamera(id, take)));

  const rig = cams.flatMap((c) => (c.firstFrameAtRig === null ? [] : [c.firstFrameAtRig]));
  const first = rig.length ? Math.min(...rig) : null;
  const spreadMs = first === null ? null : Math.max(...rig) - first;
  for (const c of cams) c.startOffsetMs = first === null || c.firstFrameAtRig === null ? null : c.firstFrameAtRig - first;

  const stopReasons = new Map([...byCamera].map(([id, m]) => [id, str(m.stopReason)]));
  const reasons = reasonsFor(cams, spreadMs, opts.thresholdMs, take, otherTakes, new Set(opts.unreachable ?? []), stopReasons);
  const verdict: Verdict = reasons.some((r) => r.level === 'fail') ? 'fail' : reasons.length ? 'warn' : 'ok';
  // A take's recordings carry their start-all's instant (startAt, rig time); so does its beep.
  const starts = new Set([...byCamera.values()].map((m) => num(m.startAt)));
  const found = opts.beeps?.find((b) => b.startAt !== null && starts.has(b.startAt));
  const beep = found ? { cameraId: found.cameraId, atRig: found.atRig, rigTimeKnown: found.rigTimeKnown, durationMs: found.durationMs, frequencyHz: found.frequencyHz } : null;
  return { ok: true, report: { sessionId, take, takes, verdict, spreadMs, thresholdMs: opts.thresholdMs, cameras: cams, reasons, beep } };
}
