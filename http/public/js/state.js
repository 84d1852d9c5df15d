import { History } from './model.js';

// What the page knows, in one place: every module reads and updates this object, then asks
// for a render. Rendering is registered by main.js, so no module imports the renderer.

export const app = {
  selfId: null,
  config: null,         // this node's config (the settings form edits it)
  configs: new Map(),   // cameraId -> another node's config, through this node (audio / mode switches)
  live: false,          // the event stream is open
  linkLost: false,      // the page cannot reach its node: every card's data is old
  nodes: new Map(),     // cameraId -> node (see model.js), in the rig view's order (field order)
  rigSeen: false,       // a rig view has arrived: every camera of the rig is known
  disagreements: [],    // the server's, as sent with the rig view
  lastDataAt: 0,
  history: new History(),
  cards: new Map(),
  // A node's own answer to a start/stop (state, session, first frame) shown until its next
  // status report is newer: the replicated status can trail the answer by a second.
  acks: new Map(),
  view: new Map(),      // nodes with acks applied: what the cards show
  busy: false,          // a start all / stop all is on its way
  setConfig(c) { app.config = c; render(); },
  pinSaved() { document.querySelector('#pin-banner').hidden = true; },
};

/** A camera's config as the page last read it (null until then). */
export function configOf(cameraId) {
  return (cameraId === app.selfId ? app.config : app.configs.get(cameraId)) ?? null;
}

let renderer = () => undefined;

/** main.js hands the renderer over once, at boot. */
export function setRenderer(f) { renderer = f; }

export function render() { renderer(); }
