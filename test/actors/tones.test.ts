import test from 'ava';
import type { NodeStatus } from '../../runtime/status.js';
import { StatusBoard } from '../../runtime/status.js';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTonePlayer, makeToneWav, type TonePlayer, type ToneSpec } from '../../actors/recorder/tone.js';
import { execaRunner } from '../../actors/recorder/runner.js';
import { tempDir } from '../helpers/tmp.js';
import { HealthTones, TONES, degradations } from '../../actors/tones.js';
import { blankStatus } from '../helpers/app.js';

function status(patch: Partial<NodeStatus> = {}): NodeStatus {
  return { ...blankStatus(), warnings: [], uptimeS: 0, updatedAt: 0, ...patch } as NodeStatus;
}
const warn = (...codes: string[]) => codes.map((code) => ({ code, message: code }));

function setup() {
  let now = 0;
  const heard: ToneSpec[] = [];
  const player: TonePlayer = { kind: 'aplay', play: async (s) => { heard.push(s); } };
  const tones = new HealthTones({ player: async () => player, now: () => now, syncLimitMs: () => 5 });
  return { tones, heard, at: (ms: number) => { now = ms; } };
}

test('every tone has its own pattern', (t) => {
  const patterns = Object.values(TONES).map((p) => JSON.stringify(p));
  t.is(new Set(patterns).size, patterns.length);
});

test('recording start and stop play rising and falling tones, through the player, in order', async (t) => {
  const { tones, heard } = setup();
  tones.observe(status());
  tones.observe(status({ state: 'recording' }));
  tones.observe(status({ state: 'recording' }));
  tones.observe(status({ state: 'idle' }));
  await tones.idle();
  t.deepEqual(tones.played, ['recording-started', 'recording-stopped']);
  t.deepEqual(heard, [...TONES['recording-started'], ...TONES['recording-stopped']]);
});

test('a degradation sounds when it appears, not while it lasts, and not again when it flaps', (t) => {
  const { tones, at } = setup();
  tones.observe(status());
  tones.observe(status({ warnings: warn('TEMP_HIGH') }));
  tones.observe(status({ warnings: warn('TEMP_HIGH') }));
  at(20_000);
  tones.observe(status());
  at(40_000);
  tones.observe(status({ warnings: warn('TEMP_HIGH') }));
  t.deepEqual(tones.played, ['temperature']);
  at(400_000);
  tones.observe(status());
  tones.observe(status({ warnings: warn('TEMP_CRITICAL') }));
  t.deepEqual(tones.played, ['temperature', 'temperature'], 'after the repeat window it is news again');
});

test('a burst of degradations gives one tone; the next one waits for the gap', (t) => {
  const { tones, at } = setup();
  tones.observe(status());
  tones.observe(status({ warnings: warn('BATTERY_LOW', 'DISK_LOW'), sync: { offsetMs: 12, confidence: 'low', source: 'chrony' } }));
  t.is(tones.played.length, 1);
  at(15_000);
  tones.observe(status({ warnings: warn('BATTERY_LOW', 'DISK_LOW', 'CAMERA_MISSING') }));
  t.deepEqual(tones.played.slice(1), ['camera']);
});

test('what counts as degraded: codes, a failed recording, sync beyond the limit, a lost mesh', (t) => {
  t.deepEqual([...degradations(status({ warnings: warn('STORAGE_NOT_MOUNTED') }), 5, false)], ['disk']);
  t.deepEqual([...degradations(status({ recording: { startedAt: 1, firstFrameAt: 1, file: 'x', error: { code: 'ENCODER_EXITED', message: 'camera gone' } } }), 5, false)], ['camera']);
  t.deepEqual([...degradations(status({ sync: { offsetMs: -7, confidence: 'low', source: 'chrony' } }), 5, false)], ['sync']);
  t.deepEqual([...degradations(status({ sync: { offsetMs: 4, confidence: 'high', source: 'chrony' } }), 5, false)], []);
  t.deepEqual([...degradations(status({ network: { mode: 'unknown' } }), 5, false)], [], 'booting alone is not news');
  t.deepEqual([...degradations(status({ network: { mode: 'unknown' } }), 5, true)], ['network']);
  t.deepEqual([...degradations(status({ warnings: warn('NETWORK_AP'), network: { mode: 'ap' } }), 5, false)], ['network']);
});

test('wired to a real StatusBoard: a lost mesh is heard once', async (t) => {
  const { tones } = setup();
  const board = new StatusBoard(blankStatus());
  board.on('change', (s: NodeStatus) => tones.observe(s));
  board.patch({ network: { mode: 'mesh' } });
  await tones.idle();
  board.patch({ network: { mode: 'unknown' } });
  await new Promise((r) => queueMicrotask(() => r(undefined)));
  await tones.idle();
  t.deepEqual(tones.played, ['network']);
});

test('through the real tone adapter: each tone of a pattern reaches aplay as a WAV of its pitch and length', async (t) => {
  const dir = await tempDir(t, 'tones-');
  // An aplay stand-in that keeps what it was asked to play (this machine has no sound card).
  const aplay = join(dir, 'aplay');
  await writeFile(aplay, `#!/bin/sh\n[ "$1" = --version ] && { echo "aplay: version 1.2.8"; exit 0; }\nn=$(ls "${dir}" | grep -c wav)\ncat > "${dir}/tone-$n.wav"\n`);
  await chmod(aplay, 0o755);
  const player = createTonePlayer(execaRunner, aplay);
  t.is((await player).kind, 'aplay');
  const tones = new HealthTones({ player: () => player, syncLimitMs: () => 5 });
  tones.observe(status());
  tones.observe(status({ state: 'recording' }));
  await tones.idle();
  const wavs = (await readdir(dir)).filter((f) => f.endsWith('.wav')).sort();
  t.is(wavs.length, TONES['recording-started'].length);
  for (const [i, spec] of TONES['recording-started'].entries()) {
    const wav = await readFile(join(dir, `tone-${i}.wav`));
    t.deepEqual(wav, makeToneWav(spec), `tone ${i}: ${spec.frequencyHz} Hz, ${spec.durationMs} ms`);
  }
});
