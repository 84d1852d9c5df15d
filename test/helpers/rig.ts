import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { startNode, type RunningNode } from '../../runtime/node.js';
import { writeTestConfig } from './config.js';
import { tempDir } from './tmp.js';
import { freePort, freeUdpPort, waitFor } from './net.js';

export const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
export const SECRET = 'test-rig-secret-0123456789';

export interface RigFixture {
  nodes: RunningNode[];
  configs: string[];
  dirs: string[];
  /** Starts node i again on its config (same data dir). */
  restart(i: number): Promise<RunningNode>;
}

/** Three real nodes in this process: real HTTP, real UDP DHT and swarm on 127.0.0.1, real ffmpeg. */
export async function startRig(t: ExecutionContext, opts: {
  secrets?: string[];
  /** CAM_R moved: the others have its old DHT port, it has no peers configured. */
  moved?: boolean;
  /** More config for every node, top-level sections the rig itself does not set (e.g. audio). */
  extra?: Record<string, unknown>;
} = {}): Promise<RigFixture> {
  const http = await Promise.all(CAMS.map(() => freePort()));
  const dht = await Promise.all(CAMS.map(() => freeUdpPort()));
  const beacon = await Promise.all(CAMS.map(() => freeUdpPort()));
  const dirs = await Promise.all(CAMS.map(() => tempDir(t, 'rig-')));
  const configs = await Promise.all(CAMS.map((id, i) => writeTestConfig(dirs[i]!, {
    ...opts.extra,
    camera: { id, position: id.toLowerCase(), source: 'synthetic' },
    http: { host: '127.0.0.1', port: http[i] },
    storage: { dataDir: join(dirs[i]!, 'data') },
    recording: { plannedDurationMin: 1 },
    // Beacons only ever go to loopback in tests.
    rig: {
      secret: opts.secrets?.[i] ?? SECRET, dhtHost: '127.0.0.1', dhtPort: dht[i], startLeadMs: 1500,
      discoveryPort: beacon[i], discoveryTargets: beacon.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`),
    },
    peers: opts.moved && i === 2 ? [] : CAMS.map((cid, j) => ({
      cameraId: cid, host: '127.0.0.1', port: opts.moved && j === 2 ? dht[j]! + 1 : dht[j], httpPort: http[j],
    })).filter((_, j) => j !== i),
  })));
  const boot = (i: number) => startNode({ configPath: configs[i]!, rigTimings: { heartbeatMs: 1000, statusMinIntervalMs: 200, refreshMs: 2000 } });
  const nodes = await Promise.all(CAMS.map((_, i) => boot(i)));
  const fixture: RigFixture = {
    nodes, configs, dirs,
    async restart(i) {
      fixture.nodes[i] = await boot(i);
      return fixture.nodes[i]!;
    },
  };
  t.teardown(async () => { await Promise.all(fixture.nodes.map((n) => n.stop())); });
  return fixture;
}

export async function rigView(n: RunningNode): Promise<any> {
  return (await n.app.inject({ method: 'GET', url: '/api/v1/rig' })).json();
}

/** Waits until every node's /rig lists all three as reachable. */
export async function converged(nodes: RunningNode[], timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => {
    for (const n of nodes) {
      const v = await rigView(n);
      if (v.nodes.length !== 3 || !v.nodes.every((x: any) => x.reachable && x.status)) return false;
    }
    return true;
  }, timeoutMs, 100);
}

/**
 * A converged rig that recorded one session from CAM_C until every camera produced frames,
 * stopped it, and holds all three final manifests (each with its checksum) in the rig view.
 */
export async function rigWithSession(t: ExecutionContext, sessionId: string): Promise<{ rig: RigFixture; camC: RunningNode; manifests: any[] }> {
  const rig = await startRig(t);
  await converged(rig.nodes, 30_000);
  const camC = rig.nodes[1]!;
  const start = await camC.app.inject({ method: 'POST', url: '/api/v1/rig/record/start', payload: { sessionId } });
  if (start.statusCode !== 200) throw new Error(`start-all: ${start.statusCode} ${start.body}`);
  await waitFor(async () => rig.nodes.every((n) => (n.board.snapshot().encoder.fps ?? 0) > 0), 20_000);
  await camC.app.inject({ method: 'POST', url: '/api/v1/rig/record/stop', payload: {} });
  const manifests = await waitFor(async () => {
    const r = (await camC.app.inject({ method: 'GET', url: '/api/v1/rig/recordings' })).json().recordings
      .filter((m: any) => m.sessionId === sessionId && m.sha256 && !m.inProgress);
    return r.length === 3 ? r : null;
  }, 15_000);
  return { rig, camC, manifests };
}
