// Pure logic of the dashboard: no DOM, so Node tests import it as is. The rig's rules (field
// order, staleness, disagreements) are the server's: the page only displays what it is told.

export const HISTORY_MS = 10 * 60 * 1000;

const dash = '—';

export function fmtBytes(n) {
  if (n == null) return dash;
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

export function fmtMinutes(m) {
  if (m == null) return dash;
  if (m < 120) return `${Math.floor(m)} min`;
  return `${Math.floor(m / 60)} h ${String(Math.floor(m % 60)).padStart(2, '0')} min`;
}

export function fmtClock(ms) {
  if (ms == null || !Number.isFinite(ms)) return dash;
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

export function fmtAge(ms) {
  if (ms == null) return 'never';
  if (ms < 1500) return 'just now';
  if (ms < 90_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

export function fmtDuration(s) {
  if (s == null) return dash;
  return fmtClock(s * 1000);
}

export function fmtNum(n, digits = 0, unit = '') {
  if (n == null || !Number.isFinite(n)) return dash;
  return `${n.toFixed(digits)}${unit}`;
}

export function videoLine(v) {
  if (!v) return dash;
  return `${v.width}×${v.height} · ${v.fps} fps · ${String(v.codec).toUpperCase()} · ${v.bitrateMbps} Mbps`;
}

export function encoderLine(e) {
  if (!e || e.fps == null) return 'not encoding';
  const keep = e.keepingUp === false ? ' · NOT keeping up' : '';
  return `${e.fps.toFixed(1)} fps · ${e.droppedFrames ?? 0} dropped${keep}`;
}

/**
 * What a card lists under its facts: the node's warnings, and first the recorder's own error
 * (status.recording.error), without which a card in ERROR would not say why it stopped.
 */
export function cardWarnings(s) {
  const warnings = s?.warnings ?? [];
  const err = s?.recording?.error;
  if (!err || warnings.some((w) => w.code === err.code)) return warnings;
  const message = s.state === 'error' ? `Recording stopped: ${err.message}` : err.message;
  return [{ code: err.code, message }, ...warnings];
}

/**
 * This node's clock against the rig reference, with its error bound and where it came from.
 * An unmeasured offset (a node alone, or just booted) says "unknown": never a made-up 0.
 */
export function syncLine(s) {
  if (!s || s.offsetMs == null || !Number.isFinite(s.offsetMs)) return `unknown${s?.source ? ` (${s.source})` : ' (not measured yet)'}`;
  const sign = s.offsetMs > 0 ? '+' : '';
  const err = s.errorMs != null && Number.isFinite(s.errorMs) ? ` ± ${s.errorMs.toFixed(1)} ms` : '';
  const from = [s.source, s.confidence].filter(Boolean).join(', ');
  return `${sign}${s.offsetMs.toFixed(1)} ms${err}${from ? ` (${from})` : ''}`;
}

/**
 * One entry per camera, in the order the rig view gives them (the server sorts them in field
 * order). `reachable` is the server's liveness rule; `seenAt` is on the phone's clock.
 */
export function nodesFromRig(rig, receivedAt) {
  return rig.nodes.map((n) => ({
    cameraId: n.cameraId,
    self: Boolean(n.self),
    reachable: n.reachable !== false,
    seenAt: n.lastSeenMs == null ? null : receivedAt - n.lastSeenMs,
    status: n.status ?? null,
    // The serving node's clock minus the phone's: elapsed times are computed on the rig's clock.
    clockSkew: typeof rig.at === 'number' ? receivedAt - rig.at : 0,
  }));
}

export function nodeFromStatus(status, receivedAt) {
  return {
    cameraId: status.cameraId, self: true, reachable: true, seenAt: receivedAt, status,
    clockSkew: typeof status.updatedAt === 'number' ? receivedAt - status.updatedAt : 0,
  };
}

/**
 * The rig bar's line: a camera counts as recording only while it is heard from; one out of reach
 * is counted as not reachable, whatever it said last (it may have died mid-recording).
 */
export function rigSummary(nodes, linkLost) {
  if (!nodes.length) return '';
  const lost = nodes.filter((n) => isStale(n, linkLost)).length;
  const rec = nodes.filter((n) => !isStale(n, linkLost) && n.status?.state === 'recording').length;
  return `${rec} of ${nodes.length} recording${lost ? ` · ${lost} not reachable` : ''}`;
}

/**
 * The session the details form belongs to: the one a camera heard from is recording, else the
 * next one. A camera out of reach is not asked: it may have died mid-recording of a session the
 * others have long stopped, and the details typed for the next match would go to that one.
 */
export function recordingSessionId(nodes, linkLost) {
  const rec = nodes.find((n) => !isStale(n, linkLost) && n.status?.sessionId && n.status.state === 'recording');
  return rec?.status.sessionId ?? 'next';
}

/**
 * Whether a card's data is old news: the server says its node is out of reach, or the page
 * has lost its link to the server (then the server's word itself is old).
 */
export function isStale(node, linkLost) {
  return Boolean(linkLost) || !node.reachable;
}

export function elapsedMs(node, now) {
  const r = node.status?.recording;
  const from = r?.firstFrameAt ?? r?.startedAt;
  if (node.status?.state !== 'recording' || from == null) return null;
  return now - (node.clockSkew ?? 0) - from;
}

/** Which card fields a rig disagreement (computed by the server) points at. */
export const DISAGREEMENT_FIELD = {
  SESSION_MISMATCH: 'session', NOT_ALL_RECORDING: 'state', SYNC_DRIFT: 'sync', DISK_LOW: 'storage', NODE_STALE: 'seen',
};

/**
 * The server's disagreements as the page shows them: while a camera's own answer to a
 * start/stop is newer than the rig view, an entry naming that camera describes a state the
 * answer has already replaced, so it waits for the next view.
 */
export function shownDisagreements(fromServer, ackedIds) {
  const list = Array.isArray(fromServer) ? fromServer : [];
  return list.filter((d) => !(d.cameraIds ?? []).some((id) => ackedIds.has(id)));
}

/** Last ~10 minutes of temperature, free space and encoder fps per camera, in memory only. */
export class History {
  constructor(keepMs = HISTORY_MS, stepMs = 2000) {
    this.keepMs = keepMs;
    this.stepMs = stepMs;
    this.byCamera = new Map();
  }

  add(cameraId, t, status) {
    const list = this.byCamera.get(cameraId) ?? [];
    const sample = {
      t,
      temp: status.temperatureC ?? null,
      free: status.storage?.freeBytes ?? null,
      fps: status.state === 'recording' ? status.encoder?.fps ?? null : null,
    };
    const last = list[list.length - 1];
    // Several changes within one step become one sample (the newest), so memory stays bounded.
    if (last && t - last.t < this.stepMs) list[list.length - 1] = { ...sample, t: last.t };
    else list.push(sample);
    while (list.length && t - list[0].t > this.keepMs) list.shift();
    this.byCamera.set(cameraId, list);
  }

  series(cameraId, key) {
    return (this.byCamera.get(cameraId) ?? []).map((s) => ({ t: s.t, v: s[key] }));
  }
}

/**
 * SVG polyline point lists for a sparkline: one list per unbroken run of values
 * (a null is a gap, not a zero). Returns the lists and the value range.
 */
export function sparkLines(samples, width, height, t0, t1, pad = 2, minSpan = 0) {
  const vals = samples.filter((s) => s.v != null).map((s) => s.v);
  if (!vals.length) return { lines: [], min: null, max: null };
  let min = Math.min(...vals), max = Math.max(...vals);
  // A minimum span keeps noise flat: 83.31 → 83.29 GB is not a cliff.
  const least = Math.max(minSpan, 1e-9);
  if (max - min < least) { const mid = (max + min) / 2; const half = Math.max(least, 2) / 2; min = mid - half; max = mid + half; }
  const span = Math.max(1, t1 - t0);
  const x = (t) => (pad + ((t - t0) / span) * (width - 2 * pad)).toFixed(1);
  const y = (v) => (height - pad - ((v - min) / (max - min)) * (height - 2 * pad)).toFixed(1);
  const lines = [];
  let cur = [];
  for (const s of samples) {
    if (s.v == null) { if (cur.length) lines.push(cur); cur = []; continue; }
    cur.push(`${x(s.t)},${y(s.v)}`);
  }
  if (cur.length) lines.push(cur);
  return { lines: lines.map((l) => (l.length === 1 ? [l[0], l[0]] : l).join(' ')), min: Math.min(...vals), max: Math.max(...vals) };
}

/** Position of a camera in `order` (the rig view's, field order); unknown cameras last, by name. */
function byOrder(order) {
  const at = (id) => { const i = order.indexOf(id); return i < 0 ? order.length : i; };
  return (a, b) => at(a) - at(b) || String(a).localeCompare(String(b));
}

/**
 * Manifests grouped by session, newest session first; within a session its takes (a manifest
 * without `take` is take 1), each take's files with cameras in `order` (the rig view's).
 */
export function groupBySession(manifests, order = []) {
  const cmp = byOrder(order);
  const map = new Map();
  for (const m of manifests) {
    const g = map.get(m.sessionId) ?? { sessionId: m.sessionId, startAt: m.startAt ?? 0, files: [] };
    g.startAt = Math.max(g.startAt, m.startAt ?? 0);
    g.files.push(m);
    map.set(m.sessionId, g);
  }
  const groups = [...map.values()].sort((a, b) => b.startAt - a.startAt);
  for (const g of groups) {
    g.files.sort((a, b) => takeOf(a) - takeOf(b) || cmp(a.cameraId, b.cameraId) || (a.startAt ?? 0) - (b.startAt ?? 0));
    g.totalBytes = g.files.reduce((s, f) => s + (f.sizeBytes ?? 0), 0);
    g.cameras = [...new Set(g.files.map((f) => f.cameraId))].sort(cmp);
    const takes = new Map();
    for (const f of g.files) {
      const t = takes.get(takeOf(f)) ?? { take: takeOf(f), startAt: 0, files: [], totalBytes: 0 };
      t.startAt = Math.max(t.startAt, f.startAt ?? 0);
      t.totalBytes += f.sizeBytes ?? 0;
      t.files.push(f);
      takes.set(t.take, t);
    }
    g.takes = [...takes.values()];
  }
  return groups;
}

/** A manifest's take number: 1 for the first take, and for manifests written before takes existed. */
export function takeOf(m) {
  return Number.isInteger(m.take) && m.take > 0 ? m.take : 1;
}

export function checksumState(m) {
  if (m.inProgress) return { label: 'recording…', ok: null };
  if (m.incomplete) return { label: 'incomplete', ok: false };
  if (m.sha256) return { label: `SHA-256 ${m.sha256.slice(0, 12)}…`, ok: true };
  return { label: 'no checksum', ok: false };
}

/** The problems of a 400 from POST /config, as [{path, message}] whatever shape the server used. */
export function problemsOf(errorBody) {
  const e = errorBody?.error;
  if (!e) return [];
  if (Array.isArray(e.problems) && e.problems.length) return e.problems.map((p) => ({ path: String(p.path ?? ''), message: String(p.message ?? '') }));
  const msg = String(e.message ?? e.code ?? 'invalid');
  const path = e.field ?? '';
  return [{ path, message: path && msg.startsWith(`${path}: `) ? msg.slice(path.length + 2) : msg }];
}

/** The field of a form that a problem path belongs to: itself or its nearest parent. */
export function fieldFor(path, fieldPaths) {
  let p = path;
  while (p) {
    if (fieldPaths.includes(p)) return p;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return null;
}

/** A partial config holding only what the form changed. */
export function configPatch(values, current) {
  const patch = {};
  for (const [path, raw] of Object.entries(values)) {
    const before = path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), current);
    let v = raw;
    if (typeof before === 'number' && typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())) v = Number(raw);
    if (v === '' && (before === null || before === undefined || before === '********')) continue;
    if (v === before) continue;
    const keys = path.split('.');
    let o = patch;
    for (const k of keys.slice(0, -1)) o = o[k] ??= {};
    o[keys[keys.length - 1]] = v;
  }
  return patch;
}
