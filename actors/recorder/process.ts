import type { Readable } from 'node:stream';
import { RigError } from '../../runtime/errors.js';
import type { EncoderCommand } from './command.js';
import { ProgressParser, type ProgressSnapshot } from './progress.js';
import type { ProcessExit, ProcessRunner, RunningProcess } from './runner.js';
import { Shutter, type ShutterClock } from './shutter.js';

/** One tick of a synthetic camera: a 2×2 grey frame, as the command line declares it. */
const TICK_FRAME = Buffer.alloc(4, 0x80);

/**
 * One encoder run: spawn (rpicam-vid piped into ffmpeg, or ffmpeg alone), watch its progress,
 * stop it the way that finishes the file, and say why it ended.
 */

export interface EncoderExit {
  ffmpeg: ProcessExit;
  producer: ProcessExit | null;
  /** true when stop() asked for the end; false when the encoder died on its own. */
  requested: boolean;
  /** null for a requested, clean end. */
  error: RigError | null;
  lastMessages: string[];
}

export interface EncoderProcessOptions {
  runner: ProcessRunner;
  /** No progress (frame/out_time/size unchanged) for this long → ENCODER_STALLED. */
  stallTimeoutMs?: number;
  /** Before the first frame the camera may still be starting up. */
  startTimeoutMs?: number;
  /** After `q` (or stopping rpicam-vid) before SIGTERM. */
  stopGraceMs?: number;
  /** After SIGTERM before SIGKILL. */
  killGraceMs?: number;
  now?: () => number;
  onProgress?: (snap: ProgressSnapshot, receivedAt: number) => void;
  /** A failure while running (stall, unexpected exit) — delivered once. */
  onError?: (err: RigError) => void;
  /** The shutter's clocks (gated commands only); tests may slow them down. */
  shutterClock?: ShutterClock;
  /** The watchdog's timer; tests drive it by hand instead of sleeping. */
  timers?: WatchdogTimers;
}

/** setTimeout/clearTimeout, as an adapter so the watchdog can be tested without waiting. */
export interface WatchdogTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: WatchdogTimers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class EncoderProcess {
  private ffmpeg: RunningProcess | null = null;
  private producer: RunningProcess | null = null;
  private readonly parser = new ProgressParser(20);
  private stopRequested = false;
  private stopping: Promise<EncoderExit> | null = null;
  private exitPromise: Promise<EncoderExit> | null = null;
  private watchdog: unknown = null;
  private lastAdvance = { frame: -1, outTimeUs: -1, size: -1 };
  private sawFrame = false;
  private reported: RigError | null = null;
  private shutterValue: Shutter | null = null;

  constructor(private readonly cmd: EncoderCommand, private readonly opts: EncoderProcessOptions) {}

