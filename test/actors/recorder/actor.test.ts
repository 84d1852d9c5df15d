import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { sourceSpec } from '../../../actors/recorder/command.js';
import { buildEncoderCommand } from '../../../actors/recorder/command.js';
import { probeMedia } from '../../../actors/recorder/probe.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { ManifestSchema } from '../../../actors/recorder/manifest.js';
import { startNode, type RunningNode } from '../../../runtime/node.js';
import { testConfig, writeTestConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/net.js';
import { alive, tempDir, trackingRunner } from './helpers.js';

/**
 * V4L2 cameras: the argv the Recorder builds from each `camera.inputCodec` must be one the
 * real ffmpeg accepts. There is no /dev/video* here (and no v4l2loopback module), so the
 * v4l2 demuxer cannot open a device; what these tests prove, with ffmpeg's own answers:
 *  1. every option passed to the v4l2 demuxer is one it declares (`ffmpeg -h demuxer=v4l2`);
 *  2. the `-input_format` value is a name ffmpeg resolves, as a pixel format (`-pix_fmts`) or
 *     a codec (`-codecs`): the exact lookup libavdevice/v4l2.c does before it fails with
 *     "No such input format" (the default `raw` failed here);
 *  3. the rest of the command (encode or stream copy, fragmented MP4 on stdout, progress)
 *     runs in the real ffmpeg when the device input is swapped for a source of the same kind,
 *     size and rate, and produces a file of the expected codec.
 * What stays unproven here is the device negotiation itself (which raw format a given camera
 * offers); that needs a camera.
 */

const inputCodecs = ['raw', 'mjpeg', 'h264', 'hevc'] as const;

async function ffmpegNames(): Promise<{ demuxerOptions: Set<string>; pixFmts: Set<string>; codecs: Set<string> }> {
  const h = (await execa('ffmpeg', ['-hide_banner', '-h', 'demuxer=v4l2'])).stdout;
  const demuxerOptions = new Set([...h.matchAll(/^\s+-(\w+)\s+</gm)].map((m) => m[1]!));
  const pixFmts = new Set((await execa('ffmpeg', ['-hide_banner', '-pix_fmts'])).stdout.split('\n').map((l) => l.trim().split(/\s+/)[1] ?? ''));
  const codecs = new Set((await execa('ffmpeg', ['-hide_banner', '-codecs'])).stdout.split('\n').map((l) => l.trim().split(/\s+/)[1] ?? ''));
  return { demuxerOptions, pixFmts, codecs };
}

function v4l2Argv(inputCodec: (typeof inputCodecs)[number]) {
  const cfg = testConfig('/tmp/unused', { camera: { source: 'v4l2', device: '/dev/video0', inputCodec } });
  return buildEncoderCommand({
    source: sourceSpec(cfg), width: 320, height: 240, fps: 30, codec: 'h264', bitrateMbps: 1, audio: false,
  });
}

/** The v4l2 input's options: between `-f v4l2` and its `-i`. */
function v4l2Input(args: string[]): { from: number; to: number; options: Map<string, string> } {
  const from = args.indexOf('v4l2') - 1;
  const to = args.indexOf('-i', from) + 1;
  const options = new Map<string, string>();
  for (let i = from + 2; i < to - 1; i += 2) options.set(args[i]!.replace(/^-/, ''), args[i + 1]!);
  return { from, to, options };
}

const names = ffmpegNames();

for (const inputCodec of inputCodecs) {
  test(`v4l2 inputCodec ${inputCodec}: every demuxer option is one ffmpeg's v4l2 demuxer declares, and the input_format value resolves`, async (t) => {
    const { demuxerOptions, pixFmts, codecs } = await names;
    const { options } = v4l2Input(v4l2Argv(inputCodec).ffmpeg.args);
    t.true(options.size >= 3, [...options.keys()].join(' '));
    for (const key of options.keys()) t.true(demuxerOptions.has(key), `v4l2 demuxer option -${key}`);
    const fmt = options.get('input_format')!;
    t.true(pixFmts.has(fmt) || codecs.has(fmt), `-input_format ${fmt} is neither a pixel format nor a codec ffmpeg knows`);
  });

  test(`v4l2 inputCodec ${inputCodec}: the rest of the argv runs in the real ffmpeg with the device swapped for a same-kind source`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rec-argv-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const cmd = v4l2Argv(inputCodec);
    const args = [...cmd.ffmpeg.args];
    const { from, to } = v4l2Input(args);
    // What the camera would deliver: raw frames, MJPEG, or an H.264/HEVC bitstream (copied).
    let input: string[];
    if (inputCodec === 'h264' || inputCodec === 'hevc') {
      const es = join(dir, `camera.${inputCodec}`);
      await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '1',
        '-c:v', inputCodec === 'h264' ? 'libx264' : 'libx265', '-x265-params', 'log-level=error', '-f', inputCodec, es]);
      input = ['-f', inputCodec, '-framerate', '30', '-i', es];
    } else if (inputCodec === 'mjpeg') {
      const mj = join(dir, 'camera.mjpeg');
      await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '1', '-c:v', 'mjpeg', '-f', 'mjpeg', mj]);
      input = ['-f', 'mjpeg', '-framerate', '30', '-i', mj];
    } else {
      input = ['-f', 'lavfi', '-t', '1', '-i', 'testsrc2=size=320x240:rate=30'];
    }
    args.splice(from, to - from + 1, ...input);
    const out = join(dir, 'out.mp4');
    const r = await execa(cmd.ffmpeg.file, args.map((a) => (a === 'pipe:1' ? out : a)), { reject: false });
    t.is(r.exitCode, 0, r.stderr.split('\n').filter((l) => !l.includes('=')).join('\n'));
    const info = await probeMedia(execaRunner, out);
    t.is(info.codec, inputCodec === 'hevc' ? 'hevc' : 'h264');
    t.is(info.width, 320);
  });
}

