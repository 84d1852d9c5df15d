import { $, setText } from './dom.js';
import { api, errorText } from './api.js';
import { app, render } from './state.js';
import { ack } from './feed.js';
import { confirmDialog } from './dialog.js';

// The whole rig at once: start all, stop all (leaderless, answered per node), shut down all.

export function wireRigControls() {
  $('#start-all').addEventListener('click', () => void startAll());
  $('#stop-all').addEventListener('click', () => void stopAll());
  $('#shutdown-all').addEventListener('click', () => void shutdownAll());
}

async function startAll() {
  app.busy = true;
  render();
  setText($('#rig-msg'), 'Starting all cameras…');
  const r = await api('POST', '/api/v1/rig/record/start', {}, { timeoutMs: 30_000 });
  app.busy = false;
  if (!r.ok) { setText($('#rig-msg'), `Start all did not go through: ${errorText(r)}`); render(); return; }
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
  render();
}

async function stopAll() {
  if (!(await confirmDialog('Stop recording on ALL cameras?', 'Stop all'))) return;
  app.busy = true;
  render();
  setText($('#rig-msg'), 'Stopping all cameras…');
  const r = await api('POST', '/api/v1/rig/record/stop', {}, { timeoutMs: 40_000 });
  app.busy = false;
  if (!r.ok) { setText($('#rig-msg'), `Stop all did not go through: ${errorText(r)}`); render(); return; }
  const results = r.body.results ?? [];
  setText($('#rig-msg'), `Stop all: ${results.filter((x) => x.result === 'ok').length} of ${results.length} stopped.`);
  for (const x of results) if (x.result === 'ok') ack(x.cameraId, 'idle', {});
  for (const x of results) app.cards.get(x.cameraId)?.showResult(x.result === 'ok' ? 'ok' : 'error', `Stop all: ${x.result.toUpperCase()}${x.message ? ` — ${x.message}` : ''}`);
  render();
}

async function shutdownAll() {
  if (!(await confirmDialog('Shut down ALL cameras? Recordings are finished first, then every node stops (and powers off where configured).', 'Shut down all'))) return;
  setText($('#rig-msg'), 'Shutting down all cameras…');
  const r = await api('POST', '/api/v1/rig/shutdown', {}, { timeoutMs: 20_000 });
  if (!r.ok) { setText($('#rig-msg'), `Shut down all did not go through: ${errorText(r)}`); return; }
  const results = r.body.results ?? [];
  setText($('#rig-msg'), `Shut down all: ${results.map((x) => `${x.cameraId} ${x.result}${x.message ? ` (${x.message})` : ''}`).join(', ')}.`);
}
