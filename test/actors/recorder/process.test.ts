import test from 'ava';
import { buildEncoderCommand } from '../../../actors/recorder/command.js';
import { EncoderProcess } from '../../../actors/recorder/process.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { FakeRunner, ManualTimers, blockedReadingStdin, flush } from './helpers.js';
import { waitFor } from '../../helpers/net.js';

// A V4L2 camera records from spawn and ffmpeg takes `q` on stdin: the plain, shutterless case.
const ffmpegOnly = buildEncoderCommand({ source: { kind: 'v4l2', device: '/dev/video0' }, width: 320, height: 180, fps: 30, codec: 'h264', bitrateMbps: 1, audio: false });
const synthetic = buildEncoderCommand({ source: { kind: 'synthetic' }, width: 320, height: 180, fps: 30, codec: 'h264', bitrateMbps: 1, audio: false });
/** A real-time test pattern with ffmpegOnly's output side and no shutter, for `q` on real ffmpeg. */
const lavfiLive = {
  ...ffmpegOnly,
  ffmpeg: {
    file: 'ffmpeg',
    args: ['-hide_banner', '-nostats', '-loglevel', 'warning', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30',
      ...ffmpegOnly.ffmpeg.args.slice(ffmpegOnly.ffmpeg.args.indexOf('-i') + 2)],
  },
};
const piped = buildEncoderCommand({ source: { kind: 'rpicam' }, width: 320, height: 180, fps: 30, codec: 'h264', bitrateMbps: 1, audio: false });

test('stop writes q to ffmpeg and resolves with a clean, requested exit', async (t) => {
  const runner = new FakeRunner();
  const enc = new EncoderProcess(ffmpegOnly, { runner });
  enc.start();
  const ff = runner.spawned[0]!;
  ff.progress(1, 0);
  const exit = await enc.stop();
  t.is(ff.stdinText, 'q');
  t.deepEqual(ff.signals, []);
  t.true(exit.requested);
  t.is(exit.error, null);
  t.is(exit.ffmpeg.code, 0);
});

test('stop escalates to SIGTERM, then SIGKILL, when ffmpeg ignores q and SIGTERM', async (t) => {
  const runner = new FakeRunner();
  const enc = new EncoderProcess(ffmpegOnly, { runner, stopGraceMs: 50, killGraceMs: 50 });
  enc.start();
  const ff = runner.spawned[0]!;
  ff.onQuit = () => undefined;
  ff.onSignal = (sig, p) => {
    if (sig === 'SIGKILL') p.finish({ code: null, signal: 'SIGKILL', spawnError: null });
  };
  const exit = await enc.stop();
  t.deepEqual(ff.signals, ['SIGTERM', 'SIGKILL']);
  t.is(exit.ffmpeg.signal, 'SIGKILL');
  t.true(exit.requested);
});

test('rpicam pipeline: ffmpeg reads the producer stdout; stop interrupts the producer, not ffmpeg', async (t) => {
  const runner = new FakeRunner();
  const enc = new EncoderProcess(piped, { runner });
  enc.start();
  const [cam, ff] = runner.spawned;
  t.is(cam!.argv.file, 'rpicam-vid');
  t.is(ff!.opts.stdin, cam!.stdout, "ffmpeg's stdin is the camera's stdout");
  cam!.onSignal = (sig, p) => {
    p.finish({ code: 0, signal: null, spawnError: null });
    ff!.finish({ code: 0, signal: null, spawnError: null }); // EOF ends ffmpeg
  };
  const exit = await enc.stop();
  t.deepEqual(cam!.signals, ['SIGINT']);
  t.deepEqual(ff!.signals, []);
  t.is(ff!.stdinText, '');
  t.is(exit.error, null);
});