test('the default config (inputCodec raw) reaches ffmpeg as -input_format rawvideo, not the unknown "raw"', (t) => {
  const { options } = v4l2Input(v4l2Argv('raw').ffmpeg.args);
  t.is(options.get('input_format'), 'rawvideo');
});

// ---- The actor in a real node: shutdown and stop racing a start (issue 11.6), warnings (11.7, 11.10)

async function nodeWith(t: any, overrides: Record<string, unknown> = {}) {
  const dir = await tempDir(t);
  const { runner, pids } = trackingRunner();
  const configPath = await writeTestConfig(dir, { recording: { plannedDurationMin: 1 }, ...overrides });
  const n = await startNode({ configPath, overrides: { httpPort: 0 }, runner });
  t.teardown(() => n.stop());
  return { n, pids, dataDir: n.config.current.storage.dataDir };
}

const post = (n: RunningNode, url: string, payload?: object) => n.app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) });

async function manifestsIn(dataDir: string) {
  const names = (await readdir(dataDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  return Promise.all(names.map(async (f) => ManifestSchema.parse(JSON.parse(await readFile(join(dataDir, f), 'utf8')))));
}

test.serial('node stopped while a start is being handled: the encoder it spawned is stopped and the take gets a final manifest', async (t) => {
  const { n, pids, dataDir } = await nodeWith(t);
  const start = post(n, '/api/v1/record/start', { sessionId: 'race-stop' });
  // The recorder is inside the start: its encoder exists, the start has not been answered.
  await waitFor(async () => pids.length > 0, 20_000, 5);
  await n.stop('shutdown during start');
  await start.catch(() => undefined);
  t.deepEqual(pids.filter(alive), [], 'no encoder outlives the node');
  const ms = await manifestsIn(dataDir);
  t.is(ms.length, 1, 'the take that was starting is finalised');
  t.false(ms[0]!.inProgress);
  t.is(ms[0]!.stopReason, 'node stopping');
});

test.serial('start, stop and stop-all sent together, then shutdown: every reply arrives, no encoder left, no manifest in progress', async (t) => {
  const { n, pids, dataDir } = await nodeWith(t);
  const [start, stop, all] = await Promise.all([
    post(n, '/api/v1/record/start', { sessionId: 'race-all' }),
    post(n, '/api/v1/record/stop'),
    n.rig.stopAll(),
  ]);
  t.is(start.statusCode, 200, start.body);
  t.is(stop.statusCode, 200, stop.body);
  t.truthy(all);
  await n.stop();
  t.deepEqual(pids.filter(alive), []);
  const ms = await manifestsIn(dataDir);
  t.is(ms.length, 1);
  t.false(ms[0]!.inProgress, 'a final manifest');
});

test.serial('node stopped while armed for a start instant: the waiting encoder is stopped, nothing left in progress', async (t) => {
  const { n, pids, dataDir } = await nodeWith(t);
  const start = post(n, '/api/v1/record/start', { sessionId: 'race-armed', startAt: Date.now() + 4000 });
  await waitFor(async () => n.board.snapshot().state === 'armed', 20_000, 5);
  t.true(pids.length > 0, 'the encoder waits for the instant');
  await n.stop();
  const reply = await start.catch(() => null);
  t.not(reply?.statusCode, 200, 'the armed start never reports a recording');
  t.deepEqual(pids.filter(alive), []);
  t.deepEqual((await manifestsIn(dataDir)).filter((m) => m.inProgress), []);
});

test.serial('a reserve that cannot be written and a final manifest that cannot be written at shutdown are warnings with codes, in status and (the reserve, while HTTP still answers) the log', async (t) => {
  const { n, dataDir } = await nodeWith(t);
  // A directory where the reserve file goes: writing it fails, as on a full or read-only disk.
  await mkdir(join(dataDir, '.manifest-reserve-CAM_L'), { recursive: true });
  const start = await post(n, '/api/v1/record/start', { sessionId: 'warn-1' });
  t.is(start.statusCode, 200, start.body);
  const reserve = await waitFor(async () => n.board.snapshot().warnings.find((w) => w.code === 'RESERVE_FAILED'), 10_000);
  t.regex(reserve.message, /final manifest/);
  const logs = (await n.app.inject({ method: 'GET', url: '/api/v1/logs' })).json() as { entries: Array<{ code?: string; level?: number }> };
  t.true(logs.entries.some((e) => e.code === 'RESERVE_FAILED'), 'logged with its code');
  // The data directory goes away under the recording (a pulled disk): the final manifest cannot be written.
  await rename(dataDir, `${dataDir}-gone`);
  t.teardown(() => rm(`${dataDir}-gone`, { recursive: true, force: true }));
  await n.stop();
  // The node stops its recording through the recorder's own stop (runtime/node-actors.ts), so the
  // failure is the stop's: the final manifest was not written, said with its code and the file.
  const finalise = n.board.snapshot().warnings.find((w) => w.code === 'MANIFEST_WRITE_FAILED');
  t.truthy(finalise, JSON.stringify(n.board.snapshot().warnings));
  t.regex(finalise!.message, /warn-1_CAM_L_\d{8}_\d{6}\.mp4: final manifest not written/);
});

test.serial('a recorder stopped without its stop message (its supervisor ends it) still finalises, and a failure there is FINALISE_FAILED in status', async (t) => {
  const { n, dataDir } = await nodeWith(t);
  const start = await post(n, '/api/v1/record/start', { sessionId: 'warn-2' });
  t.is(start.statusCode, 200, start.body);
  await rename(dataDir, `${dataDir}-gone`);
  t.teardown(() => rm(`${dataDir}-gone`, { recursive: true, force: true }));
  await n.actors.recorder!.stop();
  const finalise = n.board.snapshot().warnings.find((w) => w.code === 'FINALISE_FAILED');
  t.truthy(finalise, JSON.stringify(n.board.snapshot().warnings));
  t.regex(finalise!.message, /not finalised at shutdown/);
});

test.serial('an encoder that cannot keep up (1080p HEVC, medium preset, 2 cores) raises ENCODER_SLOW in status with its rate', async (t) => {
  const { n } = await nodeWith(t, { video: { width: 1920, height: 1080, fps: 30, codec: 'h265', bitrateMbps: 8, preset: 'medium' } });
  const start = await post(n, '/api/v1/record/start', { sessionId: 'slow-1' });
  t.is(start.statusCode, 200, start.body);
  const slow = await waitFor(async () => n.board.snapshot().warnings.find((w) => w.code === 'ENCODER_SLOW'), 60_000, 100);
  t.regex(slow.message, /[\d.]+ fps of 30/);
  t.is(n.board.snapshot().encoder.keepingUp, false);
  t.is((await post(n, '/api/v1/record/stop')).statusCode, 200);
  t.falsy(n.board.snapshot().warnings.find((w) => w.code === 'ENCODER_SLOW'), 'gone with the recording');
});

/** The recording encoder among the processes the node spawned: the ffmpeg writing MP4 to stdout with progress. */
async function encoderOf(pids: number[]): Promise<number | null> {
  for (const pid of [...pids].reverse()) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('-progress') && cmd.includes('pipe:1')) return pid;
  }
  return null;
}

