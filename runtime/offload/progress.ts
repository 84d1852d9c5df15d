/**
 * Offload progress: a pure formatter (per file and total, with rate and ETA) and a display
 * that redraws a block in place on a terminal and prints plain lines now and then otherwise
 * (a log file or CI must not fill with carriage returns). Time comes from an injected clock.
 */

export interface FileProgress {
  cameraId: string;
  file: string;
  totalBytes: number;
  /** Bytes on the laptop (including a resumed part). */
  doneBytes: number;
  /** Bytes transferred by this run, and since when: the rate counts only those. */
  movedBytes: number;
  startedAt: number | null;
  via: 'direct' | 'relay' | null;
  state: 'waiting' | 'copying' | 'verifying' | 'done' | 'failed' | 'skipped';
}

const GB = 1e9;

export function formatBytes(n: number): string {
  if (n >= GB) return `${(n / GB).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.round(n / 1e3)} kB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Bytes per second moved since start, or null before there is anything to measure. */
export function rateOf(moved: number, startedAt: number | null, now: number): number | null {
  if (startedAt === null || moved <= 0 || now <= startedAt) return null;
  return moved / ((now - startedAt) / 1000);
}

function line(label: string, done: number, total: number, rate: number | null, tail: string): string {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
  const eta = rate ? formatDuration((total - done) / rate) : '--:--';
  const r = rate === null ? '-- MB/s' : `${(rate / 1e6).toFixed(1)} MB/s`;
  return `${label}  ${pct.toFixed(1).padStart(5)} %  ${formatBytes(done)} / ${formatBytes(total)}  ${r}  ETA ${eta}${tail}`;
}

/** One line per file that is not finished, then the total. */
export function formatProgress(files: readonly FileProgress[], totalStartedAt: number | null, now: number): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (f.state === 'waiting' || f.state === 'done' || f.state === 'skipped' || f.state === 'failed') continue;
    const tail = f.state === 'verifying' ? '  verifying' : f.via ? `  (${f.via})` : '';
    out.push(line(`${f.cameraId} ${f.file}`, f.doneBytes, f.totalBytes, rateOf(f.movedBytes, f.startedAt, now), tail));
  }
  const total = files.reduce((s, f) => s + f.totalBytes, 0);
  const done = files.reduce((s, f) => s + (f.state === 'done' || f.state === 'skipped' ? f.totalBytes : f.doneBytes), 0);
  const moved = files.reduce((s, f) => s + f.movedBytes, 0);
  const finished = files.filter((f) => f.state === 'done' || f.state === 'skipped').length;
  out.push(line(`total ${finished}/${files.length} files`, done, total, rateOf(moved, totalStartedAt, now), ''));
  return out;
}

export interface DisplayOptions {
  write: (s: string) => void;
  tty: boolean;
  now: () => number;
  /** Minimum time between two redraws (TTY) or two progress reports (plain). */
  intervalMs?: number;
  /** Terminal width: a longer line would wrap and the redraw would erase too little. */
  columns?: () => number | undefined;
}

/** Keeps the progress block at the bottom of a terminal; messages print above it. */
export class ProgressDisplay {
  readonly #o: Required<DisplayOptions>;
  #drawn = 0;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(o: DisplayOptions) {
    this.#o = { intervalMs: o.tty ? 200 : 10_000, columns: () => undefined, ...o };
  }

  /** A message that stays (verified, FAILED, …). */
  log(message: string): void {
    this.#erase();
    this.#o.write(`${message}\n`);
  }

  /** Redraws (TTY) or prints the progress lines (plain), at most once per interval unless forced. */
  update(lines: readonly string[], force = false): void {
    const now = this.#o.now();
    if (!force && now - this.#lastAt < this.#o.intervalMs) return;
    this.#lastAt = now;
    if (!this.#o.tty) {
      for (const l of lines) this.#o.write(`progress ${l}\n`);
      return;
    }
    this.#erase();
    const width = this.#o.columns();
    this.#o.write(lines.map((l) => `${width && l.length >= width ? l.slice(0, width - 1) : l}\n`).join(''));
    this.#drawn = lines.length;
  }

  /** Leaves the terminal as a plain log: the block is removed. */
  close(): void {
    this.#erase();
  }

  #erase(): void {
    if (!this.#o.tty || this.#drawn === 0) return;
    // Up one line and clear it, once per drawn line.
    this.#o.write('\x1b[1A\x1b[2K'.repeat(this.#drawn));
    this.#drawn = 0;
  }
}