test('the camera process dying on its own is CAMERA_EXITED', async (t) => {
  const runner = new FakeRunner();
  const errors: string[] = [];
  const enc = new EncoderProcess(piped, { runner, onError: (e) => errors.push(e.code) });
  enc.start();
  const [cam, ff] = runner.spawned;
  cam!.stderr.write('ERROR: *** no cameras available ***\n');
  cam!.finish({ code: 255, signal: null, spawnError: null });
  ff!.finish({ code: 0, signal: null, spawnError: null });
  const exit = await enc.exited;
  t.is(exit.error?.code, 'CAMERA_EXITED');
  t.regex(exit.error?.message ?? '', /no cameras available/);
  t.deepEqual(errors, ['CAMERA_EXITED']);
});

test('an unexpected exit is ENCODER_EXITED with code and the last stderr line', async (t) => {
  const runner = new FakeRunner();
  const errors: string[] = [];
  const enc = new EncoderProcess(ffmpegOnly, { runner, onError: (e) => errors.push(e.code) });
  enc.start();
  const ff = runner.spawned[0]!;
  ff.progress(10, 333_000);
  ff.stderr.write('[libx264 @ 0x55] broken pipe\nConversion failed!\n');
  ff.finish({ code: 1, signal: null, spawnError: null });
  const exit = await enc.exited;
  t.is(exit.error?.code, 'ENCODER_EXITED');
  t.regex(exit.error!.message, /exited with code 1: Conversion failed!/);
  t.deepEqual(exit.error!.details, { exitCode: 1, signal: null, lastMessage: 'Conversion failed!' });
  t.false(exit.requested);
  t.deepEqual(errors, ['ENCODER_EXITED']);
});

test('watchdog: progress that stops advancing is ENCODER_STALLED and the encoder is stopped', async (t) => {
  const runner = new FakeRunner();
  const errors: string[] = [];
  const timers = new ManualTimers();
  const enc = new EncoderProcess(ffmpegOnly, { runner, stallTimeoutMs: 150, timers, onError: (e) => errors.push(e.code) });
  enc.start();
  const ff = runner.spawned[0]!;
  for (let i = 1; i <= 5; i++) {
    ff.progress(i * 3, i * 100_000);
    await flush();
    timers.advance(100);
  }
  t.deepEqual(errors, [], 'advancing progress keeps the watchdog quiet (100 ms apart, 150 ms allowed)');
  // Reports keep coming, but the frame count is frozen: that is a stall, too.
  ff.progress(15, 500_000);
  await flush();
  timers.advance(40);
  t.deepEqual(errors, [], '140 ms without an advance: not yet');
  ff.progress(15, 500_000);
  await flush();
  timers.advance(10);
  const exit = await enc.exited;
  t.deepEqual(errors, ['ENCODER_STALLED']);
  t.is(exit.error?.code, 'ENCODER_STALLED');
  t.is(ff.stdinText, 'q', 'the stop ladder was started');
});

test('watchdog: no first frame within the start timeout is ENCODER_STALLED', async (t) => {
  const runner = new FakeRunner();
  const enc = new EncoderProcess(ffmpegOnly, { runner, startTimeoutMs: 100 });
  enc.start();
  const exit = await enc.exited;
  t.is(exit.error?.code, 'ENCODER_STALLED');
  t.regex(exit.error!.message, /no first frame within 100 ms/);
});

test('real ffmpeg: progress arrives, q stops it cleanly with exit code 0', async (t) => {
  const snaps: number[] = [];
  const enc = new EncoderProcess(lavfiLive, { runner: execaRunner, onProgress: (s) => s.frame !== null && snaps.push(s.frame) });
  const out = enc.start();
  let bytes = 0;
  out.on('data', (d: Buffer) => (bytes += d.length));
  // Wait for frames rather than for a fixed time: on a loaded CI machine ffmpeg starts slowly.
  await waitFor(async () => (snaps.at(-1) ?? 0) >= 30, 10_000);
  const exit = await enc.stop();
  t.is(exit.ffmpeg.code, 0);
  t.is(exit.error, null);
  t.true(snaps.length >= 2, `snapshots: ${snaps.join(',')}`);
  t.true(snaps.at(-1)! >= 30, `last frame ${snaps.at(-1)}`);
  t.true(bytes > 1000);
});

