import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { NODE_FLAGS } from '../runtime/node-flags.js';
import { type Row, fmt, median, rssBytes, spawnNode, waitForHttp, freePort } from './lib.js';

const MB = 1e6;
/** A full match: 110 min at 35 Mbps (video only), about 28.9 GB. */
export const MATCH_BYTES = Math.round(110 * 60 * 35e6 / 8);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OffloadBenchOptions {
  /** Size of the file downloaded (default 1 GB; env SOCCER_RIG_BENCH_DOWNLOAD_MB). */
  downloadBytes?: number;
  /** Bytes fed through the recording path (default 1 GB; env SOCCER_RIG_BENCH_SOAK=match for a full match, or a number of MB). */
  soakBytes?: number;
}

function soakBytesFromEnv(): number {
  const v = process.env.SOCCER_RIG_BENCH_SOAK;
  if (v === 'match') return MATCH_BYTES;
  return v && Number(v) > 0 ? Number(v) * MB : 1000 * MB;
}

/** A file of incompressible bytes (a 4 MB random block repeated); returns its SHA-256. */
async function bigFile(path: string, bytes: number): Promise<string> {
  const block = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  const h = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let done = 0; done < bytes; done += block.length) {
      const chunk = block.subarray(0, Math.min(block.length, bytes - done));
      h.update(chunk);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** GETs a URL to the end, discarding the body; bytes per second. */
function downloadRate(url: string): Promise<{ bytes: number; mbps: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ bytes, mbps: bytes / MB / ((performance.now() - t0) / 1000) }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

async function firstLine(p: ResultPromise): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    p.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    void p.then(() => reject(new Error(`exited before printing its URL: ${buf}`)));
  });
}

const json = async <T>(url: string, method = 'GET'): Promise<T> => {
  const r = await fetch(url, { method });
  if (!r.ok) throw new Error(`${method} ${url}: HTTP ${r.status} ${await r.text()}`);
  return await r.json() as T;
};

interface Status { state: string; encoder: { fps: number | null; droppedFrames: number | null }; recording: { file: string | null } }

/**
 * Download from a node against a bare node:http pipe of the same file, alternated, while
 * the node records 720p30 H.265 from its synthetic camera: the throughput ratio, and the
 * frames the recording dropped meanwhile.
 */
