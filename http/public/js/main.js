import { $, setText } from './dom.js';
import { api, onAnswer } from './api.js';
import { Live } from './live.js';
import { app, setRenderer, render } from './state.js';
import { recordingSessionId } from './model.js';
import { takeStatus, takeRig, poll } from './feed.js';
import { renderAll } from './render.js';
import { refreshConfigs, remember } from './node-config.js';
import { refreshPreviews, PREVIEW_MS } from './previews.js';
import { wireRigControls } from './rig-controls.js';
import { sessionForm } from './session.js';
import { settings as settingsView } from './settings.js';
import { recordings as recordingsView } from './recordings.js';
import { updates as updatesView } from './updates.js';

// The page's start: wiring the views, the live link and the timers together.

const POLL_MS = 3000; // the node's heartbeat (with the rig view) comes every 2 s

const session = sessionForm(() => recordingSessionId([...app.view.values()], app.linkLost));
const settingsUi = settingsView(app);
const recs = recordingsView(app);
const updatesUi = updatesView(app);
setRenderer(() => { renderAll(session); updatesUi.render(); });

function showTab() {
  const tab = (location.hash || '#rig').slice(1);
  for (const t of ['rig', 'recordings', 'settings']) {
    $(`#view-${t}`).hidden = t !== tab;
    $(`#tab-${t}`).setAttribute('aria-current', String(t === tab));
  }
  if (tab === 'recordings') void recs.load();
  if (tab === 'settings' && app.config) settingsUi.fill(app.config);
  if (tab === 'settings' && !$('#update-panel').hidden) void updatesUi.loadHistory();
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

async function boot() {
  wireRigControls();
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
    },
    onState: (state) => {
      app.live = state === 'live';
      // A lost link makes every card old news until the node answers again.
      if (state === 'reconnecting') app.linkLost = true;
      document.body.dataset.link = state;
      setText($('#link'), state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…');
      $('#link').dataset.state = state;
      if (state === 'live') void poll();
      render();
    },
  });
  live.start();

  // The rig view normally arrives on the event stream right after connecting; asking for it
  // too costs one small request and fills the cards even if the stream is slow to open.
  const [cfg] = await Promise.all([api('GET', '/api/v1/config'), app.nodes.size ? null : poll()]);
  if (cfg.ok && app.selfId) remember(app.selfId, cfg.body);
  else if (cfg.ok) app.setConfig(cfg.body);
  settingsUi.showVersion(app.nodes.get(app.selfId)?.status);
  showTab();
  render();
  refreshConfigs();

  setInterval(() => {
    render();
    refreshConfigs();
    if (Date.now() - app.lastDataAt >= POLL_MS) void poll();
  }, 1000);
  setInterval(refreshPreviews, PREVIEW_MS);
}

void boot();
