import { $, h, replace, setText } from './dom.js';
import { api, errorText, onAnswer, capabilities } from './api.js';
import { Live } from './live.js';
import { nodesFromRig, nodeFromStatus, isStale, elapsedMs, disagreements, History, byFieldOrder, fmtClock } from './model.js';
import { createCard } from './cards.js';
import { confirmDialog } from './dialog.js';
import { sessionForm } from './session.js';
import { settings as settingsView } from './settings.js';
import { recordings as recordingsView } from './recordings.js';

const POLL_MS = 3000; // the node's heartbeat (with the rig view) comes every 2 s
const PREVIEW_MS = 3000;
const ACK_GRACE_MS = 3000;

const app = {
  selfId: null,
  rig: null,            // null: unknown; false: this node has no /rig yet; true: it has
  caps: null,
  config: null,
  live: false,
  nodes: new Map(),     // cameraId -> node (see model.js)
  serverDisagreements: undefined,
  lastDataAt: 0,
  history: new History(),
  cards: new Map(),
  // A node's own answer to a start/stop (state, session, first frame) shown until its next
  // status report is newer: the replicated status can trail the answer by a second.
  acks: new Map(),
  view: new Map(),      // nodes with acks applied: what the cards show
  setConfig(c) { app.config = c; renderAll(); },
  pinSaved() { $('#pin-banner').hidden = true; },
};

// ---- data in -------------------------------------------------------------------------

function takeStatus(status) {
  const now = Date.now();
  app.selfId ??= status.cameraId;
  const prev = app.nodes.get(status.cameraId);
  // The node's own SSE is the freshest word about itself, in the rig view too.
  app.nodes.set(status.cameraId, { ...(prev ?? {}), ...nodeFromStatus(status, now), self: true });
  app.history.add(status.cameraId, now, status);
  app.lastDataAt = now;
  renderAll();
}

function takeRig(rig) {
  const now = Date.now();
  app.rig = true;
  app.selfId = rig.self ?? app.selfId;
  const next = new Map();
  for (const n of nodesFromRig(rig, now)) {
    const prev = app.nodes.get(n.cameraId);
    // Keep our own fresher status if the replicated copy is older.
    if (n.self && prev?.status && n.status && prev.status.updatedAt > n.status.updatedAt) next.set(n.cameraId, { ...n, status: prev.status, seenAt: Math.max(prev.seenAt ?? 0, n.seenAt ?? 0) });
    else next.set(n.cameraId, n);
    if (n.status && n.reachable) app.history.add(n.cameraId, now, n.status);
  }
  app.nodes = next;
  app.serverDisagreements = rig.disagreements;
  app.lastDataAt = now;
  renderAll();
}

async function poll() {
  if (app.rig) {
    const r = await api('GET', '/api/v1/rig', undefined, { timeoutMs: 4000 });
    if (r.ok) takeRig(r.body);
  } else {
    const r = await api('GET', '/api/v1/status', undefined, { timeoutMs: 4000 });
    if (r.ok) takeStatus(r.body);
  }
}

// ---- rendering -------------------------------------------------------------------------

function ctx(now) {
  const nodes = [...app.view.values()];
  return {
    now, live: app.live, config: app.config, history: app.history,
    // While a start/stop answer is newer than the replicated view, judge from what the cards show.
    disagreements: app.rig ? disagreements(nodes, app.acks.size ? undefined : app.serverDisagreements, now) : [],
  };
}

/** The node as the cards show it: its last status, or the newer word of its start/stop answer. */
function effective(node) {
  const ack = app.acks.get(node.cameraId);
  if (!ack) return node;
  // A report that agrees ends the ack; one that disagrees wins only once clearly newer, since a
  // node reports 'recording' a moment after its first frame.
  const s0 = node.status;
  if (s0 && ((s0.state === ack.state && s0.updatedAt >= ack.at) || s0.updatedAt >= ack.at + ACK_GRACE_MS)) { app.acks.delete(node.cameraId); return node; }
  const s = node.status;
  if (!s) return node;
  return {
    ...node, acked: true,
    status: { ...s, state: ack.state, sessionId: ack.sessionId ?? s.sessionId, recording: { ...s.recording, firstFrameAt: ack.firstFrameAt ?? null } },
  };
}

