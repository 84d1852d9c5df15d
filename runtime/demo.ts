import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { CONFIG_VERSION } from './config/schema.js';
import { CAMERA_IDS } from './cameras.js';
import { NODE_FLAGS } from './node-flags.js';

export interface DemoOptions {
  nodes: number;
  basePort: number;
  width: number;
  height: number;
  dataDir?: string;
  /** HTTP bind address: 127.0.0.1 (this machine only) or 0.0.0.0 (phones on the LAN too). */
  host?: string;
  /** Where progress lines go; the CLI prints them. */
  print?: (line: string) => void;
  /** Resolves to end the demo (tests); the CLI ends it with Ctrl-C. */
  until?: Promise<void>;
}

const DEMO_SECRET = 'soccer-rig-demo-secret-not-for-the-field';

/** The config each demo node runs with: its own ports and directories, synthetic camera. */
export function demoConfig(i: number, o: Required<Pick<DemoOptions, 'nodes' | 'basePort' | 'width' | 'height'>> & { dataDir: string; host?: string }) {
  const id = CAMERA_IDS[i]!;
  const dhtPort = (n: number) => o.basePort + 100 + n;
  return {
    version: CONFIG_VERSION,
    mode: 'production',
    camera: { id, position: ['left sideline', 'halfway line', 'right sideline'][i], source: 'synthetic' },
    http: { host: o.host ?? '127.0.0.1', port: o.basePort + i },
    storage: { dataDir: join(o.dataDir, id, 'recordings') },
    video: { width: o.width, height: o.height, fps: 30, codec: 'h265', bitrateMbps: 2, preset: 'ultrafast' },
    audio: { enabled: true },
    logging: { dir: join(o.dataDir, id, 'logs') },
    // The Updater runs on every node; a demo keeps its state beside the node's data, not in /var/lib.
    updater: { installRoot: join(o.dataDir, id, 'install'), stateDir: join(o.dataDir, id, 'updater') },
    // Beacons stay on loopback: each node listens on its own port and sends to the others'.
    rig: {
      secret: DEMO_SECRET, dhtHost: '127.0.0.1', dhtPort: dhtPort(i), startLeadMs: 1500,
      discoveryPort: o.basePort + 200 + i,
      discoveryTargets: Array.from({ length: o.nodes }, (_, n) => n).filter((n) => n !== i).map((n) => `127.0.0.1:${o.basePort + 200 + n}`),
    },
    // One machine, one clock: chrony's state says nothing about the demo rig, so its warning stays off the cards.
    sync: { chrony: false },
    peers: Array.from({ length: o.nodes }, (_, n) => n)
      .filter((n) => n !== i)
      .map((n) => ({ cameraId: CAMERA_IDS[n]!, host: '127.0.0.1', port: dhtPort(n), httpPort: o.basePort + n })),
  };
}

/**
 * A whole rig on one machine: each node is its own OS process (as on three Pis),
 * so killing one really loses it. Stops them all on Ctrl-C.
 */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const dataDir = opts.dataDir ?? join(tmpdir(), 'soccer-rig-demo');
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const children: { id: string; proc: ResultPromise; url: string }[] = [];

  for (let i = 0; i < opts.nodes; i++) {
    const cfg = demoConfig(i, { ...opts, dataDir });
    const dir = join(dataDir, cfg.camera.id);
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'config.yaml');
    await writeFile(file, stringify(cfg));
    const proc = execa(process.execPath, [...NODE_FLAGS, cli, 'node', '--config', file], {
      reject: false, stdin: 'ignore', buffer: false, all: true,
      // A node finalises its recording on SIGTERM; one that hangs is killed after 10 s.
      forceKillAfterDelay: 10_000,
    });
    const id = cfg.camera.id;
    if (proc.all) createInterface({ input: proc.all }).on('line', (l) => print(`[${id}] ${l}`));
    children.push({ id, proc, url: `http://127.0.0.1:${cfg.http.port}/` });
  }

  const ready = await Promise.all(children.map((c) => waitForStatus(`${c.url}api/v1/status`, 15_000)));
  print('');
  print(`soccer-rig demo: ${opts.nodes} node(s), data in ${dataDir}`);
  for (const [i, c] of children.entries()) print(`  ${c.id}: ${c.url}${ready[i] ? '' : '   (not answering yet)'}`);
  if (opts.host === '0.0.0.0') {
    for (const addr of lanAddresses()) print(`  on the LAN: ${children.map((c) => c.url.replace('127.0.0.1', addr)).join('  ')}`);
  }
  print('Open any of them on a phone or browser. Ctrl-C stops the rig.');

  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    print('stopping the demo rig…');
    for (const c of children) c.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => c.proc));
  };
  const exits = children.map((c) => c.proc.then((r) => {
    if (!stopping) print(`[${c.id}] exited unexpectedly (${r.signal ?? `code ${r.exitCode}`}); the other nodes keep running`);
  }));
  const onSignal = (): void => void stopAll();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await Promise.race([Promise.all(exits), opts.until?.then(stopAll) ?? new Promise(() => undefined)]);
  await stopAll();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return 0;
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().flatMap((ni) => (ni && ni.family === 'IPv4' && !ni.internal ? [ni.address] : []));
}

async function waitForStatus(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
