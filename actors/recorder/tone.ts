import type { ProcessRunner } from './runner.js';

/**
 * A short beep so the operator hears that a node started or stopped. The WAV is generated in
 * memory (no asset files to ship) and played by `aplay`; machines without sound get a null
 * sink instead of an error.
 */

export interface ToneSpec {
  frequencyHz: number;
  durationMs: number;
  sampleRate?: number;
  /** 0..1 */
  volume?: number;
}

/** 16-bit mono PCM WAV with a 5-ms fade in/out so the speaker does not click. */
export function makeToneWav(spec: ToneSpec): Buffer {
  const rate = spec.sampleRate ?? 48_000;
  const volume = Math.min(1, Math.max(0, spec.volume ?? 0.5));
  const samples = Math.round((rate * spec.durationMs) / 1000);
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  const fade = Math.max(1, Math.round(rate * 0.005));
  for (let i = 0; i < samples; i++) {
    const env = Math.min(1, i / fade, (samples - 1 - i) / fade);
    const v = Math.sin((2 * Math.PI * spec.frequencyHz * i) / rate) * volume * Math.max(0, env);
    buf.writeInt16LE(Math.round(v * 32767), 44 + i * 2);
  }
  return buf;
}

export interface TonePlayer {
  readonly kind: 'aplay' | 'null';
  play(spec: ToneSpec): Promise<void>;
}

export const nullTonePlayer: TonePlayer = { kind: 'null', play: async () => undefined };

/** aplay if it runs here, else the null sink. Playback failures are swallowed: a beep is a nicety. */
export async function createTonePlayer(runner: ProcessRunner, aplayPath = 'aplay'): Promise<TonePlayer> {
  const probe = await runner.run({ file: aplayPath, args: ['--version'] }, { timeoutMs: 3000 });
  if (probe.code !== 0) return nullTonePlayer;
  return {
    kind: 'aplay',
    async play(spec) {
      const proc = runner.spawn({ file: aplayPath, args: ['-q', '-'] }, { stdin: 'pipe', stdout: 'ignore', stderr: 'ignore' });
      proc.stdin?.on('error', () => undefined); // no sound card: aplay exits before reading
      proc.stdin?.end(makeToneWav(spec));
      await proc.exit;
    },
  };
}