test('real ffmpeg: a bad option is ENCODER_EXITED with ffmpeg\'s own message', async (t) => {
  const bad = { ...synthetic, ffmpeg: { ...synthetic.ffmpeg, args: synthetic.ffmpeg.args.map((a) => (a === 'ultrafast' ? 'no-such-preset' : a)) } };
  const enc = new EncoderProcess(bad, { runner: execaRunner });
  enc.start().resume();
  // The encoder is opened with the first frame, so the bad preset shows once the shutter opens.
  void enc.openShutter(Date.now());
  const exit = await enc.exited;
  t.is(exit.error?.code, 'ENCODER_EXITED');
  t.not(exit.ffmpeg.code, 0);
  t.true(exit.lastMessages.some((l) => /preset|Error/i.test(l)), exit.lastMessages.join('\n'));
});

test('a missing binary is reported as a spawn failure', async (t) => {
  const cmd = { ...ffmpegOnly, ffmpeg: { file: '/nonexistent/ffmpeg', args: [] } };
  const enc = new EncoderProcess(cmd, { runner: execaRunner });
  enc.start().resume();
  const exit = await enc.exited;
  t.is(exit.error?.code, 'ENCODER_EXITED');
  t.regex(exit.error!.message, /could not start/);
});

test('real ffmpeg, synthetic camera: nothing is encoded before the shutter opens; every tick is one frame; the last tick ends the file cleanly', async (t) => {
  const frames: number[] = [];
  const enc = new EncoderProcess(synthetic, { runner: execaRunner, onProgress: (s) => s.frame !== null && frames.push(s.frame) });
  const out = enc.start();
  const chunks: Buffer[] = [];
  out.on('data', (d: Buffer) => chunks.push(d));
  t.is(enc.shutter?.state, 'closed');
  // ffmpeg is up and blocked reading its stdin (the shutter's tick pipe): the one thing that
  // would release a frame.
  await waitFor(async () => blockedReadingStdin(enc.pid!), 10_000);
  t.is(Buffer.concat(chunks).length, 0, 'no bytes before the shutter opened');
  t.true(frames.every((f) => f === 0), `frames before opening: ${frames.join(',')}`);
  const asked = Date.now();
  const firstFrameAt = await enc.openShutter(asked);
  t.true(firstFrameAt !== null && firstFrameAt >= asked, `opened at ${firstFrameAt}, asked for ${asked}`);
  await waitFor(async () => (frames.at(-1) ?? 0) >= 30, 10_000);
  const exit = await enc.stop();
  t.is(exit.ffmpeg.code, 0);
  t.is(exit.error, null);
  t.is(enc.shutter?.state, 'ended');
  t.is(frames.at(-1), enc.shutter!.frames, 'ffmpeg encoded exactly the frames the shutter released');
  t.true(Buffer.concat(chunks).length > 1000);
});

test('a gated pipeline has no start watchdog until its shutter opens', async (t) => {
  const runner = new FakeRunner();
  const errors: string[] = [];
  const timers = new ManualTimers();
  const enc = new EncoderProcess(synthetic, { runner, startTimeoutMs: 100, timers, onError: (e) => errors.push(e.code) });
  enc.start();
  timers.advance(60_000);
  t.deepEqual(errors, [], 'waiting for the instant is not a stall');
  await enc.openShutter(Date.now());
  await flush();
  timers.advance(100);
  const exit = await enc.exited;
  t.is(exit.error?.code, 'ENCODER_STALLED', 'once open, no first frame within 100 ms is');
  t.true(runner.spawned[0]!.stdin.writableEnded, 'stopping ended the ticks');
});
