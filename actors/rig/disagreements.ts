export interface RigNodeView {
  cameraId: string;
  reachable: boolean;
  status: { state?: unknown; sessionId?: unknown; sync?: { offsetMs?: unknown }; warnings?: Array<{ code: string }> } | null;
}

export interface Disagreement { code: string; message: string; cameraIds: string[] }

/**
 * What an operator must notice at a glance: the rig is one unit, so any node that differs
 * from the others is named. Pure, so the dashboard and the API agree.
 */
export function disagreements(nodes: RigNodeView[], syncLimitMs: number): Disagreement[] {
  const out: Disagreement[] = [];
  const stale = nodes.filter((n) => !n.reachable);
  if (stale.length > 0) out.push({ code: 'NODE_STALE', message: `${stale.map((n) => n.cameraId).join(', ')} not heard from`, cameraIds: stale.map((n) => n.cameraId) });
  const live = nodes.filter((n) => n.reachable && n.status);
  const recording = live.filter((n) => n.status!.state === 'recording');
  if (recording.length > 0 && recording.length < live.length) {
    const idle = live.filter((n) => n.status!.state !== 'recording');
    out.push({ code: 'NOT_ALL_RECORDING', message: `${idle.map((n) => n.cameraId).join(', ')} not recording`, cameraIds: idle.map((n) => n.cameraId) });
  }
  const sessions = new Set(recording.map((n) => n.status!.sessionId));
  if (sessions.size > 1) {
    out.push({ code: 'SESSION_MISMATCH', message: `nodes record different sessions: ${[...sessions].join(' / ')}`, cameraIds: recording.map((n) => n.cameraId) });
  }
  const drift = live.filter((n) => typeof n.status!.sync?.offsetMs === 'number' && Math.abs(n.status!.sync.offsetMs as number) > syncLimitMs);
  if (drift.length > 0) out.push({ code: 'SYNC_DRIFT', message: `clock offset above ${syncLimitMs} ms on ${drift.map((n) => n.cameraId).join(', ')}`, cameraIds: drift.map((n) => n.cameraId) });
  const disk = live.filter((n) => n.status!.warnings?.some((w) => w.code === 'DISK_LOW' || w.code === 'DISK_CRITICAL'));
  if (disk.length > 0) out.push({ code: 'DISK_LOW', message: `low disk on ${disk.map((n) => n.cameraId).join(', ')}`, cameraIds: disk.map((n) => n.cameraId) });
  return out;
}
