import test from 'ava';
import { createTonePlayer, makeToneWav } from '../../../actors/recorder/tone.js';
import { FakeRunner } from './helpers.js';

test('WAV header describes 16-bit mono PCM of the requested length', (t) => {
  const wav = makeToneWav({ frequencyHz: 1000, durationMs: 250, sampleRate: 8000 });
  t.is(wav.toString('ascii', 0, 4), 'RIFF');
  t.is(wav.readUInt32LE(4), wav.length - 8);
  t.is(wav.toString('ascii', 8, 16), 'WAVEfmt ');
  t.is(wav.readUInt16LE(20), 1);
  t.is(wav.readUInt16LE(22), 1);
  t.is(wav.readUInt32LE(24), 8000);
  t.is(wav.readUInt32LE(28), 16000);
  t.is(wav.readUInt16LE(34), 16);
  t.is(wav.toString('ascii', 36, 40), 'data');
  t.is(wav.readUInt32LE(40), 2000 * 2);
  t.is(wav.length, 44 + 4000);
});

test('samples are a sine at the requested frequency and volume, faded at both ends', (t) => {
  const rate = 48000;
  const wav = makeToneWav({ frequencyHz: 1000, durationMs: 100, sampleRate: rate, volume: 0.5 });
  const s = (i: number) => wav.readInt16LE(44 + i * 2);
  t.is(s(0), 0);
  t.true(Math.abs(s(4799)) <= 1, 'ends at silence');
  let crossings = 0;
  let peak = 0;
  for (let i = 1; i < 4800; i++) {
    if ((s(i - 1) < 0 && s(i) >= 0)) crossings++;
    peak = Math.max(peak, Math.abs(s(i)));
  }
  t.true(crossings >= 99 && crossings <= 101, `${crossings} upward zero crossings in 100 ms`);
  t.true(peak > 16000 && peak <= 16384, `peak ${peak}`);
  // Mid-tone sample matches the formula exactly (no fade there).
  const i = 2400 + 12;
  t.is(s(i), Math.round(Math.sin((2 * Math.PI * 1000 * i) / rate) * 0.5 * 32767));
});

test('player: aplay gets the WAV on stdin; without aplay it is the null sink', async (t) => {
  const withAplay = new FakeRunner(() => ({ code: 0 }));
  const p = await createTonePlayer(withAplay);
  t.is(p.kind, 'aplay');
  const playing = p.play({ frequencyHz: 880, durationMs: 10, sampleRate: 8000 });
  const proc = withAplay.spawned[0]!;
  await new Promise((r) => proc.stdin.once('finish', r));
  proc.finish({ code: 0, signal: null, spawnError: null });
  await playing;
  t.deepEqual(proc.argv.args, ['-q', '-']);

  const without = await createTonePlayer(new FakeRunner(() => ({ code: null, spawnError: 'ENOENT' })));
  t.is(without.kind, 'null');
  await t.notThrowsAsync(() => without.play({ frequencyHz: 880, durationMs: 10 }));
});
