import { $, h, replace, setText } from './dom.js';
import { api, errorText } from './api.js';
import { confirmDialog } from './dialog.js';
import { fmtBytes } from './model.js';
import { toFree, confirmText, resultLines, recentDeletions, deletionText } from './cleanup-model.js';

const LOG_RETRY_MS = 2000;
const LOG_WAIT_MS = 30_000;
const SHOWN = 10; // a short list: the last few things retention did

/**
 * "Delete offloaded files" for the whole rig or one node (issue 11 item 13), and the rig log's
 * recent deletions, in the Recordings view. The space a cleanup frees is estimated from the
 * recordings list the view already has; each node then deletes what it really can and says so.
 * Every call goes through the node that served the page (a phone on one node's access point
 * reaches no other).
 */
export function cleanup(app, { reload }) {
  const msg = $('#cleanup-msg');
  let estimate = toFree([]);
  let busy = false;
  let logTimer = null;
  let waiting = []; // files just deleted, not in the rig log yet
  let waitEnd = 0;
  // Files this page saw deleted: the replicated list can trail the nodes' answer by a moment,
  // and a file known gone must not be offered (or checked) for download meanwhile.
  const gone = new Set();
  const key = (cameraId, file) => `${cameraId}/${file}`;

  const say = (text, kind) => { setText(msg, text); msg.dataset.kind = kind; };

  /** The estimate from the view's manifests: a total, and one line and button per node. */
  function show(manifests) {
    estimate = toFree(manifests, [...app.nodes.keys()]);
    setText($('#cleanup-total'), estimate.files
      ? `${fmtBytes(estimate.bytes)} in ${estimate.files} offloaded file${estimate.files === 1 ? '' : 's'} can be freed.`
      : 'Nothing to delete: no offloaded file is still on a node.');
    replace($('#cleanup-nodes'), estimate.nodes.map((n) => h('li', { 'data-camera': n.cameraId, 'data-bytes': String(n.bytes) },
      h('span', {}, `${n.cameraId}: ${n.files ? `${fmtBytes(n.bytes)} (${n.files} file${n.files === 1 ? '' : 's'})` : 'nothing to delete'}`),
      h('button', { class: 'btn btn-small', type: 'button', disabled: busy, onclick: () => void run(n.cameraId) }, `Delete on ${n.cameraId}`))));
  }

  function disable(on) {
    for (const b of $('#cleanup-panel').querySelectorAll('button')) b.disabled = on;
  }

  /** cameraId null: every node. Asks first, with the space it would free. */
  async function run(cameraId) {
    if (busy) return;
    if (!(await confirmDialog(confirmText(estimate, cameraId), 'Delete'))) return;
    busy = true;
    disable(true);
    say(`Deleting the offloaded files on ${cameraId ?? 'all cameras'}…`, 'info');
    const path = cameraId ? `/api/v1/rig/nodes/${encodeURIComponent(cameraId)}/recordings/offloaded` : '/api/v1/rig/recordings/offloaded';
    const r = await api('DELETE', path, undefined, { timeoutMs: 90_000 });
    busy = false;
    disable(false);
    if (!r.ok) { say(`Delete offloaded files did not go through: ${errorText(r)}`, 'error'); return; }
    const nodes = Array.isArray(r.body.nodes) ? r.body.nodes : [r.body];
    const lines = resultLines(r.body);
    const freed = nodes.reduce((s, n) => s + (n.ok ? n.freedBytes : 0), 0);
    say(`Freed ${fmtBytes(freed)}${lines.every((l) => l.ok) ? '' : ' (not every node answered)'}.`, lines.every((l) => l.ok) ? 'ok' : 'error');
    for (const n of nodes) if (n.ok) for (const d of n.deleted) gone.add(key(n.cameraId, d.file));
    replace($('#cleanup-result'), lines.map((l) => h('li', { 'data-camera': l.cameraId, 'data-ok': String(l.ok) }, l.text)));
    await reload();
    // The nodes' notes reach the rig log (and this node's copy of it) a moment after the answer.
    void loadLog(nodes.flatMap((n) => (n.ok ? n.deleted.map((d) => d.file) : [])));
  }

  /**
   * The newest deletions of the rig log. `expect`: files just deleted; while any of them is not
   * in the log yet, it is asked again (for a while), so the operator sees them arrive.
   */
  async function loadLog(expect = []) {
    if (expect.length) { waiting = [...new Set([...waiting, ...expect])]; waitEnd = Date.now() + LOG_WAIT_MS; }
    clearTimeout(logTimer);
    const list = $('#deletions');
    const r = await api('GET', '/api/v1/rig/log', undefined, { timeoutMs: 10_000 });
    if (!r.ok) { replace(list, h('li', { class: 'muted' }, `Deletion log not available: ${errorText(r)}`)); return; }
    const all = recentDeletions(r.body.notes, Infinity);
    const shown = all.slice(0, SHOWN);
    replace(list, shown.length
      ? shown.map((d) => h('li', { 'data-file': d.file, 'data-reason': d.reason }, h('span', { class: 'muted' }, new Date(d.at).toLocaleString()), ' ', deletionText(d)))
      : h('li', { class: 'muted' }, 'Nothing deleted yet.'));
    waiting = waiting.filter((f) => !all.some((d) => d.file === f));
    if (waiting.length && Date.now() < waitEnd) logTimer = setTimeout(() => void loadLog(), LOG_RETRY_MS);
  }

  /** The list's manifests, those this page saw deleted marked so until the list says it too. */
  function withDeletions(manifests) {
    return manifests.map((m) => (!m.deletedAt && gone.has(key(m.cameraId, m.file)) ? { ...m, deletedAt: Date.now() } : m));
  }

  $('#cleanup-all').addEventListener('click', () => void run(null));
  return { show, loadLog, withDeletions };
}
