// Pure formatting of a session's QC report (GET /api/v1/rig/sessions/:id/report) and of the
// updater's answers. The verdict and its reasons are the server's: nothing here judges.

import { fmtDuration } from './model.js';

const dash = '—';

/** A signed millisecond figure: "+1.2 ms", "-0.4 ms"; unknown says so. */
export function fmtMs(n, digits = 1) {
  if (n == null || !Number.isFinite(n)) return 'unknown';
  return `${n > 0 ? '+' : ''}${n.toFixed(digits)} ms`;
}

/** An offset with its error bound and source, as measured at one instant (start or stop). */
export function syncPointLine(p) {
  if (!p || p.offsetMs == null) return 'unknown';
  const err = p.errorMs == null ? '' : ` ± ${p.errorMs.toFixed(1)} ms`;
  return `${fmtMs(p.offsetMs)}${err}${p.source ? ` (${p.source})` : ''}`;
}

export const VERDICT_LABEL = { ok: 'OK', warn: 'CHECK', fail: 'FAIL' };

/** The report's headline: verdict, take, spread against the threshold. */
export function reportSummary(r) {
  const spread = r.spreadMs == null ? 'start spread unknown (no rig time)' : `start spread ${r.spreadMs.toFixed(1)} ms (limit ${r.thresholdMs} ms)`;
  const take = r.takes?.length > 1 ? `take ${r.take} of ${r.takes.length} · ` : '';
  return `${VERDICT_LABEL[r.verdict] ?? r.verdict} · ${take}${spread}`;
}

/** One camera's row as text cells, in the order the table heads them. */
export function reportRow(c) {
  if (c.missing) return { cameraId: c.cameraId, state: 'missing', cells: ['no file', dash, dash, dash, dash, dash] };
  const state = c.inProgress ? 'recording' : c.incomplete ? 'incomplete' : 'ok';
  return {
    cameraId: c.cameraId,
    state,
    cells: [
      state === 'ok' ? c.file ?? dash : `${c.file ?? dash} (${state})`,
      c.startOffsetMs == null ? 'unknown' : `${fmtMs(c.startOffsetMs)}`,
      syncPointLine(c.syncAtStart),
      syncPointLine(c.syncAtStop),
      fmtDuration(c.durationS),
      c.droppedFrames == null ? dash : String(c.droppedFrames),
    ],
  };
}

export const REPORT_HEADS = ['File', 'Start (rig time)', 'Offset at start', 'Offset at stop', 'Duration', 'Dropped'];

/**
 * The update panel's lines from this node's `status.update` (absent: the Updater does not run
 * here, so no controls at all) and its version.
 */
export function updateLines(status) {
  const u = status?.update;
  if (!u) return null;
  const latest = u.latest == null ? 'not checked yet' : u.latest === u.current ? `${u.latest} (up to date)` : u.latest;
  const progress = u.state === 'downloading' && u.progress != null ? ` ${Math.round(u.progress * 100)} %` : '';
  return { current: u.current ?? status.version ?? dash, latest, state: `${u.state}${progress}`, busy: u.state !== 'idle' && u.state !== 'failed' && u.state !== 'queued' };
}

/** One history entry as a line: time, what happened, versions, the code when refused. */
export function historyLine(e) {
  const when = typeof e.at === 'number' ? new Date(e.at).toLocaleString() : String(e.at ?? '');
  const versions = e.from && e.to ? `${e.from} → ${e.to}` : e.to ?? e.from ?? '';
  const why = [e.code, e.message].filter(Boolean).join(': ');
  return [when, e.kind, versions, why].filter(Boolean).join(' · ');
}
