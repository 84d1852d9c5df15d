import { readdir } from 'node:fs/promises';
import test from 'ava';
import { runSelfTest } from '../../../actors/recorder/selftest.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { realEncoders, tempDir } from './helpers.js';

// Serial: the "cannot keep up" case saturates the CPU and would skew the passing case.
const deps = (workDir: string) => ({ runner: execaRunner, encoders: realEncoders, clock: { now: () => Date.now() }, workDir });

test.serial('pass: 320x180 h265 keeps up, file verified, temp dir removed', async (t) => {
  const work = await tempDir(t);
  const r = await runSelfTest({ source: { kind: 'synthetic' }, width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1, audio: false, durationS: 3 }, deps(work));
  t.deepEqual(r.reasons, []);
  t.true(r.pass);
  t.true(r.keepsUp);
  t.is(r.codec, 'h265');
  t.true(r.measuredFps! > 27 && r.measuredFps! < 33, `measured ${r.measuredFps}`);
  t.true(r.frameCount! >= 80, `frames ${r.frameCount}`);
  t.deepEqual(await readdir(work), []);
});

test.serial('fail: a target this machine cannot sustain is reported honestly, with the measured rate', async (t) => {
  const work = await tempDir(t);
  const r = await runSelfTest(
    { source: { kind: 'synthetic' }, width: 1920, height: 1080, fps: 240, codec: 'h265', bitrateMbps: 20, audio: false, durationS: 3, preset: 'medium' },
    deps(work),
  );
  t.false(r.pass);
  t.false(r.keepsUp);
  t.is(r.targetFps, 240);
  t.true(r.measuredFps !== null && r.measuredFps < 240 * 0.95, `measured ${r.measuredFps}`);
  t.true(r.reasons.some((x) => /does not keep up: [\d.]+ fps encoded for a 240 fps target/.test(x)), r.reasons.join('; '));
  t.deepEqual(await readdir(work), []);
});

test.serial('fail: a broken source never starts, and says why', async (t) => {
  const work = await tempDir(t);
  const r = await runSelfTest({ source: { kind: 'v4l2', device: '/dev/video-does-not-exist' }, width: 320, height: 180, fps: 30, codec: 'h264', bitrateMbps: 1, audio: false, durationS: 3 }, deps(work));
  t.false(r.pass);
  t.is(r.measuredFps, null);
  t.true(r.reasons.some((x) => x.startsWith('recording did not start')), r.reasons.join('; '));
  t.is(r.errors[0]?.code, 'RECORDING_START_FAILED');
  t.deepEqual(await readdir(work), []);
});
