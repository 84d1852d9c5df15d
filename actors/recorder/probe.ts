import { RigError } from '../../runtime/errors.js';
import type { ProcessRunner } from './runner.js';

/** What ffprobe says about a recording: used by recovery, the self-test and tests. */
export interface MediaInfo {
  /** ffprobe's codec name: "hevc", "h264", … */
  codec: string | null;
  width: number | null;
  height: number | null;
  /** Seconds. Fragmented MP4 has no container duration, so this comes from the packets. */
  durationS: number | null;
  /** Video packets actually present (-count_packets), i.e. decodable frames. */
  frameCount: number | null;
  hasAudio: boolean;
}

export async function probeMedia(runner: ProcessRunner, path: string, ffprobePath = 'ffprobe'): Promise<MediaInfo> {
  const r = await runner.run(
    {
      file: ffprobePath,
      args: [
        '-v', 'error', '-print_format', 'json', '-count_packets',
        '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_packets,duration,r_frame_rate:format=duration',
        path,
      ],
    },
    { timeoutMs: 60_000 },
  );
  if (r.code !== 0) {
    throw new RigError('PROBE_FAILED', `ffprobe failed on ${path}: ${r.stderr.trim().split('\n').at(-1) ?? r.spawnError ?? ''}`);
  }
  let json: { streams?: Array<Record<string, unknown>>; format?: Record<string, unknown> };
  try {
    json = JSON.parse(r.stdout) as typeof json;
  } catch {
    throw new RigError('PROBE_FAILED', `ffprobe printed no JSON for ${path}`);
  }
  const streams = json.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const frameCount = num(v?.nb_read_packets);
  const fps = rate(v?.r_frame_rate);
  // Container duration is N/A for fragmented MP4; packet count / rate is what actually decodes.
  const durationS =
    num(json.format?.duration) ?? num(v?.duration) ?? (frameCount !== null && fps ? frameCount / fps : null);
  return {
    codec: typeof v?.codec_name === 'string' ? v.codec_name : null,
    width: num(v?.width),
    height: num(v?.height),
    durationS,
    frameCount,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

/** Decodes the whole file; resolves with the decoder's complaints (empty = clean). */
export async function decodeErrors(runner: ProcessRunner, path: string, ffmpegPath = 'ffmpeg'): Promise<string[]> {
  const r = await runner.run({ file: ffmpegPath, args: ['-v', 'error', '-i', path, '-f', 'null', '-'] }, { timeoutMs: 120_000 });
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  if (r.code !== 0 && lines.length === 0) lines.push(`ffmpeg exited with ${r.code ?? r.signal}`);
  return lines;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function rate(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const [a, b] = v.split('/').map(Number);
  return a && b ? a / b : null;
}
