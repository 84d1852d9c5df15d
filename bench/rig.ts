import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { type Row, median, percentile, fmt, CLI } from './lib.js';
import { NODE_FLAGS } from '../runtime/node-flags.js';
import { freePort, freeUdpPort } from '../test/helpers/net.js';

/**
 * The rig (issue: rig), three real node processes on 127.0.0.1, each beside a baseline
 * measured in the same run:
 * - time to a full mesh after the last node is up (started together, and 2 s apart),
 *   beside the time the same three nodes take to answer /status over HTTP;
 * - replication latency of a status change into the other nodes' /rig view, beside the same
 *   change seen on the changed node's own /status;
 * - start spread of a leaderless start-all, beside three one-node starts sent one after another.
 * Nothing is tuned: production timings (the node's defaults) throughout.
 */

const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
const SECRET = `bench-rig-${randomBytes(8).toString('hex')}`;
const MESH_RUNS = 3;
const REPL_SAMPLES = 100; // p99 of 100 is the second slowest, not just the slowest
const START_RUNS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** A small keep-alive HTTP client (fetch costs more per request than the 5 ms polls allow). */
function http(method: 'GET' | 'POST', url: string, body?: unknown, timeoutMs = 30_000): Promise<{ status: number; json: any }> {
  const u = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname, port: u.port, path: u.pathname, method, agent, timeout: timeoutMs,
      headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { json = text; }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function poll<T>(f: () => Promise<T | null | undefined | false>, timeoutMs: number, stepMs = 5): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown = null;
  while (performance.now() < deadline) {
    try {
      const v = await f();
      if (v) return v;
    } catch (err) { last = err; }
    await sleep(stepMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

interface Node { cameraId: string; url: string; proc: ResultPromise; stderr: () => string }

interface Rig { dir: string; nodes: Node[]; configs: string[]; ports: number[] }

/** Writes three configs that know each other (fresh ports, fresh data dirs). */
async function makeRig(): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-rig-'));
  const http = await Promise.all(CAMS.map(() => freePort()));
  const dht = await Promise.all(CAMS.map(() => freeUdpPort()));
  const configs = await Promise.all(CAMS.map(async (id, i) => {
    const file = join(dir, `${id}.yaml`);
    await writeFile(file, stringify({
      version: 1, mode: 'production',
      camera: { id, position: id.toLowerCase(), source: 'synthetic' },
      http: { host: '127.0.0.1', port: http[i] },
      storage: { dataDir: join(dir, id, 'data') },
      logging: { dir: join(dir, id, 'logs') },
      video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 },
      recording: { plannedDurationMin: 1 },
      rig: { secret: SECRET, dhtHost: '127.0.0.1', dhtPort: dht[i], startLeadMs: 1500 },
      peers: CAMS.map((cid, j) => ({ cameraId: cid, host: '127.0.0.1', port: dht[j], httpPort: http[j] })).filter((_, j) => j !== i),
    }));
    return file;
  }));
  return { dir, nodes: [], configs, ports: http };
}

function spawn(rig: Rig, i: number): Node {
  const proc = execa(process.execPath, [...NODE_FLAGS, CLI, 'node', '--config', rig.configs[i]!], {
    reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true,
  });
  let tail = '';
  proc.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
  const node: Node = { cameraId: CAMS[i]!, url: `http://127.0.0.1:${rig.ports[i]}`, proc, stderr: () => tail };
  rig.nodes[i] = node;
  return node;
}

/** SIGTERM (the node stops its encoder and finalises), SIGKILL after 15 s; then the temp dir goes. */
async function destroyRig(rig: Rig): Promise<void> {
  await Promise.all(rig.nodes.filter(Boolean).map(async (n) => {
    n.proc.kill('SIGTERM');
    const killer = setTimeout(() => n.proc.kill('SIGKILL'), 15_000);
    await n.proc;
    clearTimeout(killer);
  }));
  await rm(rig.dir, { recursive: true, force: true });
}

const statusUp = async (n: Node): Promise<boolean> => (await http('GET', `${n.url}/api/v1/status`, undefined, 2000)).status === 200;

async function fullMesh(nodes: Node[]): Promise<boolean> {
  const views = await Promise.all(nodes.map((n) => http('GET', `${n.url}/api/v1/rig`, undefined, 2000)));
  return views.every((v) => v.status === 200 && v.json.nodes.length === 3 && v.json.nodes.every((x: any) => x.reachable));
}

/**
 * One mesh run on a fresh rig: start the nodes (together, or staggerMs apart), t0 = the moment
 * the last one's /status answers; then the baseline (one more /status round to all three) and
 * the time until every /rig lists all three reachable. Returns the rig still running when keep.
 */
async function meshRun(staggerMs: number, keep: boolean): Promise<{ meshMs: number; httpMs: number; rig: Rig | null }> {
  const rig = await makeRig();
  try {
    for (let i = 0; i < 3; i++) {
      spawn(rig, i);
      if (staggerMs > 0 && i < 2) {
        await poll(() => statusUp(rig.nodes[i]!), 15_000);
        await sleep(staggerMs);
      }
    }
    await poll(async () => (await Promise.all(rig.nodes.map(statusUp))).every(Boolean), 20_000);
    const t0 = performance.now();
    await Promise.all(rig.nodes.map(statusUp));
    const httpMs = performance.now() - t0;
    await poll(() => fullMesh(rig.nodes), 60_000);
    const meshMs = performance.now() - t0;
    if (keep) return { meshMs, httpMs, rig };
    await destroyRig(rig);
    return { meshMs, httpMs, rig: null };
  } catch (err) {
    process.stderr.write(`bench rig: mesh run failed: ${String(err)}\n${rig.nodes.map((n) => `${n.cameraId}: ${n.stderr()}`).join('\n')}\n`);
    await destroyRig(rig);
    throw err;
  }
}

/**
 * Replication: change camera.position on node k; poll (every ~5 ms) node k's own /status
 * (baseline) and the two other nodes' /rig until the new value shows. Samples are spaced by a
 * random 0.3–1.3 s so they fall at random phases of the node's status coalescing.
 */
async function replication(nodes: Node[]): Promise<{ remote: number[]; perObserver: number[]; local: number[] }> {
  const remote: number[] = [];
  const perObserver: number[] = [];
  const local: number[] = [];
  for (let s = 0; s < REPL_SAMPLES; s++) {
    const k = s % 3;
    const value = `bench ${s} ${randomBytes(3).toString('hex')}`;
    const t0 = performance.now();
    const post = http('POST', `${nodes[k]!.url}/api/v1/config`, { camera: { position: value } });
    const own = poll(async () => {
      const r = await http('GET', `${nodes[k]!.url}/api/v1/status`);
      return r.json?.cameraPosition === value ? performance.now() - t0 : null;
    }, 10_000);
    const others = [0, 1, 2].filter((j) => j !== k).map((j) => poll(async () => {
      const r = await http('GET', `${nodes[j]!.url}/api/v1/rig`);
      const entry = r.json?.nodes?.find((x: any) => x.cameraId === CAMS[k]);
      return entry?.status?.cameraPosition === value ? performance.now() - t0 : null;
    }, 10_000));
    const [p, l, ...o] = await Promise.all([post, own, ...others]);
    if (p.status !== 200) throw new Error(`POST /config on ${CAMS[k]}: ${p.status} ${JSON.stringify(p.json)}`);
    local.push(l);
    perObserver.push(...o);
    remote.push(Math.max(...o));
    await sleep(300 + Math.random() * 1000);
  }
  return { remote, perObserver, local };
}

const spreadOf = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

async function stopAll(nodes: Node[]): Promise<void> {
  const r = await http('POST', `${nodes[0]!.url}/api/v1/rig/record/stop`, {}, 60_000);
  if (r.status !== 200 || !r.json.results.every((x: any) => x.result === 'ok')) throw new Error(`stop-all: ${r.status} ${JSON.stringify(r.json)}`);
}

/**
 * Start-all from each node in turn. The spread is taken from the manifests (what the files
 * say about their first frame); the replies carry the same values and are reported beside.
 */
async function startSpread(nodes: Node[]): Promise<{ spreads: number[]; replies: number[]; afterStartAt: number[] }> {
  const spreads: number[] = [];
  const replies: number[] = [];
  const afterStartAt: number[] = [];
  for (let run = 0; run < START_RUNS; run++) {
    const sessionId = `bench-all-${run}-${randomBytes(3).toString('hex')}`;
    const r = await http('POST', `${nodes[run % 3]!.url}/api/v1/rig/record/start`, { sessionId }, 60_000);
    if (r.status !== 200 || !r.json.results.every((x: any) => x.result === 'ok')) throw new Error(`start-all: ${r.status} ${JSON.stringify(r.json)}`);
    replies.push(spreadOf(r.json.results.map((x: any) => x.firstFrameAt as number)));
    await sleep(1500);
    await stopAll(nodes);
    const ms = await manifestFirstFrames(nodes, sessionId);
    spreads.push(spreadOf(ms.map((m) => m.firstFrameAt)));
    afterStartAt.push(Math.max(...ms.map((m) => m.firstFrameAt - m.startAt)));
  }
  return { spreads, replies, afterStartAt };
}

/** What each node's manifest of the session says about its first frame. */
async function manifestFirstFrames(nodes: Node[], sessionId: string): Promise<Array<{ firstFrameAt: number; startAt: number }>> {
  return poll(async () => {
    const all = await Promise.all(nodes.map(async (n) => {
      const r = await http('GET', `${n.url}/api/v1/recordings`);
      const m = (r.json?.recordings ?? []).find((x: any) => x.sessionId === sessionId && !x.inProgress);
      return typeof m?.firstFrameAt === 'number' ? { firstFrameAt: m.firstFrameAt as number, startAt: m.startAt as number } : null;
    }));
    return all.every((x) => x !== null) ? all as Array<{ firstFrameAt: number; startAt: number }> : null;
  }, 20_000, 50);
}

/** The naive way: POST /record/start to each node, one after another (each answer awaited). */
async function naiveSpread(nodes: Node[]): Promise<number[]> {
  const spreads: number[] = [];
  for (let run = 0; run < START_RUNS; run++) {
    const sessionId = `bench-naive-${run}-${randomBytes(3).toString('hex')}`;
    const ffa: number[] = [];
    for (const n of nodes) {
      const r = await http('POST', `${n.url}/api/v1/record/start`, { sessionId }, 60_000);
      if (r.status !== 200) throw new Error(`record/start on ${n.cameraId}: ${r.status} ${JSON.stringify(r.json)}`);
      ffa.push(r.json.firstFrameAt);
    }
    spreads.push(spreadOf(ffa));
    await sleep(1500);
    await stopAll(nodes);
  }
  return spreads;
}

export async function rig(): Promise<Row[]> {
  const together: Array<{ meshMs: number; httpMs: number }> = [];
  const staggered: Array<{ meshMs: number; httpMs: number }> = [];
  let live: Rig | null = null;
  try {
    for (let i = 0; i < MESH_RUNS; i++) {
      staggered.push(await meshRun(2000, false));
    }
    for (let i = 0; i < MESH_RUNS; i++) {
      const r = await meshRun(0, i === MESH_RUNS - 1);
      together.push(r);
      if (r.rig) live = r.rig;
    }
    const nodes = live!.nodes;
    await sleep(1000);
    const repl = await replication(nodes);
    const start = await startSpread(nodes);
    const naive = await naiveSpread(nodes);

    const tMesh = median(together.map((r) => r.meshMs));
    const tHttp = median(together.map((r) => r.httpMs));
    const sMesh = median(staggered.map((r) => r.meshMs));
    const sHttp = median(staggered.map((r) => r.httpMs));
    const rP50 = percentile(repl.remote, 50);
    const rP99 = percentile(repl.remote, 99);
    const lP50 = percentile(repl.local, 50);
    const lP99 = percentile(repl.local, 99);
    const spread = median(start.spreads);
    const naiveMed = median(naive);
    const ms = (xs: number[]) => xs.map((x) => fmt(x, 0)).join(', ');
    return [
      { name: 'Full mesh after the last node is up (started together)', value: tMesh, unit: 'ms', baseline: tHttp, ratio: tMesh / tHttp, target: '≤ 1000 ms', met: tMesh <= 1000,
        note: `median of ${MESH_RUNS} fresh rigs: ${ms(together.map((r) => r.meshMs))} ms; baseline: one GET /status round to the same three nodes (${ms(together.map((r) => r.httpMs))} ms)` },
      { name: 'Full mesh after the last node is up (started 2 s apart)', value: sMesh, unit: 'ms', baseline: sHttp, ratio: sMesh / sHttp, target: '≤ 1000 ms', met: sMesh <= 1000,
        note: `median of ${MESH_RUNS} fresh rigs: ${ms(staggered.map((r) => r.meshMs))} ms; each node started 2 s after the previous one answered /status` },
      { name: 'Status change → other nodes\' /rig, p50', value: rP50, unit: 'ms', baseline: lP50, ratio: rP50 / lP50, target: '–', met: null,
        note: `${REPL_SAMPLES} camera.position changes (POST /config), each until BOTH other nodes show it (polled every ~5 ms); per observer p50 ${fmt(percentile(repl.perObserver, 50))} ms; baseline: the same change on the node's own /status` },
      { name: 'Status change → other nodes\' /rig, p99', value: rP99, unit: 'ms', baseline: lP99, ratio: rP99 / lP99, target: '≤ 50 ms', met: rP99 <= 50,
        note: `${REPL_SAMPLES} samples; the slowest ten (ms): ${ms([...repl.remote].sort((a, b) => a - b).slice(-10))}` },
      { name: 'Start-all spread of firstFrameAt (max − min)', value: spread, unit: 'ms', baseline: naiveMed, ratio: spread / naiveMed, target: '≤ 5 ms', met: spread <= 5,
        note: `median of ${START_RUNS} start-alls from each node in turn, from the manifests (${start.spreads.map((x) => fmt(x, 2)).join(', ')} ms; the replies say the same: ${start.replies.map((x) => fmt(x, 2)).join(', ')} ms); each node's encoder is started when it is armed and its shutter opens at startAt, the last one ${start.afterStartAt.map((x) => fmt(x, 2)).join(', ')} ms after it; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores; `
          + `baseline: three POST /record/start one after another, each answer awaited (${ms(naive)} ms)` },
    ];
  } finally {
    if (live) await destroyRig(live);
    agent.destroy();
  }
}
