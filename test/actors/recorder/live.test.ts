import test from 'ava';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNode, type RunningNode } from '../../../runtime/node.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { probeMedia } from '../../../actors/recorder/probe.js';
import { writeTestConfig } from '../../helpers/config.js';
import { tempDir } from '../../helpers/tmp.js';
import { fakeProbe } from '../../helpers/probe.js';
import { waitFor } from '../../helpers/net.js';
import { fragmentsIn, sha256sum } from './helpers.js';

async function liveNode(t: any, load: () => number): Promise<RunningNode> {
  const dir = await tempDir(t);
  const configPath = await writeTestConfig(dir, {
    recording: { plannedDurationMin: 1 },
    video: { width: 640, height: 360, bitrateMbps: 1 },
    live: { enabled: true, height: 180, bitrateMbps: 0.5, maxCpuPercent: 85 },
  });
  const n = await startNode({ configPath, overrides: { httpPort: 0 }, probe: fakeProbe({ loadPercent: async () => load() }) });
  t.teardown(() => n.stop());
  return n;
}

test.serial('Grandma Mode: a low-resolution HLS stream beside the recording, served over HTTP', async (t) => {
  const n = await liveNode(t, () => 20);
  const off = await n.app.inject({ method: 'GET', url: '/api/v1/live/live.m3u8' });
  t.is(off.statusCode, 404);
  t.is(off.json().error.code, 'LIVE_OFF');
  t.is((await n.app.inject({ method: 'POST', url: '/api/v1/record/start' })).statusCode, 200);
  t.is(n.board.snapshot().live.state, 'on');
  const playlist = await waitFor(async () => {
    const r = await n.app.inject({ method: 'GET', url: '/api/v1/live/live.m3u8' });
    return r.statusCode === 200 && /live-\d{5}\.ts/.test(r.body) ? r : null;
  }, 15_000, 250);
  t.is(playlist.headers['content-type'], 'application/vnd.apple.mpegurl');
  t.regex(playlist.body, /^#EXTM3U/);
  const seg = /live-\d{5}\.ts/.exec(playlist.body)![0];
  const segment = await n.app.inject({ method: 'GET', url: `/api/v1/live/${seg}` });
  t.is(segment.statusCode, 200);
  t.is(segment.headers['content-type'], 'video/mp2t');
  // Probe the bytes as served (the file itself may already be rotated away).
  const segPath = join(await tempDir(t, 'seg-'), seg);
  await writeFile(segPath, segment.rawPayload);
  const info = await probeMedia(execaRunner, segPath);
  t.is(info.codec, 'h264');
  t.is(info.height, 180);
  t.is(info.width, 320);
  const bad = await n.app.inject({ method: 'GET', url: '/api/v1/live/..%2Fnode.yaml' });
  t.is(bad.statusCode, 400);
  const m = (await n.app.inject({ method: 'POST', url: '/api/v1/record/stop' })).json().manifest;
  t.is(m.video.width, 640, 'the recording itself is untouched by the live stream');
  t.is(m.sha256, await sha256sum(join(n.config.current.storage.dataDir, m.file)));
  t.is(n.board.snapshot().live.state, 'off');
});

test.serial('Grandma Mode switches itself off under high CPU load; the recording goes on', async (t) => {
  let load = 20;
  const n = await liveNode(t, () => load);
  t.is((await n.app.inject({ method: 'POST', url: '/api/v1/record/start' })).statusCode, 200);
  await waitFor(async () => n.board.snapshot().live.state === 'on', 15_000, 50);
  load = 97;
  const st = await waitFor(async () => { const s = n.board.snapshot(); return s.live.state === 'off' ? s : null; }, 10_000, 100);
  t.regex(st.live.reason!, /CPU load 97 % above 85 %/);
  t.is(st.state, 'recording', 'the recording goes on');
  const file = join(n.config.current.storage.dataDir, st.recording.file!);
  const before = await fragmentsIn(file);
  await waitFor(async () => (await fragmentsIn(file)) > before, 15_000, 100);
  const m = (await n.app.inject({ method: 'POST', url: '/api/v1/record/stop' })).json().manifest;
  t.false(m.incomplete);
  const logs = (await n.app.inject({ method: 'GET', url: '/api/v1/logs' })).json();
  t.true(logs.entries.some((e: any) => e.code === 'LIVE_OFF'));
  t.true((await readdir(join(n.config.current.storage.dataDir))).includes(m.file));
  t.truthy(await readFile(join(n.config.current.storage.dataDir, m.file)));
});
