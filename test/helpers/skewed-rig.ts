import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { NODE_FLAGS } from '../../runtime/node-flags.js';
import { writeTestConfig } from './config.js';
import { freePort, freeUdpPort, waitFor } from './net.js';

/**
 * Three soccer-rig nodes as separate OS processes on loopback, each on a wall clock of its own
 * injected with libfaketime (LD_PRELOAD; the ffmpeg children inherit it): a skew of seconds
 * either way and, optionally, a drift. The truth is known exactly, so a test (issue 10's Proof)
 * or the bench can compare what the rig measured and did against it. Used by
 * test/actors/sync/rig-time.e2e.test.ts and bench/rig-time.ts.
 */

export const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
const CLI = fileURLToPath(new URL('../../runtime/cli.js', import.meta.url));
const SECRET = 'rig-time-test-secret-0123456789';

/** One node's injected clock: its skew from true time, ms, at its start, and its rate (1 = none). */
export interface InjectedClock { skewMs: number; rate: number }

/** libfaketime's FAKETIME value for a clock ("+2500ms" is not valid; seconds with a fraction are). */
export function faketimeSpec(c: InjectedClock): string {
  const s = `${c.skewMs >= 0 ? '+' : '-'}${(Math.abs(c.skewMs) / 1000).toFixed(3)}s`;
  return c.rate === 1 ? s : `${s} x${c.rate}`;
}

/** The preloadable libfaketime, or null (with the places looked at) when it is not installed. */
export function findLibfaketime(): { path: string } | { path: null; why: string } {
  const known = ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf'].map((a) => `/usr/lib/${a}/faketime/libfaketime.so.1`);
  for (const p of [...known, '/usr/lib/faketime/libfaketime.so.1', '/usr/local/lib/faketime/libfaketime.so.1']) if (existsSync(p)) return { path: p };
  const found = spawnSync('find', ['/usr/lib', '/usr/local/lib', '-name', 'libfaketime.so.1'], { encoding: 'utf8' }).stdout?.split('\n').find(Boolean);
  return found ? { path: found } : { path: null, why: `libfaketime.so.1 not found (looked in ${known[0]} and searched /usr/lib, /usr/local/lib; apt install faketime)` };
}

export interface SkewedNode {
  cameraId: string;
  url: string;
  dataDir: string;
  clock: InjectedClock;
  /** True time (this process's clock) when the node's process was spawned: libfaketime's rate counts from there. */
  spawnedAt: number;
  proc: ResultPromise;
  /** Everything the process wrote (its log lines), as it comes. */
  output: string[];
}

export interface SkewedRig {
  nodes: SkewedNode[];
  stop(): Promise<void>;
}

/** The injected skew of a node at true instant `t` (its clock minus true time). */
export function skewAt(n: Pick<SkewedNode, 'clock' | 'spawnedAt'>, t: number): number {
  return n.clock.skewMs + (t - n.spawnedAt) * (n.clock.rate - 1);
}

export interface SkewedRigOptions {
  dir: string;
  lib: string;
  clocks: InjectedClock[];
  /** Overrides merged into every node's config (e.g. { sync: { rigTime: false } }). */
  config?: Record<string, unknown>;
  /** Start only the first N nodes (the others stay configured peers that never come up). */
  only?: number;
}

