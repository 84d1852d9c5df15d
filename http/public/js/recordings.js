import { $, h, replace } from './dom.js';
import { api, errorText } from './api.js';
import { groupBySession, fmtBytes, fmtDuration, checksumState } from './model.js';
import { reportBox } from './report.js';
import { cleanup } from './cleanup.js';

/**
 * Every recording of the rig grouped by session, and within a session by take. Downloads are
 * offered only where this node really serves the file (checked first), never as a dead link.
 */
export function recordings(app) {
  const root = $('#recordings-list');
  const note = $('#recordings-source');
  let queue = Promise.resolve(); // one check at a time: a phone on weak Wi-Fi, a node busy recording
  const clean = cleanup(app, { reload: () => load() });

  /**
   * The download URL if the file really can be fetched from here, else null. This node's own
   * files are checked with HEAD; a peer's file goes through this node's relay, where a HEAD
   * would make the relay pull the whole file, so a one-byte Range GET is used instead.
   */
  function downloadLink(m) {
    if (m.inProgress || m.deletedAt) return Promise.resolve(null);
    const self = m.cameraId === app.selfId;
    if (!self && !reachable(m.cameraId)) return Promise.resolve(null);
    const file = encodeURIComponent(m.file);
    const url = self ? `/recordings/${file}` : `/api/v1/rig/nodes/${encodeURIComponent(m.cameraId)}/recordings/${file}`;
    const check = () => (self
      ? api('HEAD', url, undefined, { timeoutMs: 5000 })
      : api('GET', url, undefined, { timeoutMs: 5000, headers: { range: 'bytes=0-0' }, raw: true })
    ).then((r) => (r.ok ? url : null));
    const result = queue.then(check);
    queue = result.catch(() => null);
    return result;
  }

  /** The server's word on the node holding the file, while the page's link to it holds. */
  function reachable(id) {
    return Boolean(app.view.get(id)?.reachable) && !app.linkLost;
  }

  function unavailable(m) {
    if (m.inProgress) return 'still recording';
    if (m.deletedAt) return 'deleted from the node after its offload';
    if (m.cameraId !== app.selfId && !reachable(m.cameraId)) return `${m.cameraId} is not reachable: download later`;
    return 'download not available (the node did not serve the file)';
  }

  function row(m) {
    const cs = checksumState(m);
    const link = h('span', { class: 'dl' }, '…');
    void downloadLink(m).then((url) => replace(link, url
      ? h('a', { href: url, download: m.file, class: 'btn btn-small' }, 'Download')
      : h('span', { class: 'muted' }, unavailable(m))));
    return h('li', { class: 'rec', 'data-file': m.file, 'data-deleted': String(Boolean(m.deletedAt)) },
      h('div', { class: 'rec-head' }, h('strong', {}, m.cameraId), ' ', h('span', { class: 'muted' }, m.file)),
      h('div', { class: 'rec-facts' },
        h('span', {}, fmtBytes(m.sizeBytes)), h('span', {}, fmtDuration(m.durationS)),
        h('span', { class: 'checksum', 'data-ok': String(cs.ok) }, cs.label),
        h('span', { class: 'offloaded', 'data-offloaded': String(Boolean(m.offloaded)) }, m.offloaded ? `offloaded ✓${m.deletedAt ? ' · deleted' : ''}` : 'not offloaded'),
        m.droppedFrames ? h('span', {}, `${m.droppedFrames} dropped`) : null),
      link);
  }

  /**
   * One take's files, one row per camera, and its QC report; headed only when the session has
   * several takes. The newest session's reports load at once, older ones on a tap.
   */
  function take(sessionId, t, several, auto) {
    const when = t.startAt ? new Date(t.startAt).toLocaleTimeString() : '';
    return h('div', { class: 'take', 'data-take': String(t.take) },
      several ? h('h4', {}, `Take ${t.take}`, ' ', h('small', { class: 'muted' }, [when, fmtBytes(t.totalBytes)].filter(Boolean).join(' · '))) : null,
      reportBox(sessionId, several ? t.take : null, { auto }),
      h('ul', { class: 'recs' }, t.files.map(row)));
  }

  async function load() {
    replace(root, h('p', { class: 'muted' }, 'Loading…'));
    void clean.loadLog();
    const r = await api('GET', '/api/v1/rig/recordings');
    note.textContent = 'Every node\'s recordings, as replicated across the rig.';
    if (!r.ok) { replace(root, h('p', { class: 'msg', 'data-kind': 'error' }, `Could not load recordings: ${errorText(r)}`)); return; }
    const list = clean.withDeletions(r.body.recordings ?? []);
    clean.show(list);
    // Cameras in the rig view's order (the server's field order).
    const groups = groupBySession(list, [...app.nodes.keys()]);
    if (!groups.length) { replace(root, h('p', { class: 'muted' }, 'No recordings yet.')); return; }
    replace(root, groups.map((g, i) => {
      const when = g.startAt ? new Date(g.startAt).toLocaleString() : '';
      const takes = g.takes.length > 1 ? ` · ${g.takes.length} takes` : '';
      return h('section', { class: 'session', 'data-session': g.sessionId },
        h('h3', {}, `Session ${g.sessionId}`),
        h('p', { class: 'muted' }, `${when} · ${g.cameras.join(', ')} · ${fmtBytes(g.totalBytes)}${takes}`),
        g.takes.map((t) => take(g.sessionId, t, g.takes.length > 1, i === 0)));
    }));
  }

  $('#recordings-refresh').addEventListener('click', () => void load());
  return { load };
}
