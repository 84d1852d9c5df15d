import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { NODE_FLAGS } from '../../runtime/node-flags.js';
import { waitFor } from '../helpers/net.js';

export const CLI = fileURLToPath(new URL('../../runtime/cli.js', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;

type Teardown = (f: () => Promise<void> | void) => void;

export interface Demo {
  proc: ChildProcess;
  dataDir: string;
  basePort: number;
  url(cameraId: (typeof CAMS)[number]): string;
  /** The OS process of one node (a child of the demo), for killing it. */
  nodePid(cameraId: string): Promise<number | null>;
  output(): string;
  /** Starts a node again on the config the demo wrote for it (after the test killed it). */
  restartNode(cameraId: string, teardown: Teardown): Promise<ChildProcess>;
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port P with P..P+2 (HTTP), P+100..P+102 (rig DHT, UDP) and P+200..P+202 (beacons, UDP) all free a moment ago. */
export async function freeBasePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    // HTTP on P..P+2, the rig DHT on P+100.., LAN beacons on P+200.. (see runtime/demo.ts).
    const checks = await Promise.all([0, 1, 2].flatMap((k) => [tcpFree(p + k), udpFree(p + 100 + k), udpFree(p + 200 + k)]));
    if (checks.every(Boolean)) return p;
  }
  throw new Error('no free port range found');
}

/** The shared poller (test/helpers/net.ts), at a pace that suits a browser page. */
export function waitUntil<T>(f: () => Promise<T | null | undefined | false>, timeoutMs: number, stepMs = 100): Promise<T> {
  return waitFor(f, timeoutMs, stepMs);
}

/**
 * A real three-node rig started through the CLI (`soccer-rig demo`), each node its own OS
 * process, in its own process group so teardown reaches every node.
 */
export async function startDemo(teardown: Teardown, opts: { resolution?: string } = {}): Promise<Demo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'soccer-rig-dash-'));
  const basePort = await freeBasePort();
  const proc = spawn(process.execPath, [...NODE_FLAGS, CLI, 'demo', '--nodes', '3', '--base-port', String(basePort),
    '--data', dataDir, '--resolution', opts.resolution ?? '320x180'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  proc.stderr!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  teardown(async () => {
    const exited = new Promise<void>((r) => { if (proc.exitCode !== null || proc.signalCode) r(); else proc.once('exit', () => r()); });
    try { process.kill(-proc.pid!, 'SIGTERM'); } catch { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } }, 8000);
    await exited;
    clearTimeout(timer);
    // The nodes are in the same group: make sure none outlives the demo.
    try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* all gone */ }
    await rm(dataDir, { recursive: true, force: true });
  });
  const url = (id: (typeof CAMS)[number]) => `http://127.0.0.1:${basePort + CAMS.indexOf(id)}`;
  await waitUntil(async () => {
    const rs = await Promise.all(CAMS.map((id) => fetch(`${url(id)}/api/v1/status`).then((r) => r.ok, () => false)));
    return rs.every(Boolean);
  }, 30_000, 200).catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
  // Every node sees all three before the page is opened.
  await waitUntil(async () => {
    for (const id of CAMS) {
      const v = await (await fetch(`${url(id)}/api/v1/rig`)).json() as { nodes: Array<{ reachable: boolean; status: unknown }> };
      if (v.nodes.length !== 3 || !v.nodes.every((n) => n.reachable && n.status)) return false;
    }
    return true;
  }, 30_000, 200).catch((err: Error) => { throw new Error(`rig did not converge: ${err.message}\n${out}`); });
  return {
    proc, dataDir, basePort, url,
    output: () => out,
    async restartNode(cameraId, td) {
      const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'node', '--config', join(dataDir, cameraId, 'config.yaml')], { stdio: 'ignore' });
      td(async () => {
        if (child.exitCode !== null || child.signalCode) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(timer);
      });
      return child;
    },
    async nodePid(cameraId) {
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid !== proc.pid) continue;
          const cmd = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
          if (cmd.some((a) => a.endsWith(`/${cameraId}/config.yaml`))) return Number(entry);
        } catch { /* exited meanwhile */ }
      }
      return null;
    },
  };
}

/** A manifest as GET /api/v1/rig/recordings lists it (the fields the dashboard tests read). */
export interface DemoRecording {
  sessionId: string; cameraId: (typeof CAMS)[number]; file: string; sizeBytes: number;
  sha256?: string; inProgress?: boolean; offloaded: boolean; deletedAt?: number;
}

/**
 * One real take on every camera of the demo: started through `via`'s rig route, stopped once
 * every camera's encoder delivers frames. Resolves when `seenBy`'s replicated view holds all
 * three finished manifests (each with its sha256).
 */
export async function recordOneTake(demo: Demo, via: (typeof CAMS)[number], seenBy: (typeof CAMS)[number] = 'CAM_R'): Promise<{ sessionId: string; recordings: DemoRecording[] }> {
  const post = async (path: string) => {
    const r = await fetch(`${demo.url(via)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = await r.json() as { sessionId: string };
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body;
  };
  const { sessionId } = await post('/api/v1/rig/record/start');
  await waitUntil(async () => {
    const all = await Promise.all(CAMS.map(async (id) => (await fetch(`${demo.url(id)}/api/v1/status`)).json() as Promise<{ state: string; encoder?: { fps?: number } }>));
    return all.every((s) => s.state === 'recording' && (s.encoder?.fps ?? 0) > 0);
  }, 20_000, 200);
  await post('/api/v1/rig/record/stop');
  const recordings = await waitUntil(async () => {
    const list = (await (await fetch(`${demo.url(seenBy)}/api/v1/rig/recordings`)).json() as { recordings: DemoRecording[] }).recordings;
    const done = list.filter((m) => m.sessionId === sessionId && !m.inProgress && m.sha256);
    return done.length === 3 ? done : null;
  }, 20_000, 200);
  return { sessionId, recordings };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions seen so far, with the URL they came from. */
  errors: Array<{ text: string; url: string }>;
}

/** Real Chromium (Debian's) with a fresh profile, closed at teardown. */
export async function launch(teardown: Teardown, viewport = { width: 390, height: 844 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'soccer-rig-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport,
  });
  teardown(async () => {
    await context.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: Browser['errors'] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url }); });
  page.on('pageerror', (e) => errors.push({ text: `uncaught: ${e.message}`, url: '' }));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: false });
  return path;
}