test.serial('an encoder that dies mid-match: the camera goes on as the next take of the session at once, and the card says what happened', async (t) => {
  const { n, pids, dataDir } = await nodeWith(t, { video: { codec: 'h264' } });
  t.is((await post(n, '/api/v1/record/start', { sessionId: 'resume-1' })).statusCode, 200);
  const first = n.board.snapshot().recording.file;
  await waitFor(async () => (n.board.snapshot().encoder.fps ?? 0) > 0, 20_000, 50);
  const encoder = await waitFor(() => encoderOf(pids), 5000, 50);
  process.kill(encoder, 'SIGKILL');
  const resumed = await waitFor(async () => {
    const s = n.board.snapshot();
    return s.state === 'recording' && s.recording.file !== first && s.warnings.some((w) => w.code === 'RECORDING_RESUMED') ? s : null;
  }, 20_000, 20);
  t.is(resumed.sessionId, 'resume-1', 'the same session goes on');
  t.regex(resumed.warnings.find((w) => w.code === 'RECORDING_RESUMED')!.message, /\(ENCODER_EXITED: .*SIGKILL.*\) and resumed at once as a new take: resume-1_CAM_L_/);
  t.is(resumed.recording.error, null);
  await waitFor(async () => (n.board.snapshot().encoder.fps ?? 0) > 0, 20_000, 50);
  t.is((await post(n, '/api/v1/record/stop')).statusCode, 200);
  const ms = (await manifestsIn(dataDir)).filter((m) => m.sessionId === 'resume-1').sort((a, b) => (a.take ?? 1) - (b.take ?? 1));
  t.deepEqual(ms.map((m) => [m.take ?? 1, m.inProgress, m.incomplete]), [[1, false, true], [2, false, false]], 'take 1 kept as far as it got, take 2 complete');
  t.is(ms[0]!.errors?.[0]?.code, 'ENCODER_EXITED');
  t.is(ms[1]!.resumes, ms[0]!.file, 'the new take names the file it continues');
  t.is(ms[0]!.resumes, undefined);
  t.log(`gap between the takes: ${Math.round(ms[1]!.firstFrameAt! - (ms[0]!.firstFrameAt! + ms[0]!.durationS * 1000))} ms`);
  for (const m of ms) t.true((await probeMedia(execaRunner, join(dataDir, m.file))).durationS! > 0, `${m.file} decodes`);
});
