import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { type Row, median, cpuSeconds, waitForHttp, spawnNode, fmt, freePort } from './lib.js';

const WINDOW_S = 30;
const SSE_CLIENTS = 5;
const TARGET_FPS = 30;
interface LoopWindow { p50: number; p99: number; max: number; endedAt: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ffmpeg children of the node process (encoder, and the low-priority preview). */
async function ffmpegChildren(pid: number): Promise<number[]> {
  const r = await execa('pgrep', ['-P', String(pid), 'ffmpeg'], { reject: false });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** One real SSE client over fetch streaming; counts the events it receives until aborted. */
function sseClient(url: string, signal: AbortSignal): { events: () => number; done: Promise<void> } {
  let events = 0;
  const done = (async () => {
    try {
      const res = await fetch(url, { signal });
      if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
      const dec = new TextDecoder();
      for await (const chunk of res.body) events += (dec.decode(chunk as Uint8Array, { stream: true }).match(/^event: /gm) ?? []).length;
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  })();
  return { events: () => events, done };
}

interface Window {
  wallS: number; nodeCpu: number; encCpu: number; previewCpu: number; ffmpegs: number;
  loop: { p50: number; p99: number; max: number }; loopWindows: LoopWindow[]; loopAtStart: number; uptimeS: number; windowShare: number;
  fps: number[]; dropped: number | null; sseEvents: number[]; sseSeen: number;
}

/**
 * One node, booted fresh, under a phone-like load (/status once a second, 5 SSE live
 * views) for WINDOW_S seconds, recording or not. Returns the CPU of the node and of its
 * ffmpeg children over the window (from /proc) and the node's own event-loop histogram.
 */
async function session(record: boolean): Promise<Window> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-bench-rec-'));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const config = join(dir, 'node.yaml');
  await writeFile(config, stringify({
    version: 1, camera: { id: 'CAM_C', source: 'synthetic' }, http: { host: '127.0.0.1', port: 1 },
    storage: { dataDir: join(dir, 'data') }, logging: { dir: join(dir, 'logs') },
    video: { width: 1280, height: 720, fps: TARGET_FPS, codec: 'h265', bitrateMbps: 4 },
    recording: { plannedDurationMin: 5 }, // so the free-space gate passes on a small temp disk
  }));
  const node = spawnNode(config, port);
  const abort = new AbortController();
  let seen: number[] = [];
  try {
    await waitForHttp(`${api}/status`, 10_000);
    // Start at once: the event-loop histogram is cumulative since process start, so the
    // sooner the window begins, the more the reading at the end reflects the window.
    const loopAtStart = (await (await fetch(`${api}/metrics`)).json() as { eventLoopDelayMs: { p99: number } }).eventLoopDelayMs.p99;
    const t0 = performance.now();
    if (record) {
      const start = await fetch(`${api}/record/start`, { method: 'POST' });
      if (!start.ok) throw new Error(`record/start: HTTP ${start.status} ${await start.text()}`);
      await start.json();
    }
    const clients = Array.from({ length: SSE_CLIENTS }, () => sseClient(`${api}/events`, abort.signal));
    await sleep(2000); // let the preview ffmpeg come up and the encoder settle
    seen = await ffmpegChildren(node.pid!);
    if (record && seen.length === 0) throw new Error('no ffmpeg child of the node found');

    const cpu0 = { node: await cpuSeconds(node.pid!), ff: await Promise.all(seen.map(cpuSeconds)) };
    const t1 = performance.now();
    const fps: number[] = [];
    const loopWindows: LoopWindow[] = [];
    let dropped: number | null = null;
    for (let i = 0; i < WINDOW_S; i++) {
      await sleep(1000);
      if (i % 10 === 9) {
        // The node rotates a 10-s event-loop window; keep each one that ended inside ours.
        const w = (await (await fetch(`${api}/metrics`)).json() as { eventLoopDelayMs: { lastWindow: LoopWindow | null } }).eventLoopDelayMs.lastWindow;
        if (w && Date.now() - w.endedAt < 10_000 && !loopWindows.some((x) => x.endedAt === w.endedAt)) loopWindows.push(w);
      }
      const s = await (await fetch(`${api}/status`)).json() as { state: string; encoder: { fps: number | null; droppedFrames: number | null } };
      if (s.state !== (record ? 'recording' : 'idle')) throw new Error(`node state ${s.state} during the window`);
      if (s.encoder.fps !== null) fps.push(s.encoder.fps);
      dropped = s.encoder.droppedFrames;
    }
    const wallS = (performance.now() - t1) / 1000;
    const nodeCpu = (await cpuSeconds(node.pid!)) - cpu0.node;
    const ffCpu = await Promise.all(seen.map(async (pid, i) => (await cpuSeconds(pid)) - cpu0.ff[i]!));
    const m = await (await fetch(`${api}/metrics`)).json() as { uptimeS: number; eventLoopDelayMs: Window['loop']; http: { sseClients: number } };
    const windowS = (performance.now() - t0) / 1000;
    const sseEvents = clients.map((c) => c.events());

    if (record) {
      const stop = await fetch(`${api}/record/stop`, { method: 'POST' });
      if (!stop.ok) throw new Error(`record/stop: HTTP ${stop.status} ${await stop.text()}`);
      await stop.json();
    }
    abort.abort();
    await Promise.all(clients.map((c) => c.done));

    // The encoder is the ffmpeg that burns the most CPU; anything else is the preview.
    const sorted = [...ffCpu].sort((a, b) => b - a);
    return {
      wallS, nodeCpu, encCpu: sorted[0] ?? 0, previewCpu: sorted.slice(1).reduce((a, b) => a + b, 0), ffmpegs: seen.length,
      loop: m.eventLoopDelayMs, loopWindows, loopAtStart, uptimeS: m.uptimeS, windowShare: windowS / m.uptimeS,
      fps, dropped, sseEvents, sseSeen: m.http.sseClients,
    };
  } finally {
    abort.abort();
    node.kill('SIGTERM');
    await node;
    // The node must take its encoder down with it; a leftover ffmpeg would be a product bug.
    const stray = seen.filter(alive);
    for (const pid of stray) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
    if (stray.length) throw new Error(`ffmpeg pids ${stray.join(', ')} outlived the node (killed)`);
  }
}

/**
 * Recorder overhead: the node process is supposed to be a thin supervisor around the
 * encoder. A node records 720p30 H.265 from the synthetic camera for 30 s under the load
 * above; the same load on a freshly booted idle node is the baseline, so what recording
 * adds to the node's CPU and event-loop delay is visible beside it.
 */
export async function recording(): Promise<Row[]> {
  const idle = await session(false);
  const rec = await session(true);

  const pctOfEnc = (100 * rec.nodeCpu) / rec.encCpu;
  const pctCore = (100 * rec.nodeCpu) / rec.wallS;
  const idlePct = (100 * idle.nodeCpu) / idle.wallS;
  // The node's own 10-s windows (resolution already subtracted by the node): the worst window
  // while recording, against the worst window of the idle baseline.
  const worst = (ws: LoopWindow[]) => (ws.length ? Math.max(...ws.map((w) => w.p99)) : NaN);
  const recLoop = worst(rec.loopWindows);
  const idleLoop = worst(idle.loopWindows);
  const fpsMed = rec.fps.length ? median(rec.fps) : NaN;
  const load = `/status 1/s + ${SSE_CLIENTS} SSE clients (${rec.sseEvents.join('/')} events each, node counted ${rec.sseSeen})`;
  return [
    { name: 'Node CPU / encoder CPU while recording', value: pctOfEnc, unit: '%', ratio: rec.nodeCpu / rec.encCpu, target: '≤ 5 %', met: pctOfEnc <= 5,
      note: `${fmt(rec.wallS, 0)} s window, /proc utime+stime: node ${fmt(rec.nodeCpu, 2)} s, encoder ffmpeg ${fmt(rec.encCpu, 2)} s (${fmt((100 * rec.encCpu) / rec.wallS, 0)} % of a core), preview ffmpeg ${rec.ffmpegs > 1 ? `${fmt(rec.previewCpu, 2)} s` : 'not running'}; load: ${load}` },
    { name: 'Node CPU while recording', value: pctCore, unit: '% of a core', baseline: idlePct, ratio: pctCore / idlePct, target: '≤ 3 %', met: pctCore <= 3,
      note: 'node process only (HTTP, SSE, progress parsing, hashing writer); baseline: a fresh idle node under the same load over the same window' },
    { name: 'Event-loop delay p99 while recording', value: recLoop, unit: 'ms', baseline: idleLoop, ratio: recLoop / idleLoop, target: '< 5 ms', met: recLoop < 5,
      note: `worst p99 of the node's own 10-s event-loop windows (/api/v1/metrics eventLoopDelayMs.lastWindow, sampling interval already subtracted) that ended inside the recording window: ${rec.loopWindows.map((w) => fmt(w.p99, 2)).join(', ')} ms; lifetime p99 incl. boot ${fmt(rec.loop.p99, 2)} ms; baseline: worst window of a fresh idle node under the same load` },
    { name: 'Encoder fps sustained (720p30 h265, synthetic)', value: fpsMed, unit: 'fps', baseline: TARGET_FPS, ratio: fpsMed / TARGET_FPS, target: 'report', met: null,
      note: `median of ${rec.fps.length} 1-s /status reads of encoder.fps (min ${fmt(Math.min(...rec.fps))}, max ${fmt(Math.max(...rec.fps))}); droppedFrames at end: ${rec.dropped ?? 'n/a'}; baseline = target fps` },
  ];
}