function ack(cameraId, state, body) {
  const node = app.nodes.get(cameraId);
  // 'at' on the rig's clock: the first frame for a start, now for a stop.
  const at = body.firstFrameAt ?? (Date.now() - (node?.clockSkew ?? 0));
  app.acks.set(cameraId, { state, sessionId: state === 'recording' ? body.sessionId ?? null : null, firstFrameAt: body.firstFrameAt ?? null, at });
}

function renderAll() {
  const now = Date.now();
  app.view = new Map([...app.nodes].map(([id, n]) => [id, effective(n)]));
  const c = ctx(now);
  const ids = [...app.nodes.keys()].sort(byFieldOrder);
  const root = $('#cards');
  for (const id of ids) {
    if (!app.cards.has(id)) app.cards.set(id, createCard(id, cardActions(id)));
  }
  const wanted = ids.map((id) => app.cards.get(id).el);
  if (root.children.length !== wanted.length || wanted.some((el, i) => root.children[i] !== el)) root.replaceChildren(...wanted);
  for (const id of ids) {
    app.cards.get(id).update(app.view.get(id), c);
    updateActions(id);
  }

  const nodes = [...app.view.values()];
  // Banners: AP fallback, disagreements, rig availability.
  const ap = nodes.filter((n) => n.status?.network?.mode === 'ap');
  $('#ap-banner').hidden = ap.length === 0;
  setText($('#ap-text'), ap.map((n) => `${n.cameraId} lost the rig Wi-Fi and runs its own network${n.self && app.config?.network?.apSsid ? ` "${app.config.network.apSsid}"` : ` (normally "SOCCER_CAM_${n.cameraId.replace(/^CAM_/, '')}")`}; phones on it reach only ${n.cameraId}.`).join(' '));
  const dis = c.disagreements;
  const dBox = $('#disagreements');
  dBox.hidden = dis.length === 0;
  const key = JSON.stringify(dis);
  if (dBox.dataset.key !== key) {
    dBox.dataset.key = key;
    replace(dBox, h('strong', {}, 'Cameras disagree: '), h('ul', {}, dis.map((d) => h('li', { 'data-code': d.code }, d.message))));
  }
  renderStrip(ids, now, c.disagreements);
  renderRigBar(nodes, now);
  // Ready once every card shows what can be known: data, or that its node is out of reach.
  const ready = nodes.length > 0 && nodes.every((n) => n.status || !n.reachable);
  document.body.dataset.cards = String(nodes.length);
  if (ready && app.rig !== null) document.body.dataset.ready = '1';
  session.refresh();
  setText($('#self-id'), app.selfId ?? '…');
}

/** One chip per camera in the sticky header: the whole rig at a glance while scrolling. */
function renderStrip(ids, now, dis) {
  const strip = $('#strip');
  if (strip.children.length !== ids.length || ids.some((id, i) => strip.children[i].dataset.camera !== id)) {
    strip.replaceChildren(...ids.map((id) => h('a', { class: 'chip', href: `#rig`, 'data-camera': id, onclick: (ev) => { ev.preventDefault(); app.cards.get(id)?.el.scrollIntoView({ behavior: 'smooth' }); } },
      id, h('small', {}, ''))));
  }
  for (const chip of strip.children) {
    const node = app.view.get(chip.dataset.camera);
    const stale = isStale(node, now);
    const st = node.status?.state ?? 'unknown';
    const el = elapsedMs(node, now);
    chip.dataset.state = st;
    chip.dataset.stale = String(stale);
    chip.dataset.disagree = String(dis.some((d) => (d.cameraIds ?? []).includes(chip.dataset.camera)));
    setText(chip.lastChild, stale ? 'STALE' : st === 'recording' && el != null ? `● ${fmtClock(el)}` : st.toUpperCase());
  }
}

