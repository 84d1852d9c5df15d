/**
 * Parses ffmpeg's `-progress` output (key=value lines, each block ended by
 * `progress=continue|end`) out of a stderr stream that also carries ordinary log lines.
 * Everything that is not a progress key goes to a small ring of "last messages", which is
 * what we report when the encoder dies.
 */

export interface ProgressSnapshot {
  frame: number | null;
  fps: number | null;
  dropFrames: number | null;
  dupFrames: number | null;
  /** kbit/s as ffmpeg reports it; null for N/A. */
  bitrateKbps: number | null;
  totalSizeBytes: number | null;
  /** Output timestamp of the last muxed packet, µs; null for N/A. */
  outTimeUs: number | null;
  speed: number | null;
  end: boolean;
}

const PROGRESS_KEYS = new Set([
  'frame', 'fps', 'drop_frames', 'dup_frames', 'bitrate', 'total_size', 'out_time_us', 'out_time_ms',
  'out_time', 'speed', 'progress',
]);
// stream_0_0_q=…; one per output stream.
const STREAM_Q = /^stream_\d+_\d+_q$/;
// A single line longer than this is garbage (or a binary leak); we drop it rather than grow.
const MAX_LINE = 4096;

export class ProgressParser {
  private partial = '';
  private block = new Map<string, string>();
  private readonly tail: string[] = [];

  constructor(private readonly tailSize = 20) {}

  /** Feed a chunk of stderr; returns the snapshots completed by it (usually 0 or 1). */
  push(chunk: string | Buffer): ProgressSnapshot[] {
    const text = this.partial + chunk.toString();
    const lines = text.split(/\r?\n|\r/);
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) this.partial = '';
    const out: ProgressSnapshot[] = [];
    for (const line of lines) {
      const snap = this.line(line);
      if (snap) out.push(snap);
    }
    return out;
  }

  /** Flush a final unterminated line (call when the stream ends). */
  end(): ProgressSnapshot[] {
    const rest = this.partial;
    this.partial = '';
    const snap = rest ? this.line(rest) : null;
    return snap ? [snap] : [];
  }

  /** The last non-progress lines, oldest first. */
  lastMessages(): string[] {
    return [...this.tail];
  }

  lastMessage(): string | null {
    return this.tail.at(-1) ?? null;
  }

  private line(raw: string): ProgressSnapshot | null {
    const line = raw.trim();
    if (!line || line.length > MAX_LINE) return null;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!PROGRESS_KEYS.has(key) && !STREAM_Q.test(key)) {
      this.remember(line);
      return null;
    }
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.block.set(key, value);
      return null;
    }
    const snap = toSnapshot(this.block, value === 'end');
    this.block = new Map();
    return snap;
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > this.tailSize) this.tail.shift();
  }
}

function toSnapshot(b: Map<string, string>, end: boolean): ProgressSnapshot {
  // ffmpeg 5.1 prints out_time_ms in µs too (a long-standing misnomer), so both are µs.
  const outTimeUs = int(b.get('out_time_us')) ?? int(b.get('out_time_ms')) ?? clock(b.get('out_time'));
  return {
    frame: int(b.get('frame')),
    fps: num(b.get('fps')),
    dropFrames: int(b.get('drop_frames')),
    dupFrames: int(b.get('dup_frames')),
    bitrateKbps: num(b.get('bitrate')?.replace(/kbits\/s$/, '')),
    totalSizeBytes: int(b.get('total_size')),
    outTimeUs,
    speed: num(b.get('speed')?.replace(/x$/, '')),
    end,
  };
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function int(v: string | undefined): number | null {
  const n = num(v);
  return n === null ? null : Math.trunc(n);
}

function clock(v: string | undefined): number | null {
  const m = v?.trim().match(/^(-)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/);
  if (!m) return null;
  const us = Math.round(((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1e6);
  return m[1] ? -us : us;
}
