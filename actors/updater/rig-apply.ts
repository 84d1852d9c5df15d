import type { NodeState } from '../../runtime/status.js';

/** One node as the rig-wide apply sees it: its status, and its own POST /update/apply. */
export interface RigNodeUpdate {
  cameraId: string;
  /** The node running the rig-wide apply: updated last, since it restarts itself. */
  self: boolean;
  /** null when the node does not answer. */
  status(): Promise<{ state: NodeState; version: string } | null>;
  apply(opts: { force: boolean }): Promise<{ ok: boolean; code?: string; message?: string }>;
}

export type RigApplyNodeResult =
  | { cameraId: string; result: 'updated' | 'already' | 'skipped' }
  | { cameraId: string; result: 'refused' | 'timeout'; code: string; message: string };

export interface RigApplyOptions {
  target: string;
  force: boolean;
  /** How long a node may take to restart into the target version. */
  waitMs: number;
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type RigApplyOutcome =
  | { ok: true; results: RigApplyNodeResult[] }
  | { ok: false; code: 'RECORDING_IN_PROGRESS' | 'NODE_UNREACHABLE'; message: string; results: RigApplyNodeResult[] };

const RECORDING: ReadonlyArray<NodeState> = ['armed', 'recording', 'stopping'];

/**
 * Updates the rig one node at a time, and only while no node records: the recording rule is
 * checked again before each node, since a phone may start the rig mid-update. A node must come
 * back on the target version before the next one goes; the first failure stops the rollout so
 * at most one node is ever on an unproven version. This node goes last.
 */
export async function rigApply(nodes: RigNodeUpdate[], o: RigApplyOptions): Promise<RigApplyOutcome> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ordered = [...nodes.filter((n) => !n.self), ...nodes.filter((n) => n.self)];
  const results: RigApplyNodeResult[] = [];
  const rest = (from: number) => ordered.slice(from).map((n) => ({ cameraId: n.cameraId, result: 'skipped' as const }));
  for (let i = 0; i < ordered.length; i++) {
    const node = ordered[i]!;
    const states = await Promise.all(ordered.map(async (n) => ({ n, s: await n.status().catch(() => null) })));
    const gone = states.find((x) => x.s === null);
    if (gone) {
      return { ok: false, code: 'NODE_UNREACHABLE', message: `${gone.n.cameraId} does not answer: cannot be sure it is not recording`, results: [...results, ...rest(i)] };
    }
    const rec = states.find((x) => RECORDING.includes(x.s!.state));
    if (rec) {
      return { ok: false, code: 'RECORDING_IN_PROGRESS', message: `${rec.n.cameraId} is recording`, results: [...results, ...rest(i)] };
    }
    if (states[i]!.s!.version === o.target) { results.push({ cameraId: node.cameraId, result: 'already' }); continue; }
    const r = await node.apply({ force: o.force }).catch((err: unknown) => ({ ok: false, code: 'NODE_UNREACHABLE', message: (err as Error).message }));
    if (!r.ok) {
      results.push({ cameraId: node.cameraId, result: 'refused', code: r.code ?? 'REFUSED', message: r.message ?? '' });
      return { ok: true, results: [...results, ...rest(i + 1)] };
    }
    if (node.self) { results.push({ cameraId: node.cameraId, result: 'updated' }); continue; }
    const deadline = now() + o.waitMs;
    let back = false;
    while (now() < deadline) {
      await sleep(o.pollMs ?? 1000);
      const s = await node.status().catch(() => null);
      if (s && s.version === o.target) { back = true; break; }
    }
    if (!back) {
      results.push({ cameraId: node.cameraId, result: 'timeout', code: 'NOT_BACK', message: `${node.cameraId} did not come back on ${o.target} within ${Math.round(o.waitMs / 1000)} s` });
      return { ok: true, results: [...results, ...rest(i + 1)] };
    }
    results.push({ cameraId: node.cameraId, result: 'updated' });
  }
  return { ok: true, results };
}

/** RigNodeUpdate over each node's own HTTP API (GET /status, POST /update/apply). */
export function httpRigNode(n: { cameraId: string; url: string; self: boolean }, opts: { token?: string | null; fetch?: typeof fetch; applyTimeoutMs?: number } = {}): RigNodeUpdate {
  const f = opts.fetch ?? fetch;
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  return {
    cameraId: n.cameraId,
    self: n.self,
    async status() {
      try {
        const r = await f(`${n.url}/api/v1/status`, { headers: auth, signal: AbortSignal.timeout(3000) });
        if (!r.ok) return null;
        const b = await r.json() as { state: NodeState; version: string };
        return { state: b.state, version: b.version };
      } catch {
        return null;
      }
    },
    async apply({ force }) {
      const r = await f(`${n.url}/api/v1/update/apply`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ force }),
        signal: AbortSignal.timeout(opts.applyTimeoutMs ?? 15 * 60_000),
      });
      if (r.ok) return { ok: true };
      const b = await r.json().catch(() => ({})) as { error?: { code?: string; message?: string } };
      return { ok: false, code: b.error?.code ?? `HTTP_${r.status}`, message: b.error?.message ?? `HTTP ${r.status}` };
    },
  };
}

/** This node as a RigNodeUpdate: its own board and Updater, no HTTP round trip. */
export function localRigNode(cameraId: string, status: () => { state: NodeState; version: string }, apply: RigNodeUpdate['apply']): RigNodeUpdate {
  return { cameraId, self: true, status: async () => status(), apply };
}