function renderRigBar(nodes, now) {
  const start = $('#start-all'), stop = $('#stop-all'), note = $('#rig-note');
  const available = app.rig === true;
  start.disabled = !available || app.busy;
  stop.disabled = !available || app.busy;
  note.hidden = available || app.rig === null;
  setText(note, 'Start all / stop all: not available on this node yet (it has no rig view). Showing this node only; use its own Start / Stop below.');
  const rec = nodes.filter((n) => n.status?.state === 'recording').length;
  const lost = nodes.filter((n) => isStale(n, now)).length;
  setText($('#rig-summary'), nodes.length ? `${rec} of ${nodes.length} recording${lost ? ` · ${lost} not reachable` : ''}` : '');
  const sd = $('#shutdown-all');
  sd.disabled = !app.caps?.rigShutdown;
  $('#shutdown-all-note').hidden = Boolean(app.caps?.rigShutdown);
}

// ---- controls ---------------------------------------------------------------------------

function unavailableReason(id, what) {
  const self = id === app.selfId;
  if (what === 'startstop') return self || app.caps?.nodeProxy ? null : `from ${id}'s own page (this node cannot relay yet)`;
  if (what === 'shutdown') return (self ? app.caps?.shutdown : app.caps?.shutdownProxy) ? null : 'not available on this node yet';
  if (what === 'lockview') return self || app.caps?.lockviewProxy ? null : `on ${id}'s own page`;
  if (what === 'selftest') return self || app.caps?.selftestProxy ? null : `on ${id}'s own page`;
  return self ? null : `on ${id}'s own page`;
}

function cardActions(id) {
  const b = (name, label, cls, onclick) => h('button', { type: 'button', class: `btn ${cls}`, 'data-action': name, onclick }, label);
  return [
    b('start', 'Start', 'btn-go', () => nodeRecord(id, 'start')),
    b('stop', 'Stop', 'btn-stop', () => nodeRecord(id, 'stop')),
    b('lockview', 'Lock View', '', () => lockView(id)),
    b('selftest', 'Test recording', '', () => selfTest(id)),
    b('audio', 'Audio', '', () => toggleAudio(id)),
    b('mode', 'Mode', '', () => toggleMode(id)),
    b('shutdown', 'Shut down', 'btn-stop', () => shutdown(id)),
    h('p', { class: 'unavailable', 'data-f': 'unavailable' }),
  ];
}

function updateActions(id) {
  const card = app.cards.get(id);
  const node = app.view.get(id);
  const st = node?.status?.state;
  const btn = (n) => card.el.querySelector(`[data-action="${n}"]`);
  const notes = [];
  const set = (name, reason, label, blocked = false) => {
    const el = btn(name);
    if (label) setText(el, label);
    el.disabled = Boolean(reason) || blocked || card.busy === name;
    el.hidden = false;
    if (reason) notes.push(`${label ?? el.textContent}: ${reason}`);
  };
  const rs = unavailableReason(id, 'startstop');
  set('start', rs, 'Start', st === 'recording' || st === 'armed');
  set('stop', rs, 'Stop', st !== 'recording' && st !== 'armed');
  set('lockview', unavailableReason(id, 'lockview'), 'Lock View');
  set('selftest', unavailableReason(id, 'selftest'), card.busy === 'selftest' ? 'Testing…' : 'Test recording', st === 'recording');
  const self = id === app.selfId;
  set('audio', unavailableReason(id, 'other'), self && app.config ? `Audio: ${app.config.audio.enabled ? 'on' : 'off'}` : 'Audio');
  set('mode', unavailableReason(id, 'other'), self && app.config ? `Mode: ${app.config.mode === 'development' ? 'Development' : 'Production'}` : 'Mode');
  set('shutdown', unavailableReason(id, 'shutdown'), 'Shut down');
  // Controls that only another node's page offers are listed once, not as a row of dead buttons.
  const remote = ['audio', 'mode', ...(app.caps?.lockviewProxy ? [] : ['lockview']), ...(app.caps?.selftestProxy ? [] : ['selftest'])];
  for (const n of remote) if (!self) btn(n).hidden = true;
  const names = { audio: 'audio', mode: 'mode', lockview: 'Lock View', selftest: 'test recording' };
  const ownPage = remote.map((n) => names[n]);
  const text = self ? notes.join(' · ') : `${ownPage.join(', ').replace(/^./, (c) => c.toUpperCase())}: on ${id}'s own page.${notes.length ? ` ${notes.filter((x) => !/own page\.?$/.test(x) || /Start|Stop/.test(x)).join(' · ')}` : ''}`;
  setText(card.el.querySelector('[data-f="unavailable"]'), text);
}

