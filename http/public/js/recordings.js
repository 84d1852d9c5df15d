import { $, h, replace } from './dom.js';
import { api, errorText } from './api.js';
import { groupBySession, fmtBytes, fmtDuration, checksumState } from './model.js';

/**
 * Every recording grouped by session. Downloads are offered only where this node
 * really serves the file (checked with HEAD), never as a dead link.
 */
export function recordings(app) {
  const root = $('#recordings-list');
  const note = $('#recordings-source');
  let filesWork = null; // unknown until the first HEAD

  async function downloadLink(m) {
    const tpl = app.caps?.files ?? '/recordings/{file}';
    const url = tpl.replace(/\{[^}]+\}/, encodeURIComponent(m.file));
    if (m.cameraId !== app.selfId || m.inProgress) return null;
    if (filesWork === false) return null;
    const r = await api('HEAD', url, undefined, { timeoutMs: 5000 });
    filesWork = r.ok;
    return r.ok ? url : null;
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
          : h('span', { class: 'muted' }, m.cameraId === app.selfId ? 'download not available yet' : `download from ${m.cameraId}'s page`)));
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
