import { api, nodeRoute } from './api.js';
import { app, render } from './state.js';

// Every camera's config as its own node holds it, read and changed through the node the
// phone reached (its relay), so the audio and mode switches work on any card.

const REFRESH_MS = 30_000;
const loadedAt = new Map(); // cameraId -> when its config was last asked for (phone clock)

/** Reads one node's config into app.configs; returns it, or null when the node did not answer. */
export async function loadConfig(cameraId) {
  loadedAt.set(cameraId, Date.now());
  const r = await api('GET', nodeRoute(cameraId, app.selfId, 'config'), undefined, { timeoutMs: 8000 });
  if (!r.ok) return null;
  store(cameraId, r.body);
  return r.body;
}

/** Sends a partial config to one node; the node validates it and answers with its new config. */
export async function patchConfig(cameraId, patch) {
  const r = await api('POST', nodeRoute(cameraId, app.selfId, 'config'), patch, { timeoutMs: 15_000 });
  if (r.ok) store(cameraId, r.body.config);
  return r;
}

/** Keeps every reachable node's config fresh enough for its card's switches (another phone may change it). */
export function refreshConfigs() {
  const now = Date.now();
  for (const [id, node] of app.view) {
    if (!node.reachable || now - (loadedAt.get(id) ?? 0) < REFRESH_MS) continue;
    void loadConfig(id);
  }
}

/** A config read by other means (this node's own, at boot): counts as freshly loaded. */
export function remember(cameraId, config) {
  loadedAt.set(cameraId, Date.now());
  store(cameraId, config);
}

function store(cameraId, config) {
  if (cameraId === app.selfId) { app.setConfig(config); return; }
  app.configs.set(cameraId, config);
  render();
}
