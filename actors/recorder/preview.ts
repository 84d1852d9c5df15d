import { buildPreviewCommand } from './command.js';
import type { ProcessRunner, RunningProcess } from './runner.js';

/**
 * Best-effort preview stills: a separate ffmpeg decodes the keyframes of a copy of the
 * recording's bytes. It must never slow the recording down, so when it falls behind we drop
 * it (and say so) rather than buffer without bound or apply backpressure to the writer.
 */
export interface PreviewOptions {
  runner: ProcessRunner;
  previewPath: string;
  everyS?: number;
  ffmpegPath?: string;
  /** Bytes allowed to queue in front of the preview process before it is dropped. */
  maxQueuedBytes?: number;
  onDropped?: (reason: string) => void;
}

export class PreviewProcess {
  private proc: RunningProcess | null = null;
  private dropped: string | null = null;

  constructor(private readonly opts: PreviewOptions) {}

  start(): void {
    const argv = buildPreviewCommand({
      previewPath: this.opts.previewPath,
      ...(this.opts.everyS !== undefined ? { everyS: this.opts.everyS } : {}),
      ...(this.opts.ffmpegPath !== undefined ? { ffmpegPath: this.opts.ffmpegPath } : {}),
    });
    this.proc = this.opts.runner.spawn(argv, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe' });
    this.proc.stdin?.on('error', (err: Error) => this.drop(`preview input closed: ${err.message}`));
    this.proc.stderr?.resume();
    void this.proc.exit.then((e) => {
      if (!this.dropped && this.proc) this.drop(`preview ffmpeg exited (${e.spawnError ?? e.signal ?? e.code})`);
    });
  }

  get droppedReason(): string | null {
    return this.dropped;
  }

  feed(chunk: Buffer): void {
    const stdin = this.proc?.stdin;
    if (!stdin || this.dropped || stdin.destroyed) return;
    if (stdin.writableLength > (this.opts.maxQueuedBytes ?? 8 * 1024 * 1024)) {
      this.drop('preview fell behind the recording');
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

  private drop(reason: string): void {
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
