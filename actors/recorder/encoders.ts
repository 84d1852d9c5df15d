import type { ProcessRunner } from './runner.js';

/**
 * Which encoders this ffmpeg build has. Asked once per ffmpeg binary and cached: the answer
 * cannot change while we run, and `ffmpeg -encoders` takes ~100 ms on a Pi.
 */
export interface EncoderList {
  has(name: string): Promise<boolean>;
}

export function ffmpegEncoderList(runner: ProcessRunner, ffmpegPath = 'ffmpeg'): EncoderList {
  let names: Promise<Set<string>> | null = null;
  const load = async (): Promise<Set<string>> => {
    const r = await runner.run({ file: ffmpegPath, args: ['-hide_banner', '-encoders'] }, { timeoutMs: 10_000 });
    if (r.code !== 0) {
      // Do not cache a failure: the next session should ask again.
      names = null;
      return new Set();
    }
    return parseEncoderList(r.stdout);
  };
  return {
    async has(name) {
      names ??= load();
      return (await names).has(name);
    },
  };
}

/** Lines look like ` V....D libx265              libx265 H.265 / HEVC (codec hevc)`. */
export function parseEncoderList(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*([VAS][.A-Z]{5})\s+(\S+)\s/);
    if (m?.[2] && m[2] !== '=') out.add(m[2]);
  }
  return out;
}

/** A fixed list, for tests and for machines where the answer is known. */
export function staticEncoderList(names: Iterable<string>): EncoderList {
  const set = new Set(names);
  return { has: async (name) => set.has(name) };
}
