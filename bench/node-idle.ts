import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { freePort } from '../test/helpers/net.js';
import { type Row, median, rssBytes, waitForHttp, spawnNode, load, fmt } from './lib.js';

const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));

/**
 * Foundation targets: idle RSS, start-up to first /status, and /status throughput
 * against a bare node:http server returning the same JSON, alternated in rounds
 * so both see the same machine noise.
 */
export async function nodeIdle(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-'));
  try {
    const config = join(dir, 'node.yaml');
    await writeFile(config, stringify({
      version: 1, camera: { id: 'CAM_C', source: 'synthetic' }, http: { host: '127.0.0.1', port: 1 },
      storage: { dataDir: join(dir, 'data') }, logging: { dir: join(dir, 'logs') },
      video: { width: 640, height: 360, fps: 30, codec: 'h265', bitrateMbps: 2 },
    }));

    // Start-up: 5 cold starts of the node, and of a bare node:http process, alternated.
    const nodeStarts: number[] = [];
    const bareStarts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      const t0 = performance.now();
      const proc = spawnNode(config, port);
      await waitForHttp(`http://127.0.0.1:${port}/api/v1/status`, 10_000);
      nodeStarts.push(performance.now() - t0);
      proc.kill('SIGTERM');
      await proc;
      const t1 = performance.now();
      const bare = execa(process.execPath, [BASELINE, '{}'], { reject: false });
      const url = await new Promise<string>((r) => bare.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
      await waitForHttp(url, 10_000);
      bareStarts.push(performance.now() - t1);
      bare.kill();
      await bare;
    }

    // Idle RSS and throughput on one long-lived node.
    const port = await freePort();
    const node = spawnNode(config, port);
    const statusUrl = `http://127.0.0.1:${port}/api/v1/status`;
    await waitForHttp(statusUrl, 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    const nodeRss = await rssBytes(node.pid!);
    const body = await (await fetch(statusUrl)).text();
    const bare = execa(process.execPath, [BASELINE, body], { reject: false });
    const bareUrl = await new Promise<string>((r) => bare.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
    await waitForHttp(bareUrl, 5000);
    const bareRss = await rssBytes(bare.pid!);
    await load(statusUrl, 500);
    await load(bareUrl, 500);
    const nodeRps: number[] = [];
    const bareRps: number[] = [];
    for (let i = 0; i < 3; i++) {
      nodeRps.push(await load(statusUrl, 2000));
      bareRps.push(await load(bareUrl, 2000));
    }
    node.kill('SIGTERM');
    bare.kill();
    await Promise.all([node, bare]);

    const mb = (b: number) => b / 1024 / 1024;
    const rpsRatio = median(nodeRps) / median(bareRps);
    return [
      { name: 'Idle node RSS', value: mb(nodeRss), unit: 'MB', baseline: mb(bareRss), ratio: nodeRss / bareRss, target: '≤ 80 MB', met: mb(nodeRss) <= 80, note: 'baseline: bare node:http process' },
      { name: 'Process start → first /status', value: median(nodeStarts), unit: 'ms', baseline: median(bareStarts), ratio: median(nodeStarts) / median(bareStarts), target: '≤ 1500 ms', met: median(nodeStarts) <= 1500, note: `median of 5; node runs ${nodeStarts.map((x) => fmt(x, 0)).join(', ')} ms` },
      { name: '/api/v1/status throughput', value: median(nodeRps), unit: 'req/s', baseline: median(bareRps), ratio: rpsRatio, target: 'ratio ≥ 0.8', met: rpsRatio >= 0.8, note: `median of 3 alternated 2 s rounds, 8 keep-alive clients; body ${body.length} B` },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
