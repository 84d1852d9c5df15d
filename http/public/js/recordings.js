import { $, h, replace } from './dom.js';
import { api, errorText } from './api.js';
import { groupBySession, fmtBytes, fmtDuration, checksumState, isStale } from './model.js';

/**
 * Every recording grouped by session. Downloads are offered only where this node
 * really serves the file (checked with HEAD), never as a dead link.
 */
export function recordings(app) {
  const root = $('#recordings-list');
  const note = $('#recordings-source');
  let queue = Promise.resolve(); // one check at a time: a phone on weak Wi-Fi, a node busy recording

  /**
   * The download URL if the file really can be fetched from here, else null. This node's own
   * files are checked with HEAD; a peer's file goes through this node's relay, where a HEAD
   * would make the relay pull the whole file, so a one-byte Range GET is used instead.
   */
  function downloadLink(m) {
    if (m.inProgress) return Promise.resolve(null);
    const self = m.cameraId === app.selfId;
    const file = encodeURIComponent(m.file);
    // Where the node lists no file route at all, a HEAD could only fail.
    if (self && app.caps?.known && !app.caps.files) return Promise.resolve(null);
    if (!self && !app.caps?.nodeFiles) return Promise.resolve(null);
    if (!self && !reachable(m.cameraId)) return Promise.resolve(null);
    const url = self
      ? (app.caps?.files ?? '/recordings/{file}').replace(/\{[^}]+\}/, file)
      : `/api/v1/rig/nodes/${encodeURIComponent(m.cameraId)}/recordings/${file}`;
    const check = () => (self
      ? api('HEAD', url, undefined, { timeoutMs: 5000 })
      : api('GET', url, undefined, { timeoutMs: 5000, headers: { range: 'bytes=0-0' }, raw: true })
    ).then((r) => (r.ok ? url : null));
    const result = queue.then(check);
    queue = result.catch(() => null);
    return result;
  }

  function reachable(id) {
    const n = app.view.get(id);
    return Boolean(n && !isStale(n, Date.now()));
  }

  function unavailable(m) {
    if (m.inProgress) return 'still recording';
    if (m.cameraId !== app.selfId && app.caps?.nodeFiles && !reachable(m.cameraId)) return `${m.cameraId} is not reachable: download later`;
    const self = m.cameraId === app.selfId;
    const routed = self ? !app.caps?.known || app.caps.files : app.caps?.nodeFiles;
    if (!routed) return self ? 'download not available yet' : `download not available yet (the file is on ${m.cameraId})`;
    return 'download not available (the node did not serve the file)';
  }

  async function load() {
    const rig = app.caps?.rigRecordings;
    replace(root, h('p', { class: 'muted' }, 'Loading…'));
    const r = await api('GET', rig ? '/api/v1/rig/recordings' : '/api/v1/recordings');
    note.textContent = rig ? 'Every node\'s recordings, as replicated across the rig.' : 'This node\'s recordings only (the rig-wide list is not available on this node yet).';
    if (!r.ok) { replace(root, h('p', { class: 'msg', 'data-kind': 'error' }, `Could not load recordings: ${errorText(r)}`)); return; }
    const groups = groupBySession(r.body.recordings ?? []);
    if (!groups.length) { replace(root, h('p', { class: 'muted' }, 'No recordings yet.')); return; }
    const sections = [];
    for (const g of groups) {
      const rows = [];
      for (const m of g.files) {
        const cs = checksumState(m);
        const link = h('span', { class: 'dl' }, '…');
        rows.push(h('li', { class: 'rec', 'data-file': m.file },
          h('div', { class: 'rec-head' }, h('strong', {}, m.cameraId), ' ', h('span', { class: 'muted' }, m.file)),
          h('div', { class: 'rec-facts' },
            h('span', {}, fmtBytes(m.sizeBytes)), h('span', {}, fmtDuration(m.durationS)),
            h('span', { class: 'checksum', 'data-ok': String(cs.ok) }, cs.label),
            h('span', { class: 'offloaded', 'data-offloaded': String(Boolean(m.offloaded)) }, m.offloaded ? 'offloaded ✓' : 'not offloaded'),
            m.droppedFrames ? h('span', {}, `${m.droppedFrames} dropped`) : null),
          link));
        void downloadLink(m).then((url) => replace(link, url
          ? h('a', { href: url, download: m.file, class: 'btn btn-small' }, 'Download')
          : h('span', { class: 'muted' }, unavailable(m))));
      }
      const when = g.startAt ? new Date(g.startAt).toLocaleString() : '';
      sections.push(h('section', { class: 'session', 'data-session': g.sessionId },
        h('h3', {}, `Session ${g.sessionId}`),
        h('p', { class: 'muted' }, `${when} · ${g.cameras.join(', ')} · ${fmtBytes(g.totalBytes)}`),
        h('ul', { class: 'recs' }, rows)));
    }
    replace(root, sections);
  }

  $('#recordings-refresh').addEventListener('click', () => void load());
  return { load };
}
