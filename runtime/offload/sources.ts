import { CAMERA_IDS, isCameraId } from '../cameras.js';

/**
 * Where the laptop gets each node's files: straight from the node when the laptop can reach
 * it (one stream per node, so three nodes fill the laptop's link, not one node's), else
 * through the node given with --from, which relays (and is the only one a laptop on one
 * node's access point can reach). A direct address counts only if that node answers as the
 * camera it is supposed to be.
 */

export interface NodeSource {
  cameraId: string;
  /** Base URLs to try in order; the first is direct when the node answered, the last is the relay. */
  bases: Array<{ base: string; via: 'direct' | 'relay' }>;
}

interface RigEntry { cameraId: string; self?: boolean; httpAddress?: { host: string; port: number } | null }

export function addressUrl(a: { host: string; port: number }): string {
  return `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** The URL of one of a node's files (a recording or its manifest) through a base. */
export function fileUrl(b: { base: string; via: 'direct' | 'relay' }, cameraId: string, file: string): string {
  const name = encodeURIComponent(file);
  return b.via === 'direct' ? `${b.base}/recordings/${name}` : `${b.base}/api/v1/rig/nodes/${cameraId}/recordings/${name}`;
}

export async function nodeSources(o: {
  fetch: typeof fetch;
  from: string;
  cameraIds: readonly string[];
  /** Addresses given by the user (`--node CAM_R=URL`), over what the rig reports. */
  overrides?: Readonly<Record<string, string>>;
  probeTimeoutMs?: number;
}): Promise<Map<string, NodeSource>> {
  const entries = await o.fetch(`${o.from}/api/v1/rig`, { signal: AbortSignal.timeout(10_000) })
    .then(async (r) => (r.ok ? ((await r.json()) as { nodes?: RigEntry[] }).nodes ?? [] : []), () => [] as RigEntry[]);
  const out = new Map<string, NodeSource>();
  await Promise.all(o.cameraIds.map(async (cameraId) => {
    const e = entries.find((x) => x.cameraId === cameraId);
    const candidate = o.overrides?.[cameraId]?.replace(/\/+$/, '')
      ?? (e?.self ? o.from : e?.httpAddress ? addressUrl(e.httpAddress) : null);
    const relay = { base: o.from, via: 'relay' as const };
    const direct = candidate && await answersAs(o.fetch, candidate, cameraId, o.probeTimeoutMs ?? 3000);
    out.set(cameraId, { cameraId, bases: direct ? [{ base: candidate, via: 'direct' }, relay] : [relay] });
  }));
  return out;
}

async function answersAs(f: typeof fetch, base: string, cameraId: string, timeoutMs: number): Promise<boolean> {
  try {
    const r = await f(`${base}/api/v1/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok && ((await r.json()) as { cameraId?: string }).cameraId === cameraId;
  } catch {
    return false;
  }
}

/** `--node CAM_R=http://10.0.0.13:8080` (repeatable) into overrides; a bad one is named. */
export function parseNodeOverrides(values: readonly string[]): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^(CAM_[A-Z]+)=(https?:\/\/\S+)$/.exec(v);
    if (!m) return { error: `--node "${v}": expected CAM_ID=http://host:port` };
    if (!isCameraId(m[1]!)) return { error: `--node "${v}": ${m[1]} is not one of ${CAMERA_IDS.join(', ')}` };
    out[m[1]!] = m[2]!;
  }
  return out;
}