async function downloads(bytes: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-offload-'));
  const data = join(dir, 'data');
  await mkdir(data);
  const file = 'bench-dl_CAM_C_20260101_120000.mp4';
  const sha256 = await bigFile(join(data, file), bytes);
  // A finished recording's manifest beside it, so the node serves it as one (and does not try to recover it).
  await writeFile(join(data, 'bench-dl_CAM_C.json'), JSON.stringify({
    file, sessionId: 'bench-dl', cameraId: 'CAM_C', cameraPosition: '', startAt: 0, firstFrameAt: 0, offsetMs: 0, durationS: 1,
    video: { width: 1280, height: 720, fps: 30, codec: 'h265', bitrateMbps: 4 }, droppedFrames: 0, sha256, sizeBytes: bytes,
    snapshot: null, softwareVersion: 'bench', offloaded: false, incomplete: false,
  }));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const config = join(dir, 'node.yaml');
  await writeFile(config, stringify({
    version: 1, camera: { id: 'CAM_C', source: 'synthetic' }, http: { host: '127.0.0.1', port: 1 },
    storage: { dataDir: data }, logging: { dir: join(dir, 'logs') },
    video: { width: 1280, height: 720, fps: 30, codec: 'h265', bitrateMbps: 4 }, recording: { plannedDurationMin: 5 },
  }));
  const node = spawnNode(config, port);
  const bare = execa(process.execPath, [here('./pipe-server.js'), join(data, file)], { reject: false, stdin: 'ignore', stderr: 'inherit' });
  const bareLine = firstLine(bare); // listening from the start: execa reads stdout at once
  bareLine.catch(() => undefined);
  try {
    await waitForHttp(`${api}/status`, 15_000);
    const bareUrl = await bareLine;
    await downloadRate(bareUrl); // warm the page cache: both then read from memory
    await json(`${api}/record/start`, 'POST');
    await sleep(2000);
    const before = (await json<Status>(`${api}/status`)).encoder.droppedFrames ?? 0;
    const fromNode: number[] = [];
    const fromBare: number[] = [];
    for (let i = 0; i < 3; i++) {
      fromNode.push((await downloadRate(`http://127.0.0.1:${port}/recordings/${file}`)).mbps);
      fromBare.push((await downloadRate(bareUrl)).mbps);
    }
    const s = await json<Status>(`${api}/status`);
    if (s.state !== 'recording') throw new Error(`the recording stopped during the downloads (${s.state})`);
    const dropped = (s.encoder.droppedFrames ?? 0) - before;
    await json(`${api}/record/stop`, 'POST');
    const n = median(fromNode);
    const b = median(fromBare);
    return [
      { name: 'Download from a node (GET /recordings/<file>)', value: n, unit: 'MB/s', baseline: b, ratio: n / b, target: '≥ 0.9× bare pipe', met: n / b >= 0.9,
        note: `median of 3 downloads of a ${fmt(bytes / MB, 0)} MB file (page cache warm), alternated with a bare node:http createReadStream().pipe(res) of the same file in its own process (baseline); node: ${fromNode.map((x) => fmt(x, 0)).join('/')}, bare: ${fromBare.map((x) => fmt(x, 0)).join('/')} MB/s; the node records 720p30 h265 meanwhile` },
      { name: 'Frames dropped by a recording during the downloads', value: dropped, unit: 'frames', target: '0', met: dropped === 0,
        note: `encoder.droppedFrames before and after the 6 downloads (720p30 h265 synthetic, same node); encoder fps at the end ${fmt(s.encoder.fps ?? NaN)}` },
    ];
  } finally {
    node.kill('SIGTERM');
    bare.kill('SIGTERM');
    await Promise.all([node, bare]);
    await rm(dir, { recursive: true, force: true });
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/**
 * Match-scale soak: a real node (own process, production heap flags) records from a V4L2
 * H.264 camera by stream copy, its capture device a clip looped as fast as it reads, until
 * `bytes` are on disk. RSS at the start and end of the recording, and the time from stop to
 * the final manifest with its checksum (the hashing writer hashed while writing, so no re-read).
 */
async function soak(bytes: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-soak-'));
  // MP4, not raw H.264: -stream_loop needs an input it can seek in.
  const clip = join(dir, 'clip.mp4');
  // Noise keeps the clip near its bitrate (a test pattern alone compresses to almost nothing).
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-vf', 'noise=alls=40:allf=t+u',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '35M', '-maxrate', '35M', '-bufsize', '70M', '-g', '30', clip]);
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const config = join(dir, 'node.yaml');
  await writeFile(config, stringify({
    version: 1, camera: { id: 'CAM_C', source: 'v4l2', device: clip, inputCodec: 'h264' }, http: { host: '127.0.0.1', port },
    storage: { dataDir: join(dir, 'data') }, logging: { dir: join(dir, 'logs') }, audio: { enabled: false },
    video: { width: 1280, height: 720, fps: 30, codec: 'h264', bitrateMbps: 35 }, recording: { plannedDurationMin: 1 },
  }));
  const node = execa(process.execPath, [...NODE_FLAGS, here('./soak-node.js'), config, clip], { reject: false, stdin: 'ignore', stderr: 'inherit' });
  try {
    await firstLine(node);
    await json(`${api}/record/start`, 'POST');
    const t0 = performance.now();
    let s = await json<Status>(`${api}/status`);
    for (let i = 0; s.state !== 'recording' && i < 100; i++) { await sleep(100); s = await json<Status>(`${api}/status`); }
    const path = join(dir, 'data', s.recording.file ?? '');
    await sleep(1000); // past the start: buffers and the first fragments settled
    const rssStart = await rssBytes(node.pid!);
    let rssMax = rssStart;
    let size = 0;
    while (size < bytes) {
      await sleep(500);
      size = (await stat(path)).size;
      rssMax = Math.max(rssMax, await rssBytes(node.pid!));
      if ((await json<Status>(`${api}/status`)).state !== 'recording') throw new Error('the recording stopped during the soak');
    }
    const rssEnd = await rssBytes(node.pid!);
    const wallS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const stop = await json<{ manifest: { sha256: string | null; sizeBytes: number } }>(`${api}/record/stop`, 'POST');
    const stopMs = performance.now() - t1;
    const m = stop.manifest;
    const verified = m.sha256 !== null && m.sha256 === await sha256File(path);
    const rate = m.sizeBytes / MB / wallS;
    const realTime = 35e6 / 8 / MB;
    const rssGrowth = (rssEnd - rssStart) / MB;
    return [
      { name: 'Soak: node RSS at start → end of a recording', value: rssEnd / MB, unit: 'MB', baseline: rssStart / MB, ratio: rssEnd / rssStart, target: 'flat (≤ +10 %)', met: rssEnd <= rssStart * 1.1,
        note: `${fmt(m.sizeBytes / 1e9, 2)} GB recorded (${fmt((m.sizeBytes / MATCH_BYTES) * 100, 1)} % of a 110-min 35-Mbps match; SOCCER_RIG_BENCH_SOAK=match for all of it); RSS max ${fmt(rssMax / MB, 0)} MB, growth ${fmt(rssGrowth, 1)} MB; node process with production heap flags` },
      { name: 'Soak: stop → final manifest with its checksum', value: stopMs, unit: 'ms', target: '≤ 1000 ms', met: stopMs <= 1000 && verified,
        note: `POST /record/stop answered with the final manifest; its sha256 ${verified ? 'equals' : 'DIFFERS from'} a fresh hash of the ${fmt(m.sizeBytes / MB, 0)} MB file` },
      { name: 'Soak: recording path throughput (stream copy)', value: rate, unit: 'MB/s', baseline: realTime, ratio: rate / realTime, target: 'report', met: null,
        note: `a 4-s 720p H.264 clip (noise, 35 Mbps) looped by ffmpeg -stream_loop as the V4L2 device; baseline = a 35-Mbps camera in real time (${fmt(realTime, 2)} MB/s)` },
    ];
  } finally {
    node.kill('SIGTERM');
    await node;
    await rm(dir, { recursive: true, force: true });
  }
}

/** Offload and match-scale benchmarks (issue 11): download vs bare pipe with a recording running, and the soak. */
export async function offloadBench(o: OffloadBenchOptions = {}): Promise<Row[]> {
  const dl = o.downloadBytes ?? (Number(process.env.SOCCER_RIG_BENCH_DOWNLOAD_MB) > 0 ? Number(process.env.SOCCER_RIG_BENCH_DOWNLOAD_MB) * MB : 1000 * MB);
  return [...await downloads(dl), ...await soak(o.soakBytes ?? soakBytesFromEnv())];
}
