import { setText } from './dom.js';
import { nodeRoute } from './api.js';
import { app } from './state.js';
import { isStale, elapsedMs } from './model.js';

// Preview stills on the cards while recording: this node's own, the others' through its relay.

export const PREVIEW_MS = 3000;

export function refreshPreviews() {
  const now = Date.now();
  for (const [id, card] of app.cards) {
    const node = app.view.get(id);
    const el = node && elapsedMs(node, now);
    // Only ask once a still can exist (written about every 2 s while recording), so no 404s.
    if (!node || isStale(node, app.linkLost) || el == null || el < 4000) continue;
    const img = new Image();
    img.onload = () => { card.img.src = img.src; card.img.hidden = false; setText(card.f.previewNote, `Preview ${new Date().toLocaleTimeString()}`); };
    img.onerror = () => setText(card.f.previewNote, 'Preview not ready');
    img.src = `${nodeRoute(id, app.selfId, 'preview.jpg')}?t=${now}`;
  }
}
