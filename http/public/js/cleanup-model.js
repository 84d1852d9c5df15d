import { fmtBytes } from './model.js';

// Pure logic of "Delete offloaded files" and the deletion list: no DOM, so Node tests import it
// as is. What is deleted is the server's decision (actors/recorder/offload.ts); the page only
// estimates it beforehand from the replicated manifests and reports the nodes' answers after.

/** A file the cleanup would delete: confirmed as offloaded, still on disk, not being recorded. */
export function deletable(m) {
  return Boolean(m.offloaded) && !m.deletedAt && !m.inProgress;
}

/**
 * Per node (in the given order, then any other node the manifests name), the files and bytes a
 * cleanup would free, and the total: `{nodes: [{cameraId, files, bytes}], bytes, files}`.
 */
export function toFree(manifests, order = []) {
  const per = new Map(order.map((id) => [id, { cameraId: id, files: 0, bytes: 0 }]));
  for (const m of manifests) {
    const n = per.get(m.cameraId) ?? { cameraId: m.cameraId, files: 0, bytes: 0 };
    per.set(m.cameraId, n);
    if (!deletable(m)) continue;
    n.files += 1;
    n.bytes += m.sizeBytes ?? 0;
  }
  const nodes = [...per.values()];
  return { nodes, bytes: nodes.reduce((s, n) => s + n.bytes, 0), files: nodes.reduce((s, n) => s + n.files, 0) };
}

const files = (n) => `${n} file${n === 1 ? '' : 's'}`;

/** What the confirmation says before anything is deleted; `cameraId` null means every node. */
export function confirmText(estimate, cameraId = null) {
  const nodes = cameraId ? estimate.nodes.filter((n) => n.cameraId === cameraId) : estimate.nodes;
  const where = cameraId ?? 'all cameras';
  const bytes = nodes.reduce((s, n) => s + n.bytes, 0);
  // The list is replicated and can trail a confirmation made a moment ago: the node decides.
  if (nodes.every((n) => n.files === 0)) {
    return `Nothing to delete on ${where}: no file there is confirmed as offloaded and still on disk. Ask the node${cameraId ? '' : 's'} anyway?`;
  }
  const detail = cameraId ? '' : ` (${nodes.map((n) => `${n.cameraId} ${n.files ? `${fmtBytes(n.bytes)}, ${files(n.files)}` : 'nothing'}`).join('; ')})`;
  return `Delete the offloaded files on ${where}? This frees ${fmtBytes(bytes)}${detail}. Files not confirmed as offloaded stay.`;
}

/**
 * One line per node from the server's answer (a rig-wide answer `{nodes}` or one node's):
 * `{cameraId, ok, text}`. Kept files are grouped by reason; a small group names its files.
 */
export function resultLines(answer) {
  const nodes = Array.isArray(answer?.nodes) ? answer.nodes : [answer];
  return nodes.map((n) => {
    if (!n.ok) return { cameraId: n.cameraId, ok: false, text: `${n.cameraId}: not done — ${n.error?.message ?? n.error?.code ?? 'no answer'}${n.error?.code ? ` (${n.error.code})` : ''}` };
    const freed = n.deleted.length ? `freed ${fmtBytes(n.freedBytes)} (${files(n.deleted.length)} deleted)` : 'nothing deleted';
    const reasons = new Map();
    for (const k of n.kept ?? []) reasons.set(k.reason, [...(reasons.get(k.reason) ?? []), k.file]);
    const kept = [...reasons].map(([reason, fs]) => (fs.length <= 2 ? `${fs.join(', ')}: ${reason}` : `${files(fs.length)}: ${reason}`));
    return { cameraId: n.cameraId, ok: true, text: `${n.cameraId}: ${freed}${kept.length ? ` · kept ${kept.join('; ')}` : ''}` };
  });
}

const REASONS = {
  operator: 'Delete offloaded files',
  deleteAfterConfirm: 'retention: delete after confirm',
  minFreeMinutes: 'retention: disk running low',
};

/** The newest `limit` deletions of the rig log's notes, newest first. */
export function recentDeletions(notes, limit = 10) {
  return (notes ?? []).filter((n) => n.type === 'deletion').slice().sort((a, b) => (b.at ?? 0) - (a.at ?? 0)).slice(0, limit);
}

/** One deletion as the list shows it (the time is formatted by the page, in its own zone). */
export function deletionText(d) {
  return `${d.cameraId} · ${d.file} · ${fmtBytes(d.bytes)} freed · ${REASONS[d.reason] ?? d.reason}`;
}
