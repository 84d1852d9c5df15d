import { buildPreviewCommand, type Argv } from './command.js';
import type { ProcessRunner, RunningProcess } from './runner.js';

/**
 * A best-effort consumer of a copy of the recording's bytes (preview stills, the live
 * stream): a separate ffmpeg reads them on stdin. It must never slow the recording down, so
 * when it falls behind it is dropped (and says so) rather than buffering without bound or
 * applying backpressure to the writer.
 */
export interface TapOptions {
  runner: ProcessRunner;
  argv: Argv;
  /** What it is, for messages ("preview", "live stream"). */
  name: string;
  /** Bytes allowed to queue in front of the process before it is dropped. */
  maxQueuedBytes?: number;
  onDropped?: (reason: string) => void;
}

export interface PreviewOptions extends Omit<TapOptions, 'argv' | 'name'> {
  previewPath: string;
  everyS?: number;
  ffmpegPath?: string;
}

/** Preview stills: keyframes of the recording decoded about every 2 s. */
export class PreviewProcess {
  private readonly tap: TapProcess;

  constructor(opts: PreviewOptions) {
    this.tap = new TapProcess({
      ...opts,
      name: 'preview',
      argv: buildPreviewCommand({
        previewPath: opts.previewPath,
        ...(opts.everyS !== undefined ? { everyS: opts.everyS } : {}),
        ...(opts.ffmpegPath !== undefined ? { ffmpegPath: opts.ffmpegPath } : {}),
      }),
    });
  }

  start(): void { this.tap.start(); }
  feed(chunk: Buffer): void { this.tap.feed(chunk); }
  stop(graceMs?: number): Promise<void> { return this.tap.stop(graceMs); }
  get droppedReason(): string | null { return this.tap.droppedReason; }
}

export class TapProcess {
  private proc: RunningProcess | null = null;
  private dropped: string | null = null;

  constructor(private readonly opts: TapOptions) {}

  start(): void {
    this.proc = this.opts.runner.spawn(this.opts.argv, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe' });
    this.proc.stdin?.on('error', (err: Error) => this.drop(`${this.opts.name} input closed: ${err.message}`));
    this.proc.stderr?.resume();
    void this.proc.exit.then((e) => {
      if (!this.dropped && this.proc) this.drop(`${this.opts.name} ffmpeg exited (${e.spawnError ?? e.signal ?? e.code})`);
    });
  }

  get droppedReason(): string | null {
    return this.dropped;
  }

  feed(chunk: Buffer): void {
    const stdin = this.proc?.stdin;
    if (!stdin || this.dropped || stdin.destroyed) return;
    if (stdin.writableLength > (this.opts.maxQueuedBytes ?? 8 * 1024 * 1024)) {
      this.drop(`${this.opts.name} fell behind the recording`);
      return;
    }
    stdin.write(chunk);
  }

  /** Ends the input so the last still is written, then makes sure the process is gone. */
  async stop(graceMs = 2000): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    proc.stdin?.end();
    const done = await Promise.race([proc.exit.then(() => true), delay(graceMs).then(() => false)]);
    if (!done) {
      proc.kill('SIGKILL');
      await proc.exit;
    }
  }

  get running(): boolean {
    return this.proc !== null && this.dropped === null;
  }

  /** Switches it off on purpose (e.g. CPU load too high); the recording goes on. */
  drop(reason: string): void {
    if (this.dropped) return;
    this.dropped = reason;
    const proc = this.proc;
    proc?.stdin?.destroy();
    proc?.kill('SIGKILL');
    this.opts.onDropped?.(reason);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