async function busy(id, name, f) {
  const card = app.cards.get(id);
  card.busy = name;
  updateActions(id);
  try { await f(card); } finally { card.busy = null; updateActions(id); }
}

function nodePath(id, action) {
  return id === app.selfId ? `/api/v1/record/${action}` : `/api/v1/rig/nodes/${encodeURIComponent(id)}/record/${action}`;
}

async function nodeRecord(id, action) {
  if (action === 'stop' && !(await confirmDialog(`Stop recording on ${id}?`, `Stop ${id}`))) return;
  await busy(id, action, async (card) => {
    card.showResult('info', `${action === 'start' ? 'Starting' : 'Stopping'}…`);
    const r = await api('POST', nodePath(id, action), {}, { timeoutMs: 40_000 });
    if (r.ok) {
      ack(id, action === 'start' ? 'recording' : 'idle', r.body);
      card.showResult('ok', action === 'start' ? `Started: session ${r.body.sessionId ?? ''}` : `Stopped${r.body.manifest ? `: ${r.body.manifest.durationS?.toFixed(1)} s saved` : ''}`);
    }
    else card.showResult('error', `${action === 'start' ? 'Start' : 'Stop'} refused: ${errorText(r)}`);
  });
}

async function lockView(id) {
  await busy(id, 'lockview', async (card) => {
    card.showResult('info', 'Lock View: taking a snapshot…');
    const r = await api('POST', id === app.selfId ? '/api/v1/lockview' : `/api/v1/rig/nodes/${encodeURIComponent(id)}/lockview`, {}, { timeoutMs: 30_000 });
    if (r.ok) {
      card.showSnapshot(r.body.snapshot, `Lock View ${new Date().toLocaleTimeString()} · tone: ${r.body.tone ?? '—'}`);
      card.showResult('ok', 'Lock View: snapshot taken, kept for the next recording.');
    } else card.showResult('error', `Lock View failed: ${errorText(r)}`);
  });
}

async function selfTest(id) {
  await busy(id, 'selftest', async (card) => {
    card.showResult('info', 'Test recording: recording 5 s with the current settings…');
    const r = await api('POST', id === app.selfId ? '/api/v1/selftest' : `/api/v1/rig/nodes/${encodeURIComponent(id)}/selftest`, { durationS: 5 }, { timeoutMs: 130_000 });
    if (!r.ok) { card.showResult('error', `Test recording failed to run: ${errorText(r)}`); return; }
    const t = r.body;
    const fps = t.measuredFps == null ? 'no frames' : `${t.measuredFps.toFixed(1)} of ${t.targetFps} fps`;
    card.showResult(t.pass ? 'ok' : 'error',
      `Test recording ${t.pass ? 'PASSED' : 'FAILED'}: ${fps}, ${t.keepsUp ? 'keeps up' : 'does NOT keep up'}, codec ${t.codec ?? '—'}${t.codecFallbackReason ? ` (fallback: ${t.codecFallbackReason})` : ''}${t.reasons?.length ? `. ${t.reasons.join('; ')}` : ''}`);
  });
}

async function patchConfig(id, name, patch, label) {
  await busy(id, name, async (card) => {
    const r = await api('POST', '/api/v1/config', patch);
    if (r.ok) { app.setConfig(r.body.config); card.showResult('ok', `${label}.`); }
    else card.showResult('error', `${label} failed: ${errorText(r)}`);
  });
}

function toggleAudio(id) {
  if (!app.config) return;
  const on = !app.config.audio.enabled;
  return patchConfig(id, 'audio', { audio: { enabled: on } }, `Audio ${on ? 'on' : 'off'}`);
}

async function toggleMode(id) {
  if (!app.config) return;
  const dev = app.config.mode !== 'development';
  if (dev && !(await confirmDialog('Switch to Development mode? The node then writes logs to its disk.', 'Development'))) return;
  return patchConfig(id, 'mode', { mode: dev ? 'development' : 'production' }, `Mode: ${dev ? 'Development' : 'Production'}`);
}

