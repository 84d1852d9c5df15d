import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { type Row, fmt, freePort, median, spawnNode, waitForHttp } from './lib.js';

const RUNS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Take { take?: number; firstFrameAt: number | null; durationS: number; startedAt?: number; resumes?: string; file: string }

/** The encoder of a node process: its ffmpeg child writing MP4 to stdout with progress. */
async function encoderOf(nodePid: number): Promise<number | null> {
  const kids = (await execa('pgrep', ['-P', String(nodePid), 'ffmpeg'], { reject: false })).stdout.split('\n').filter(Boolean);
  for (const pid of kids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('-progress') && cmd.includes('pipe:1')) return Number(pid);
  }
  return null;
}

async function until<T>(f: () => Promise<T | null>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A crashed encoder (issue: nothing lost): a real node records 720p30 H.264, its encoder is
 * SIGKILLed, and the node resumes as the next take (actors/recorder/resume.ts). The gap is the
 * video missing between the two files: take 1's first frame plus its duration, to take 2's
 * first frame. Baseline, in the same run: the same node's own start (POST /record/start to
 * the first frame), the least a resume can cost.
 */
export async function resumeBench(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-resume-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const data = join(dir, 'data');
  const config = join(dir, 'node.yaml');
  await writeFile(config, stringify({
    version: 1, camera: { id: 'CAM_C', source: 'synthetic' }, http: { host: '127.0.0.1', port: 1 },
    storage: { dataDir: data }, logging: { dir: join(dir, 'logs') },
    video: { width: 1280, height: 720, fps: 30, codec: 'h264', bitrateMbps: 4 }, recording: { plannedDurationMin: 5 },
  }));
  const node = spawnNode(config, port);
  const gaps: number[] = [];
  const starts: number[] = [];
  try {
    await waitForHttp(`${api}/status`, 15_000);
    for (let run = 0; run < RUNS; run++) {
      const sessionId = `resume-${run}`;
      const t0 = Date.now();
      const r = await fetch(`${api}/record/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId }) });
      if (!r.ok) throw new Error(`record/start: HTTP ${r.status} ${await r.text()}`);
      starts.push((await r.json() as { firstFrameAt: number }).firstFrameAt - t0);
      await sleep(3000);
      process.kill(await until(() => encoderOf(node.pid!), 5000, 'the encoder'), 'SIGKILL');
      await until(async () => {
        const s = await (await fetch(`${api}/status`)).json() as { state: string; warnings: Array<{ code: string }> };
        return s.state === 'recording' && s.warnings.some((w) => w.code === 'RECORDING_RESUMED') ? s : null;
      }, 15_000, 'the resumed take');
      await sleep(1000);
      await fetch(`${api}/record/stop`, { method: 'POST' });
      const takes = await Promise.all((await readdir(data)).filter((f) => f.startsWith(`${sessionId}_`) && f.endsWith('.json'))
        .map(async (f) => JSON.parse(await readFile(join(data, f), 'utf8')) as Take));
      const first = takes.find((m) => !m.resumes);
      const next = takes.find((m) => m.resumes === first?.file);
      if (!first?.firstFrameAt || !next?.firstFrameAt) throw new Error(`takes of ${sessionId}: ${JSON.stringify(takes)}`);
      gaps.push(next.firstFrameAt - (first.firstFrameAt + first.durationS * 1000));
    }
  } finally {
    node.kill('SIGTERM');
    await node;
    await rm(dir, { recursive: true, force: true });
  }
  const gap = median(gaps);
  const start = median(starts);
  return [{
    name: 'Video lost when the encoder crashes mid-recording (resumed as the next take)', value: gap, unit: 'ms', baseline: start, ratio: gap / start,
    target: '≤ 2000 ms (the last second or two)', met: Math.max(...gaps) <= 2000,
    note: `median of ${RUNS} SIGKILLs of a 720p30 H.264 encoder 3 s into a take: ${gaps.map((g) => fmt(g, 0)).join(', ')} ms from the last frame of take 1 to the first of take 2; baseline = the same node's own start, POST /record/start to its first frame (${starts.map((s) => fmt(s, 0)).join(', ')} ms)`,
  }];
}
