import { Agent, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { NODE_FLAGS } from '../runtime/node-flags.js';

export const CLI = fileURLToPath(new URL('../runtime/cli.js', import.meta.url));

export interface Row { name: string; value: number; unit: string; baseline?: number; ratio?: number; target: string; met: boolean | null; note?: string }

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb * 1024;
}

/** CPU seconds (user+system) a process has used so far, from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

export async function waitForHttp(url: string, timeoutMs: number, stepMs = 5): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.ok) { await r.arrayBuffer(); return performance.now() - t0; }
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** A node process as the systemd unit runs it: the same V8 flags and the unit's environment. */
export function spawnNode(configPath: string, port: number): ResultPromise {
  return execa(process.execPath, [...NODE_FLAGS, CLI, 'node', '--config', configPath, '--port', String(port)], {
    reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit',
    env: { UV_THREADPOOL_SIZE: '8' }, // systemd/soccer-rig.service: Environment=UV_THREADPOOL_SIZE=8
  });
}

/** Closed-loop load: `concurrency` keep-alive clients issuing GETs for `ms`. Returns requests per second. */
export async function load(url: string, ms: number, concurrency = 8): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(url);
  const end = performance.now() + ms;
  let done = 0;
  const one = () => new Promise<void>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, agent }, (res) => {
      res.resume();
      res.on('end', () => { if (res.statusCode === 200) done += 1; resolve(); });
    });
    req.on('error', reject);
    req.end();
  });
  await Promise.all(Array.from({ length: concurrency }, async () => { while (performance.now() < end) await one(); }));
  agent.destroy();
  return done / (ms / 1000);
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

/** A TCP port free on loopback right now (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