async function shutdown(id) {
  if (!(await confirmDialog(`Shut down ${id}? It stops recording and powers off.`, `Shut down ${id}`))) return;
  await busy(id, 'shutdown', async (card) => {
    const r = await api('POST', id === app.selfId ? '/api/v1/shutdown' : `/api/v1/rig/nodes/${encodeURIComponent(id)}/shutdown`, {});
    card.showResult(r.ok ? 'ok' : 'error', r.ok ? `Shutting down (${r.body.action === 'power-off' ? 'powering off' : 'node stops'})…` : `Shut down refused: ${errorText(r)}`);
  });
}

async function shutdownAll() {
  if (!(await confirmDialog('Shut down ALL cameras? Recordings are finished first, then every node stops (and powers off where configured).', 'Shut down all'))) return;
  setText($('#rig-msg'), 'Shutting down all cameras…');
  const r = await api('POST', '/api/v1/rig/shutdown', {}, { timeoutMs: 20_000 });
  if (!r.ok) { setText($('#rig-msg'), `Shut down all did not go through: ${errorText(r)}`); return; }
  const results = r.body.results ?? [];
  setText($('#rig-msg'), `Shut down all: ${results.map((x) => `${x.cameraId} ${x.result}${x.message ? ` (${x.message})` : ''}`).join(', ')}.`);
}

async function startAll() {
  app.busy = true;
  renderAll();
  setText($('#rig-msg'), 'Starting all cameras…');
  const r = await api('POST', '/api/v1/rig/record/start', {}, { timeoutMs: 30_000 });
  app.busy = false;
  if (!r.ok) { setText($('#rig-msg'), `Start all did not go through: ${errorText(r)}`); renderAll(); return; }
  const results = r.body.results ?? [];
  const ok = results.filter((x) => x.result === 'ok').length;
  setText($('#rig-msg'), `Start all (session ${r.body.sessionId}): ${ok} of ${results.length} started.`);
  for (const x of results) {
    const card = app.cards.get(x.cameraId);
    if (!card) continue;
    if (x.result === 'ok') ack(x.cameraId, 'recording', { sessionId: r.body.sessionId, firstFrameAt: x.firstFrameAt });
    if (x.result === 'ok') card.showResult('ok', `Start all: OK${x.firstFrameAt ? `, first frame ${(x.firstFrameAt - r.body.startAt).toFixed(1)} ms after the agreed start` : ''}`);
    else card.showResult('error', `Start all: ${x.result.toUpperCase()}${x.message ? ` — ${x.message}` : ''}${x.code ? ` (${x.code})` : ''}`);
  }
  renderAll();
}

async function stopAll() {
  if (!(await confirmDialog('Stop recording on ALL cameras?', 'Stop all'))) return;
  app.busy = true;
  renderAll();
  setText($('#rig-msg'), 'Stopping all cameras…');
  const r = await api('POST', '/api/v1/rig/record/stop', {}, { timeoutMs: 40_000 });
  app.busy = false;
  if (!r.ok) { setText($('#rig-msg'), `Stop all did not go through: ${errorText(r)}`); renderAll(); return; }
  const results = r.body.results ?? [];
  setText($('#rig-msg'), `Stop all: ${results.filter((x) => x.result === 'ok').length} of ${results.length} stopped.`);
  for (const x of results) if (x.result === 'ok') ack(x.cameraId, 'idle', {});
  for (const x of results) app.cards.get(x.cameraId)?.showResult(x.result === 'ok' ? 'ok' : 'error', `Stop all: ${x.result.toUpperCase()}${x.message ? ` — ${x.message}` : ''}`);
  renderAll();
}

// ---- previews and the clock ---------------------------------------------------------------