  /** Spawns the pipeline and returns ffmpeg's stdout (the fragmented MP4). */
  start(): Readable {
    if (this.ffmpeg) throw new RigError('ENCODER_ALREADY_STARTED', 'encoder already started');
    const { runner } = this.opts;
    if (this.cmd.producer) {
      this.producer = runner.spawn(this.cmd.producer, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
      this.producer.stderr?.on('data', (d: Buffer) => this.parser.push(d));
      if (!this.producer.stdout) throw new RigError('ENCODER_SPAWN_FAILED', 'producer has no stdout');
    }
    this.ffmpeg = runner.spawn(this.cmd.ffmpeg, {
      stdin: this.producer?.stdout ?? 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    // ffmpeg now holds its own copy of the camera pipe. The parent's copy must go: nothing
    // here reads it, so it would never see 'end' and the producer's exit would never settle.
    this.producer?.stdout?.destroy();
    // An EPIPE on stdin (ffmpeg already gone when we write `q`) is expected, not fatal.
    this.ffmpeg.stdin?.on('error', () => undefined);
    this.ffmpeg.stderr?.setEncoding('utf8');
    this.ffmpeg.stderr?.on('data', (d: string) => this.onStderr(d));
    if (!this.ffmpeg.stdout) throw new RigError('ENCODER_SPAWN_FAILED', 'ffmpeg has no stdout');
    if (this.cmd.shutter) {
      const ffmpeg = this.ffmpeg;
      const producer = this.producer;
      this.shutterValue = new Shutter({
        kind: this.cmd.shutter,
        fps: this.cmd.fps,
        ...(this.opts.shutterClock ? { clock: this.opts.shutterClock } : {}),
        target: {
          writeTicks: (count) => {
            if (ffmpeg.stdin && !ffmpeg.stdin.destroyed && !ffmpeg.stdin.writableEnded) {
              ffmpeg.stdin.write(count === 1 ? TICK_FRAME : Buffer.alloc(TICK_FRAME.length * count, TICK_FRAME[0]));
            }
          },
          endTicks: () => {
            if (ffmpeg.stdin && !ffmpeg.stdin.destroyed) ffmpeg.stdin.end();
          },
          signal: () => producer?.kill('SIGUSR1'),
        },
      });
    } else {
      // A gated pipeline waits for its shutter, however long; its watchdog starts when it opens.
      this.armWatchdog(this.opts.startTimeoutMs ?? 15_000);
    }
    this.exitPromise = this.watchExit();
    return this.ffmpeg.stdout;
  }

  /** null when the pipeline records from spawn (no shutter: v4l2). */
  get shutter(): Shutter | null {
    return this.shutterValue;
  }

  /**
   * Releases the first frame at wall-clock instant `at` (at once if past) and resolves with
   * firstFrameAt, or null when stopped before. Without a shutter, resolves null at once.
   */
  async openShutter(at: number): Promise<number | null> {
    const shutter = this.shutterValue;
    if (!shutter) return null;
    if (shutter.state === 'closed') {
      void shutter.opened().then((opened) => {
        if (opened !== null && !this.stopRequested && !this.sawFrame) this.armWatchdog(this.opts.startTimeoutMs ?? 15_000);
      });
    }
    return shutter.openAt(at);
  }

  get pid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  lastMessages(): string[] {
    return this.parser.lastMessages();
  }

  /** Settles when every process of the pipeline has exited (never rejects). */
  get exited(): Promise<EncoderExit> {
    if (!this.exitPromise) return Promise.reject(new RigError('ENCODER_NOT_STARTED', 'encoder not started'));
    return this.exitPromise;
  }

  /**
   * Asks the encoder to finish the file: `q` on ffmpeg's stdin (or SIGINT to rpicam-vid, or
   * the synthetic camera's last tick, either of which ends ffmpeg's input), then SIGTERM, then
   * SIGKILL. Idempotent.
   */
  stop(): Promise<EncoderExit> {
    if (!this.ffmpeg || !this.exitPromise) return Promise.reject(new RigError('ENCODER_NOT_STARTED', 'encoder not started'));
    if (this.stopping) return this.stopping;
    this.stopRequested = true;
    this.disarmWatchdog();
    const ffmpeg = this.ffmpeg;
    const producer = this.producer;
    const exited = this.exitPromise;
    const stopGrace = this.opts.stopGraceMs ?? 5000;
    const killGrace = this.opts.killGraceMs ?? 3000;
    this.stopping = (async () => {
      // Ending the ticks is the synthetic camera's EOF: ffmpeg drains them and finishes the file.
      this.shutterValue?.end();
      if (this.cmd.shutter !== 'ticks') {
        if (producer) producer.kill('SIGINT');
        else if (this.cmd.stdinCommands && ffmpeg.stdin && !ffmpeg.stdin.destroyed) ffmpeg.stdin.end('q');
        else ffmpeg.kill('SIGINT');
      }
      if (await settlesWithin(exited, stopGrace)) return exited;
      producer?.kill('SIGTERM');
      ffmpeg.kill('SIGTERM');
      if (await settlesWithin(exited, killGrace)) return exited;
      producer?.kill('SIGKILL');
      ffmpeg.kill('SIGKILL');
      return exited;
    })();
    return this.stopping;
  }

  private onStderr(d: string): void {
    const at = (this.opts.now ?? Date.now)();
    for (const snap of this.parser.push(d)) {
      if (this.advanced(snap)) {
        if (!this.sawFrame && (snap.frame ?? 0) > 0) this.sawFrame = true;
        if (!this.stopRequested) this.armWatchdog(this.sawFrame ? (this.opts.stallTimeoutMs ?? 5000) : (this.opts.startTimeoutMs ?? 15_000));
      }
      this.opts.onProgress?.(snap, at);
    }
  }

  private advanced(s: ProgressSnapshot): boolean {
    const frame = s.frame ?? -1;
    const outTimeUs = s.outTimeUs ?? -1;
    const size = s.totalSizeBytes ?? -1;
    const last = this.lastAdvance;
    const moved = frame > last.frame || outTimeUs > last.outTimeUs || size > last.size;
    if (moved) this.lastAdvance = { frame: Math.max(frame, last.frame), outTimeUs: Math.max(outTimeUs, last.outTimeUs), size: Math.max(size, last.size) };
    return moved;
  }

  private armWatchdog(ms: number): void {
    this.disarmWatchdog();
    this.watchdog = (this.opts.timers ?? realTimers).set(() => {
      this.watchdog = null;
      const what = this.sawFrame ? `no encoder progress for ${ms} ms` : `no first frame within ${ms} ms`;
      this.report(new RigError('ENCODER_STALLED', what, { details: { lastMessages: this.parser.lastMessages() } }));
      // A stalled encoder will not react to `q` reliably; the ladder still ends with SIGKILL.
      void this.stop();
    }, ms);
  }

  private disarmWatchdog(): void {
    if (this.watchdog !== null) (this.opts.timers ?? realTimers).clear(this.watchdog);
    this.watchdog = null;
  }

  private async watchExit(): Promise<EncoderExit> {
    const ffmpeg = this.ffmpeg!;
    const producer = this.producer;
    // A producer dying on its own (camera unplugged) means ffmpeg sees EOF and ends cleanly,
    // so the producer's exit must be looked at too.
    const producerExit = producer ? producer.exit : Promise.resolve(null);
    void producerExit.then((p) => {
      if (p && !this.stopRequested) {
        this.report(exitError('CAMERA_EXITED', 'camera process', p, this.parser.lastMessage()));
      }
    });
    void ffmpeg.exit.then(() => this.shutterValue?.end()); // no ticks into a dead pipe
    const [ff, pr] = await Promise.all([ffmpeg.exit, producerExit]);
    // Drain the rest of stderr so the final progress block and messages are seen.
    for (const snap of this.parser.end()) this.opts.onProgress?.(snap, (this.opts.now ?? Date.now)());
    this.disarmWatchdog();
    let error: RigError | null = this.reported;
    if (!error && !this.stopRequested) {
      error = exitError('ENCODER_EXITED', 'encoder', ff, this.parser.lastMessage());
      this.report(error);
    }
    if (!error && this.stopRequested && ff.spawnError) error = exitError('ENCODER_EXITED', 'encoder', ff, this.parser.lastMessage());
    return { ffmpeg: ff, producer: pr, requested: this.stopRequested, error, lastMessages: this.parser.lastMessages() };
  }

  private report(err: RigError): void {
    if (this.reported) return;
    this.reported = err;
    this.opts.onError?.(err);
  }
}

function exitError(code: string, what: string, exit: ProcessExit, lastMessage: string | null): RigError {
  const how = exit.spawnError
    ? `could not start: ${exit.spawnError}`
    : exit.signal
      ? `killed by ${exit.signal}`
      : `exited with code ${exit.code}`;
  return new RigError(code, `${what} ${how}${lastMessage ? `: ${lastMessage}` : ''}`, {
    details: { exitCode: exit.code, signal: exit.signal, lastMessage },
  });
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
