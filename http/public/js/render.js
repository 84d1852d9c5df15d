import { $, h, replace, setText } from './dom.js';
import { app } from './state.js';
import { effective } from './feed.js';
import { isStale, elapsedMs, shownDisagreements, fmtClock, rigSummary } from './model.js';
import { createCard } from './cards.js';
import { cardActions, updateActions } from './controls.js';

// Everything on the Cameras view drawn from app: cards, the sticky strip, the rig bar and
// the banners. Cheap to call often: elements are built once and updated only where changed.

/** Draws the page; `session` is the session-details form, refreshed with it. */
export function renderAll(session) {
  const now = Date.now();
  app.view = new Map([...app.nodes].map(([id, n]) => [id, effective(n)]));
  const c = {
    now, live: app.live, linkLost: app.linkLost, history: app.history,
    disagreements: shownDisagreements(app.disagreements, new Set(app.acks.keys())),
  };
  // The rig view's order is field order.
  const ids = [...app.nodes.keys()];
  const root = $('#cards');
  for (const id of ids) {
    if (!app.cards.has(id)) app.cards.set(id, createCard(id, cardActions(id)));
  }
  const wanted = ids.map((id) => app.cards.get(id).el);
  if (root.children.length !== wanted.length || wanted.some((el, i) => root.children[i] !== el)) root.replaceChildren(...wanted);
  for (const id of ids) {
    app.cards.get(id).update(app.view.get(id), { ...c, config: id === app.selfId ? app.config : app.configs.get(id) ?? null });
    updateActions(id);
  }

  const nodes = [...app.view.values()];
  renderBanners(nodes, c.disagreements);
  renderStrip(ids, now, c.disagreements);
  renderRigBar(nodes);
  // Ready once every camera of the rig has a card showing what can be known: data, or that
  // its node is out of reach.
  const ready = app.rigSeen && nodes.length > 0 && nodes.every((n) => n.status || !n.reachable);
  document.body.dataset.cards = String(nodes.length);
  if (ready) document.body.dataset.ready = '1';
  session.refresh();
  setText($('#self-id'), app.selfId ?? '…');
}

/** AP fallback and the rig's disagreements, as the server computed them. */
function renderBanners(nodes, dis) {
  const ap = nodes.filter((n) => n.status?.network?.mode === 'ap');
  $('#ap-banner').hidden = ap.length === 0;
  setText($('#ap-text'), ap.map((n) => `${n.cameraId} lost the rig Wi-Fi and runs its own network${n.self && app.config?.network?.apSsid ? ` "${app.config.network.apSsid}"` : ` (normally "SOCCER_CAM_${n.cameraId.replace(/^CAM_/, '')}")`}; phones on it reach only ${n.cameraId}.`).join(' '));
  const dBox = $('#disagreements');
  dBox.hidden = dis.length === 0;
  const key = JSON.stringify(dis);
  if (dBox.dataset.key !== key) {
    dBox.dataset.key = key;
    replace(dBox, h('strong', {}, 'Cameras disagree: '), h('ul', {}, dis.map((d) => h('li', { 'data-code': d.code }, d.message))));
  }
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
    const stale = isStale(node, app.linkLost);
    const st = node.status?.state ?? 'unknown';
    const el = elapsedMs(node, now);
    chip.dataset.state = st;
    chip.dataset.stale = String(stale);
    chip.dataset.disagree = String(dis.some((d) => (d.cameraIds ?? []).includes(chip.dataset.camera)));
    setText(chip.lastChild, stale ? 'STALE' : st === 'recording' && el != null ? `● ${fmtClock(el)}` : st.toUpperCase());
  }
}

function renderRigBar(nodes) {
  $('#start-all').disabled = app.busy;
  $('#stop-all').disabled = app.busy;
  $('#shutdown-all').disabled = false;
  setText($('#rig-summary'), rigSummary(nodes, app.linkLost));
}
