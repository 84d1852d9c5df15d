import { $, h, replace, setText } from './dom.js';
import { api, errorText } from './api.js';
import { confirmDialog } from './dialog.js';
import { updateLines, historyLine } from './report-model.js';

/**
 * The update controls (issue 13): this node's version and the latest release, check, apply
 * here (or once idle), apply rig-wide one node at a time, and the history. Shown only when
 * this node's status carries `update` (its Updater runs): otherwise no control at all.
 *
 * Per-node apply is offered for every node of the rig: another camera's goes through this node
 * (POST /rig/nodes/:id/update/apply), since a phone on one node's access point reaches no other.
 */
export function updates(app) {
  const panel = $('#update-panel');
  const msg = $('#update-msg');
  let shown = false;
  let historyAt = 0;
  let busy = false;

  const say = (text, kind = 'info') => { msg.textContent = text; msg.dataset.kind = kind; };

  async function loadHistory() {
    historyAt = Date.now();
    const r = await api('GET', '/api/v1/update/history', undefined, { timeoutMs: 10_000 });
    const list = $('#update-history');
    if (!r.ok) { replace(list, h('li', { class: 'muted' }, `History not available: ${errorText(r)}`)); return; }
    const entries = r.body.entries ?? [];
    // Newest first: the last thing that happened is what the operator looks for.
    replace(list, entries.length ? entries.slice().reverse().map((e) => h('li', { 'data-kind': e.kind }, historyLine(e))) : h('li', { class: 'muted' }, 'No update activity yet.'));
  }

  async function act(f) {
    if (busy) return;
    busy = true;
    for (const b of panel.querySelectorAll('button')) b.disabled = true;
    try { await f(); } finally {
      busy = false;
      for (const b of panel.querySelectorAll('button')) b.disabled = false;
      void loadHistory();
    }
  }

  async function check() {
    await act(async () => {
      say('Asking the release source…');
      const r = await api('POST', '/api/v1/update/check', {}, { timeoutMs: 30_000 });
      if (!r.ok) { say(`Check refused: ${errorText(r)}`, 'error'); return; }
      say(r.body.newer ? `Version ${r.body.latest} is available (running ${r.body.current}).` : `Up to date: ${r.body.current} is the latest (${r.body.latest ?? 'none published'}).`, 'ok');
    });
  }

  async function apply(extra = {}) {
    const self = app.selfId ?? 'this node';
    const latest = app.nodes.get(app.selfId)?.status?.update?.latest;
    if (!extra.queue && !extra.force && !(await confirmDialog(`Update ${self} to ${latest ?? 'the latest release'}? It restarts into the new version and rolls back by itself if that does not come up healthy.`, `Update ${self}`))) return;
    await act(async () => {
      say(extra.queue ? 'Queuing the update…' : 'Downloading and verifying…');
      const r = await api('POST', '/api/v1/update/apply', extra, { timeoutMs: 16 * 60_000 });
      if (r.ok) {
        say(r.body.state === 'queued' ? `Queued: ${self} updates by itself once the recording stops.` : `Installed ${r.body.to}: ${self} is restarting (the page reconnects by itself).`, 'ok');
        return;
      }
      const code = r.body?.error?.code;
      if (code === 'RECORDING_IN_PROGRESS') {
        say(`${self} is recording: not updated now.`, 'error');
        if (await confirmDialog(`${self} is recording. Apply the update once it is idle? Nothing happens during the recording.`, 'Apply when idle')) setTimeout(() => void apply({ queue: true }), 0);
        return;
      }
      if (code === 'DOWNGRADE') {
        say(`Refused: ${errorText(r)}`, 'error');
        if (await confirmDialog(`${errorText(r)}. Install the older version anyway?`, 'Install older')) setTimeout(() => void apply({ force: true }), 0);
        return;
      }
      say(`Update refused: ${errorText(r)}`, 'error');
    });
  }

  async function applyRig() {
    if (!(await confirmDialog('Update ALL cameras to the latest release? One node at a time, only while none records; each restarts into the new version.', 'Update all'))) return;
    await act(async () => {
      say('Updating the rig, one node at a time (several minutes)…');
      const r = await api('POST', '/api/v1/update/rig/apply', {}, { timeoutMs: 30 * 60_000 });
      const results = r.body?.results ?? r.body?.error?.results ?? [];
      const per = results.map((x) => `${x.cameraId} ${x.result}${x.code ? ` (${x.code})` : ''}`).join(', ');
      if (r.ok) say(`Rig update to ${r.body.target}: ${per || 'nothing to do'}.`, 'ok');
      else say(`Rig update refused: ${errorText(r)}${per ? ` — ${per}` : ''}`, 'error');
    });
  }

  /** One camera's update, relayed by this node; that node refuses while it records. */
  async function applyNode(id, extra = {}) {
    if (!extra.queue && !(await confirmDialog(`Update ${id} to the latest release? It restarts into the new version and rolls back by itself if that does not come up healthy.`, `Update ${id}`))) return;
    await act(async () => {
      say(`${id}: downloading and verifying…`);
      const r = await api('POST', `/api/v1/rig/nodes/${encodeURIComponent(id)}/update/apply`, extra, { timeoutMs: 16 * 60_000 });
      if (r.ok) {
        say(r.body.state === 'queued' ? `Queued: ${id} updates by itself once its recording stops.` : `Installed ${r.body.to} on ${id}: it is restarting.`, 'ok');
        return;
      }
      if (r.body?.error?.code === 'RECORDING_IN_PROGRESS') {
        say(`${id} is recording: not updated now.`, 'error');
        if (await confirmDialog(`${id} is recording. Apply the update once it is idle?`, 'Apply when idle')) setTimeout(() => void applyNode(id, { queue: true }), 0);
        return;
      }
      say(`${id}: update refused: ${errorText(r)}`, 'error');
    });
  }

  $('#update-check').addEventListener('click', () => void check());
  $('#update-apply').addEventListener('click', () => void apply());
  $('#update-rig-apply').addEventListener('click', () => void applyRig());

  /** Every node's version and update state, as the rig view carries them. */
  function renderNodes() {
    const list = $('#update-nodes');
    const rows = [...app.view.values()].map((n) => {
      const u = n.status?.update;
      const v = u?.current ?? n.status?.version ?? '—';
      const state = u ? `${u.state}${u.latest && u.latest !== u.current ? ` · ${u.latest} available` : ''}` : 'no updater';
      return { id: n.cameraId, text: `${n.cameraId}${n.self ? ' (this node)' : ''}: ${v} · ${state}` };
    });
    const key = JSON.stringify(rows);
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    replace(list, rows.map((r) => h('li', { 'data-camera': r.id }, r.text, ' ',
      h('button', { type: 'button', class: 'btn btn-small', 'data-update-node': r.id, onclick: () => void applyNode(r.id) }, `Update ${r.id}`))));
  }

  return {
    /** Called with every render: cheap, updates only what changed. */
    render() {
      const lines = updateLines(app.nodes.get(app.selfId)?.status);
      panel.hidden = !lines;
      if (!lines) { shown = false; return; }
      setText($('#update-current'), lines.current);
      setText($('#update-latest'), lines.latest);
      setText($('#update-state'), lines.state);
      $('#update-apply').hidden = lines.busy;
      renderNodes();
      // The history is read when the panel appears and after each action, and refreshed while
      // an apply runs (its steps land there).
      if (!shown || (lines.busy && Date.now() - historyAt > 5000)) void loadHistory();
      shown = true;
    },
    loadHistory,
  };
}
