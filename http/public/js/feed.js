import { api } from './api.js';
import { app, render } from './state.js';
import { nodesFromRig, nodeFromStatus } from './model.js';

// Data in: the node's own status, the rig view (both on the event stream, or polled when it is
// quiet), and the answers to start/stop, which are newer than the view for a moment.

const ACK_GRACE_MS = 3000;

export function takeStatus(status) {
  const now = Date.now();
  app.selfId ??= status.cameraId;
  const prev = app.nodes.get(status.cameraId);
  // The node's own SSE is the freshest word about itself, in the rig view too.
  app.nodes.set(status.cameraId, { ...(prev ?? {}), ...nodeFromStatus(status, now), self: true });
  app.history.add(status.cameraId, now, status);
  app.lastDataAt = now;
  app.linkLost = false;
  render();
}

export function takeRig(rig) {
  const now = Date.now();
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
  app.rigSeen = true;
  app.disagreements = Array.isArray(rig.disagreements) ? rig.disagreements : [];
  app.lastDataAt = now;
  app.linkLost = false;
  render();
}

/** Asks for the rig view; a node that does not answer means every card shows old data. */
export async function poll() {
  const r = await api('GET', '/api/v1/rig', undefined, { timeoutMs: 4000 });
  if (r.ok) takeRig(r.body);
  else if (r.status === 0) { app.linkLost = true; render(); }
  return r.ok;
}

/** The node as the cards show it: its last status, or the newer word of its start/stop answer. */
export function effective(node) {
  const ack = app.acks.get(node.cameraId);
  if (!ack) return node;
  // A report that agrees ends the ack; one that disagrees wins only once clearly newer, since a
  // node reports 'recording' a moment after its first frame.
  const s = node.status;
  if (s && ((s.state === ack.state && s.updatedAt >= ack.at) || s.updatedAt >= ack.at + ACK_GRACE_MS)) { app.acks.delete(node.cameraId); return node; }
  if (!s) return node;
  return {
    ...node, acked: true,
    status: { ...s, state: ack.state, sessionId: ack.sessionId ?? s.sessionId, recording: { ...s.recording, firstFrameAt: ack.firstFrameAt ?? null } },
  };
}

export function ack(cameraId, state, body) {
  const node = app.nodes.get(cameraId);
  // 'at' on the rig's clock: the first frame for a start, now for a stop.
  const at = body.firstFrameAt ?? (Date.now() - (node?.clockSkew ?? 0));
  app.acks.set(cameraId, { state, sessionId: state === 'recording' ? body.sessionId ?? null : null, firstFrameAt: body.firstFrameAt ?? null, at });
}