function refreshPreviews() {
  const now = Date.now();
  for (const [id, card] of app.cards) {
    const node = app.view.get(id);
    const el = node && elapsedMs(node, now);
    // Only ask once a still can exist (written about every 2 s while recording), so no 404s.
    if (!node || isStale(node, now) || el == null || el < 4000) continue;
    const self = id === app.selfId;
    if (!self && !app.caps?.previewProxy) { setText(card.f.previewNote, `Preview: on ${id}'s own page`); continue; }
    const url = `${self ? '/api/v1/preview.jpg' : `/api/v1/rig/nodes/${encodeURIComponent(id)}/preview.jpg`}?t=${now}`;
    const img = new Image();
    img.onload = () => { card.img.src = img.src; card.img.hidden = false; setText(card.f.previewNote, `Preview ${new Date().toLocaleTimeString()}`); };
    img.onerror = () => setText(card.f.previewNote, 'Preview not ready');
    img.src = url;
  }
}

// ---- tabs, banners, boot -------------------------------------------------------------------

function showTab() {
  const tab = (location.hash || '#rig').slice(1);
  for (const t of ['rig', 'recordings', 'settings']) {
    $(`#view-${t}`).hidden = t !== tab;
    $(`#tab-${t}`).setAttribute('aria-current', String(t === tab));
  }
  if (tab === 'recordings') void recs.load();
  if (tab === 'settings' && app.config) settingsUi.fill(app.config);
}

onAnswer((status, body) => {
  if (status === 401) {
    $('#pin-banner').hidden = false;
    setText($('#pin-banner-text'), body?.error?.code === 'TOKEN_INVALID' ? 'The PIN stored on this phone is wrong. Enter the node\'s PIN:' : 'This control needs the PIN. Enter it once; it is kept on this phone:');
  } else if (status === 429) {
    $('#pin-banner').hidden = false;
    setText($('#pin-banner-text'), `Too many wrong PINs: ${body?.error?.message ?? 'wait a minute'}.`);
  }
});

const session = sessionForm(() => {
  const rec = [...app.view.values()].find((n) => n.status?.sessionId && n.status.state === 'recording');
  return rec?.status.sessionId ?? 'next';
}, () => Boolean(app.caps?.sessions));
const settingsUi = settingsView(app);
const recs = recordingsView(app);

async function boot() {
  $('#start-all').addEventListener('click', () => void startAll());
  $('#stop-all').addEventListener('click', () => void stopAll());
  $('#shutdown-all').addEventListener('click', () => void shutdownAll());
  $('#pin-banner-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = ev.target.elements.pin.value.trim();
    if (v) { localStorage.setItem('soccerRig.pin', v); ev.target.elements.pin.value = ''; $('#pin-banner').hidden = true; }
  });
  window.addEventListener('hashchange', showTab);

  const live = new Live({
    onEvent: (type, data) => {
      if (type === 'status') takeStatus(data);
      else if (type === 'rig') takeRig(data);
      else if (type === 'heartbeat' && !app.rig) {
        const self = app.nodes.get(app.selfId);
        if (self) self.seenAt = Date.now();
      }
    },
    onState: (state) => {
      app.live = state === 'live';
      document.body.dataset.link = state;
      setText($('#link'), state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…');
      $('#link').dataset.state = state;
      if (state === 'live') void poll();
      renderAll();
    },
  });
  live.start();

  const [cfg, caps] = await Promise.all([api('GET', '/api/v1/config'), capabilities()]);
  app.caps = caps;
  if (cfg.ok) app.config = cfg.body;
  // The rig view normally arrives on the event stream right after connecting; ask for it
  // only if it has not, and only where the route exists (a 404 would be console noise).
  if (app.rig !== true && (caps.rig || !caps.known)) {
    for (let i = 0; i < 15 && app.rig !== true; i++) await new Promise((r) => setTimeout(r, 100));
    if (app.rig !== true) {
      const rig = await api('GET', '/api/v1/rig', undefined, { timeoutMs: 5000 });
      if (rig.ok) takeRig(rig.body);
    }
  }
  if (app.rig !== true) {
    app.rig = false;
    if (!app.nodes.size) await poll();
  }
  settingsUi.showVersion(app.nodes.get(app.selfId)?.status, caps);
  showTab();
  renderAll();

  setInterval(() => {
    renderAll();
    if (Date.now() - app.lastDataAt >= POLL_MS) void poll();
  }, 1000);
  setInterval(refreshPreviews, PREVIEW_MS);
}

void boot();
