/**
 * A node as the disagreement rules see it: the rig view's entry, whatever status shape it
 * carries (this node's own NodeStatus, or a peer's replicated copy read as a plain object).
 */
export interface RigNodeView {
  cameraId: string;
  /** The one liveness rule (store/view.ts `liveness`): heard from recently over a live connection. */
  reachable: boolean;
  status: object | null;
}

export interface Disagreement { code: string; message: string; cameraIds: string[] }

/** The few status fields the rules read, taken defensively: a peer's copy is data off the wire. */
function fields(status: object): { state: unknown; sessionId: unknown; offsetMs: number | null; warnings: string[] } {
  const s = status as { state?: unknown; sessionId?: unknown; sync?: { offsetMs?: unknown } | null; warnings?: unknown };
  const offset = s.sync?.offsetMs;
  const warnings = Array.isArray(s.warnings) ? s.warnings.flatMap((w: unknown) => {
    const code = (w as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? [code] : [];
  }) : [];
  return { state: s.state, sessionId: s.sessionId, offsetMs: typeof offset === 'number' && Number.isFinite(offset) ? offset : null, warnings };
}

const ids = (nodes: Array<{ cameraId: string }>): string[] => nodes.map((n) => n.cameraId);

/**
 * What an operator must notice at a glance: the rig is one unit, so any node that differs
 * from the others is named, with the cameras each entry is about (`cameraIds`: the cards the
 * dashboard marks). The only home of these rules: the dashboard displays this list as is.
 *
 * - NODE_STALE: a node the view knows of but has not heard from (not `reachable`).
 * - NOT_ALL_RECORDING: some reachable nodes record and others do not; names those that do not.
 * - SESSION_MISMATCH: recording nodes on different sessions; names those off the session most
 *   of them record (all of them when no session has a majority).
 * - SYNC_DRIFT: a reachable node whose clock offset is above `syncLimitMs` (config
 *   thresholds.syncOffsetMs) in either direction.
 * - DISK_LOW: a reachable node with a DISK_LOW or DISK_CRITICAL warning.
 * Nodes are named in the order given (the rig view sorts them in field order).
 */
export function disagreements(nodes: readonly RigNodeView[], syncLimitMs: number): Disagreement[] {
  const out: Disagreement[] = [];
  const stale = nodes.filter((n) => !n.reachable);
  if (stale.length > 0) out.push({ code: 'NODE_STALE', message: `${ids(stale).join(', ')} not heard from`, cameraIds: ids(stale) });
  const live = nodes.flatMap((n) => (n.reachable && n.status ? [{ cameraId: n.cameraId, ...fields(n.status) }] : []));
  const recording = live.filter((n) => n.state === 'recording');
  if (recording.length > 0 && recording.length < live.length) {
    const idle = live.filter((n) => n.state !== 'recording');
    out.push({ code: 'NOT_ALL_RECORDING', message: `${ids(idle).join(', ')} not recording`, cameraIds: ids(idle) });
  }
  const bySession = new Map<unknown, number>();
  for (const n of recording) bySession.set(n.sessionId, (bySession.get(n.sessionId) ?? 0) + 1);
  if (bySession.size > 1) {
    const counts = [...bySession.entries()].sort((a, b) => b[1] - a[1]);
    const majority = counts[0]![1] > counts[1]![1] ? counts[0]![0] : undefined;
    const odd = recording.filter((n) => majority === undefined || n.sessionId !== majority);
    out.push({ code: 'SESSION_MISMATCH', message: `nodes record different sessions: ${[...bySession.keys()].join(' / ')}`, cameraIds: ids(odd) });
  }
  const drift = live.filter((n) => n.offsetMs !== null && Math.abs(n.offsetMs) > syncLimitMs);
  if (drift.length > 0) out.push({ code: 'SYNC_DRIFT', message: `clock offset above ${syncLimitMs} ms on ${ids(drift).join(', ')}`, cameraIds: ids(drift) });
  const disk = live.filter((n) => n.warnings.some((c) => c === 'DISK_LOW' || c === 'DISK_CRITICAL'));
  if (disk.length > 0) out.push({ code: 'DISK_LOW', message: `low disk on ${ids(disk).join(', ')}`, cameraIds: ids(disk) });
  return out;
}
