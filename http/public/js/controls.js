import { h, setText } from './dom.js';
import { api, errorText, nodeRoute } from './api.js';
import { app, configOf } from './state.js';
import { ack } from './feed.js';
import { loadConfig, patchConfig } from './node-config.js';
import { confirmDialog } from './dialog.js';

// The controls on one camera's card. Each works for any camera: this node's own route, or the
// same route of the other node relayed through this one.

const SELFTEST_S = 10; // the spec's test recording

export function cardActions(id) {
  const b = (name, label, cls, onclick) => h('button', { type: 'button', class: `btn ${cls}`, 'data-action': name, onclick }, label);
  return [
    b('start', 'Start', 'btn-go', () => nodeRecord(id, 'start')),
    b('stop', 'Stop', 'btn-stop', () => nodeRecord(id, 'stop')),
    b('lockview', 'Lock View', '', () => lockView(id)),
    b('framing', 'Refresh preview', '', () => refreshFraming(id)),
    b('selftest', 'Test recording', '', () => selfTest(id)),
    b('audio', 'Audio', '', () => toggleAudio(id)),
    b('mode', 'Mode', '', () => toggleMode(id)),
    b('shutdown', 'Shut down', 'btn-stop', () => shutdown(id)),
  ];
}

export function updateActions(id) {
  const card = app.cards.get(id);
  const st = app.view.get(id)?.status?.state;
  const config = configOf(id);
  const set = (name, label, blocked = false) => {
    const el = card.el.querySelector(`[data-action="${name}"]`);
    setText(el, label);
    el.disabled = blocked || card.busy === name;
  };
  set('start', 'Start', st === 'recording' || st === 'armed');
  // In ERROR nothing records: the same call clears the error (the node answers a stop when idle too).
  set('stop', st === 'error' ? 'Clear error' : 'Stop', st !== 'recording' && st !== 'armed' && st !== 'error');
  set('lockview', 'Lock View');
  set('framing', card.busy === 'framing' ? 'Taking a still…' : 'Refresh preview', st === 'armed');
  set('selftest', card.busy === 'selftest' ? 'Testing…' : 'Test recording', st === 'recording');
  set('audio', config ? `Audio: ${config.audio.enabled ? 'on' : 'off'}` : 'Audio');
  set('mode', config ? `Mode: ${config.mode === 'development' ? 'Development' : 'Production'}` : 'Mode');
  set('shutdown', 'Shut down');
}

async function busy(id, name, f) {
  const card = app.cards.get(id);
  card.busy = name;
  updateActions(id);
  try { await f(card); } finally { card.busy = null; updateActions(id); }
}

async function nodeRecord(id, action) {
  const clearing = action === 'stop' && app.view.get(id)?.status?.state === 'error';
  if (action === 'stop' && !clearing && !(await confirmDialog(`Stop recording on ${id}?`, `Stop ${id}`))) return;
  await busy(id, action, async (card) => {
    card.showResult('info', `${action === 'start' ? 'Starting' : 'Stopping'}…`);
    const r = await api('POST', nodeRoute(id, app.selfId, `record/${action}`), {}, { timeoutMs: 40_000 });
    if (r.ok) {
      ack(id, action === 'start' ? 'recording' : 'idle', r.body);
      card.showResult('ok', action === 'start' ? `Started: session ${r.body.sessionId ?? ''}` : clearing ? 'Error cleared' : `Stopped${r.body.manifest ? `: ${r.body.manifest.durationS?.toFixed(1)} s saved` : ''}`);
    }
    else card.showResult('error', `${action === 'start' ? 'Start' : 'Stop'} refused: ${errorText(r)}`);
  });
}

async function lockView(id) {
  await busy(id, 'lockview', async (card) => {
    card.showResult('info', 'Lock View: taking a snapshot…');
    const r = await api('POST', nodeRoute(id, app.selfId, 'lockview'), {}, { timeoutMs: 30_000 });
    if (r.ok) {
      card.showSnapshot(r.body.snapshot, `Lock View ${new Date().toLocaleTimeString()} · tone: ${r.body.tone ?? '—'}`);
      card.showResult('ok', 'Lock View: snapshot taken, kept for the next recording.');
    } else card.showResult('error', `Lock View failed: ${errorText(r)}`);
  });
}