export async function startSkewedRig(o: SkewedRigOptions): Promise<SkewedRig> {
  const http = await Promise.all(CAMS.map(() => freePort()));
  const dht = await Promise.all(CAMS.map(() => freeUdpPort()));
  const nodes: SkewedNode[] = [];
  const stop = async (): Promise<void> => {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGTERM');
    await Promise.all(nodes.map((n) => Promise.race([n.proc, new Promise((r) => setTimeout(r, 15_000))])));
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
  };
  try {
    for (const [i, id] of CAMS.entries()) {
      if (i >= (o.only ?? CAMS.length)) break;
      const dir = join(o.dir, id);
      await mkdir(dir, { recursive: true });
      const config = await writeTestConfig(dir, {
        camera: { id, position: id.toLowerCase(), source: 'synthetic' },
        http: { host: '127.0.0.1', port: http[i] },
        video: { width: 320, height: 180, fps: 10, codec: 'h264', bitrateMbps: 0.3 },
        audio: { enabled: false },
        recording: { plannedDurationMin: 1 },
        rig: { secret: SECRET, dhtHost: '127.0.0.1', dhtPort: dht[i], startLeadMs: 1500 },
        peers: CAMS.flatMap((cid, j) => (j === i ? [] : [{ cameraId: cid, host: '127.0.0.1', port: dht[j], httpPort: http[j] }])),
        ...(o.config ?? {}),
      });
      const clock = o.clocks[i]!;
      const env = clock.skewMs === 0 && clock.rate === 1 ? {} : { LD_PRELOAD: o.lib, FAKETIME: faketimeSpec(clock) };
      const spawnedAt = Date.now();
      // On a Pi the node has its cores to itself; on a shared test box (2 cores, many jobs) a
      // shutter's wake-up can wait tens of ms for a CPU, which says nothing about the clocks. As
      // root, the nodes get the CPU priority a dedicated machine gives them (nice −10).
      const argv = [...NODE_FLAGS, CLI, 'node', '--config', config];
      const [file, args] = process.getuid?.() === 0 ? ['nice', ['-n', '-10', process.execPath, ...argv]] : [process.execPath, argv];
      const proc = execa(file, args, { reject: false, all: true, stdin: 'ignore', env });
      const output: string[] = [];
      proc.all?.on('data', (d: Buffer) => output.push(d.toString()));
      nodes.push({ cameraId: id, url: `http://127.0.0.1:${http[i]}`, dataDir: join(dir, 'data'), clock, spawnedAt, proc, output });
    }
    await Promise.all(nodes.map((n) => waitFor(async () => (await fetch(`${n.url}/api/v1/status`)).ok, 60_000, 100)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, stop };
}

export async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/**
 * Until every node measures both others and knows rig time (status.sync.source 'peers') with an
 * error bound of at most maxErrorMs: right after connecting, on a busy machine, the first burst
 * can leave a bound of several ms (honestly reported); the next bursts narrow it.
 */
export async function rigTimeKnown(rig: SkewedRig, maxErrorMs = 1, timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => {
    for (const n of rig.nodes) {
      const s = await getJson(`${n.url}/api/v1/status`);
      if (s.sync?.source !== 'peers' || Object.keys(s.sync.peers ?? {}).length !== 2) return false;
      if (typeof s.sync.errorMs !== 'number' || s.sync.errorMs > maxErrorMs) return false;
    }
    return true;
  }, timeoutMs, 250);
}

/** A node's manifest of a session (first take), as written on its disk. */
export async function manifestOf(n: SkewedNode, sessionId: string): Promise<any> {
  const name = (await readdir(n.dataDir)).find((f) => f === `${sessionId}_${n.cameraId}.json`);
  if (!name) throw new Error(`${n.cameraId}: no manifest of ${sessionId}`);
  return JSON.parse(await readFile(join(n.dataDir, name), 'utf8'));
}

/** Start-all from `from`, then stop-all; returns the start-all answer and the final manifest of every node that started (null for the others). */
export async function startAllOnce(rig: SkewedRig, from: number, sessionId: string): Promise<{ start: any; manifests: any[] }> {
  const start = await postJson(`${rig.nodes[from]!.url}/api/v1/rig/record/start`, { sessionId });
  if (start.status !== 200) throw new Error(`start-all from ${CAMS[from]}: ${start.status} ${JSON.stringify(start.body)}`);
  // The answer comes once every node acked its first frame: those that started are recording now.
  const stop = await postJson(`${rig.nodes[from]!.url}/api/v1/rig/record/stop`, {});
  if (stop.status !== 200) throw new Error(`stop-all: ${stop.status} ${JSON.stringify(stop.body)}`);
  const started = new Set((start.body.results as Array<{ cameraId: string; result: string }>).filter((r) => r.result === 'ok').map((r) => r.cameraId));
  const manifests = await Promise.all(rig.nodes.map((n) => !started.has(n.cameraId) ? null : waitFor(async () => {
    const m = await manifestOf(n, sessionId).catch(() => null);
    return m && !m.inProgress ? m : null;
  }, 30_000, 100).catch(() => null)));
  return { start: start.body, manifests };
}

/** Whether this kernel lets LD_PRELOAD'ed libfaketime move Node's clock (it must, or the test says why it skips). */
export function faketimeWorks(lib: string): boolean {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: lib, FAKETIME: '+100.000s' } });
  return Math.abs(Number(r.stdout) - Date.now() - 100_000) < 5_000;
}