/** Framing before kick-off: a fresh still from an idle camera (while recording: its latest preview). */
async function refreshFraming(id) {
  await busy(id, 'framing', async (card) => {
    const r = await api('POST', nodeRoute(id, app.selfId, 'preview/refresh'), {}, { timeoutMs: 30_000 });
    if (!r.ok) { card.showResult('error', `Preview refused: ${errorText(r)}`); return; }
    const src = `${nodeRoute(id, app.selfId, 'preview.jpg')}?t=${r.body.at}`;
    card.showFraming(src, `${r.body.source === 'still' ? 'Still' : 'Recording preview'} ${new Date(r.body.at).toLocaleTimeString()}`);
  });
}

async function selfTest(id) {
  await busy(id, 'selftest', async (card) => {
    card.showResult('info', `Test recording: recording ${SELFTEST_S} s with the current settings…`);
    const r = await api('POST', nodeRoute(id, app.selfId, 'selftest'), { durationS: SELFTEST_S }, { timeoutMs: 130_000 });
    if (!r.ok) { card.showResult('error', `Test recording failed to run: ${errorText(r)}`); return; }
    const t = r.body;
    const fps = t.measuredFps == null ? 'no frames' : `${t.measuredFps.toFixed(1)} of ${t.targetFps} fps`;
    card.showResult(t.pass ? 'ok' : 'error',
      `Test recording ${t.pass ? 'PASSED' : 'FAILED'}: ${fps}, ${t.keepsUp ? 'keeps up' : 'does NOT keep up'}, codec ${t.codec ?? '—'}${t.codecFallbackReason ? ` (fallback: ${t.codecFallbackReason})` : ''}${t.reasons?.length ? `. ${t.reasons.join('; ')}` : ''}`);
  });
}

/** The node's config as its card shows it, read first when the page has not seen it yet. */
async function currentConfig(id, card, label) {
  const config = configOf(id) ?? await loadConfig(id);
  if (!config) card.showResult('error', `${label}: ${id}'s settings could not be read`);
  return config;
}

async function changeConfig(id, name, patch, label) {
  await busy(id, name, async (card) => {
    const r = await patchConfig(id, patch);
    if (r.ok) card.showResult('ok', `${label}.`);
    else card.showResult('error', `${label} failed: ${errorText(r)}`);
  });
}

async function toggleAudio(id) {
  const config = await currentConfig(id, app.cards.get(id), 'Audio');
  if (!config) return;
  // The opposite of what the button shows: that is what the operator asked for.
  const on = !config.audio.enabled;
  await changeConfig(id, 'audio', { audio: { enabled: on } }, `Audio ${on ? 'on' : 'off'}`);
}

async function toggleMode(id) {
  const config = await currentConfig(id, app.cards.get(id), 'Mode');
  if (!config) return;
  const dev = config.mode !== 'development';
  if (dev && !(await confirmDialog(`Switch ${id} to Development mode? The node then writes logs to its disk.`, 'Development'))) return;
  await changeConfig(id, 'mode', { mode: dev ? 'development' : 'production' }, `Mode: ${dev ? 'Development' : 'Production'}`);
}

async function shutdown(id) {
  if (!(await confirmDialog(`Shut down ${id}? It stops recording and powers off.`, `Shut down ${id}`))) return;
  await busy(id, 'shutdown', async (card) => {
    const r = await api('POST', nodeRoute(id, app.selfId, 'shutdown'), {});
    card.showResult(r.ok ? 'ok' : 'error', r.ok ? `Shutting down (${r.body.action === 'power-off' ? 'powering off' : 'node stops'})…` : `Shut down refused: ${errorText(r)}`);
  });
}
