/**
 * The shutter of a pre-started pipeline. The encoder is spawned when the node is armed and
 * waits, fully started, for frames; the shutter releases them from the shared start instant
 * on. Spawning an encoder takes 150–250 ms with tens of ms of jitter, far more than the few ms
 * by which the rig's cameras may differ, so that cost must be paid before the instant.
 *
 * Two kinds:
 * - 'ticks' (synthetic camera): the node is the camera's clock. Each tick writes one tiny raw
 *   frame to ffmpeg's stdin, and ffmpeg turns it into one test-pattern frame, numbered in
 *   order. Tick 0 is written at the instant; tick k is due at firstFrameAt + k/fps on a
 *   monotonic clock, and every wake-up writes all the ticks that are due, so the frame count
 *   always matches the time elapsed and a file never drifts from the wall clock. After tick 0
 *   the node wakes only every batchMs (100 ms: three frames at 30 fps) and writes the due
 *   ticks at once: per-frame wake-ups cost the node a third of its CPU budget, and a batch
 *   only delays frames whose content does not depend on when they are encoded.
 * - 'signal' (rpicam-vid --initial pause --signal): the camera runs from arm time and records
 *   from the SIGUSR1 sent at the instant; its first frame is the next one the sensor delivers.
 *
 * firstFrameAt is the wall-clock time the shutter opened, measured to a fraction of a ms: the
 * wall clock (Date.now) only has whole ms, so it is read at the edge of a ms and carried on
 * with the monotonic clock.
 */

export type ShutterKind = 'ticks' | 'signal';

export interface ShutterClock {
  /** Wall clock, epoch ms (whole ms, as Date.now). The rig's shared clock. */
  wall(): number;
  /** Monotonic ms with sub-ms resolution (performance.now). */
  mono(): number;
}

export const systemClock: ShutterClock = { wall: () => Date.now(), mono: () => performance.now() };

export interface ShutterTarget {
  /** `count` raw frames, one per tick (kind 'ticks'), in one write. */
  writeTicks?(count: number): void;
  /** Ends the ticks (EOF finishes the encoder's file). */
  endTicks?(): void;
  /** Opens a paused camera (kind 'signal'). */
  signal?(): void;
}

export interface ShutterOptions {
  kind: ShutterKind;
  fps: number;
  target: ShutterTarget;
  clock?: ShutterClock;
  /** The last stretch before the instant (4 ms) is waited by spinning: timers fire late by ms. */
  spinMs?: number;
  /** Ticks after the first are written in batches at most this often (ms; 0: every frame). */
  batchMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export type ShutterState = 'closed' | 'scheduled' | 'open' | 'ended';

export class Shutter {
  private stateValue: ShutterState = 'closed';
  private timer: unknown = null;
  /** Monotonic time of tick 0, and the wall time it corresponds to. */
  private openedMono = 0;
  private openedWall: number | null = null;
  private ticks = 0;
  private readonly clock: ShutterClock;
  private readonly frameMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private waiters: Array<(at: number | null) => void> = [];

  constructor(private readonly opts: ShutterOptions) {
    if (!(opts.fps > 0)) throw new RangeError(`fps must be > 0, got ${opts.fps}`);
    this.clock = opts.clock ?? systemClock;
    this.frameMs = 1000 / opts.fps;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  get state(): ShutterState {
    return this.stateValue;
  }

  /** Wall-clock ms (fractional) of the first frame; null until the shutter opened. */
  get firstFrameAt(): number | null {
    return this.openedWall;
  }

  /** Frames released so far. */
  get frames(): number {
    return this.ticks;
  }

  /**
   * Opens the shutter at wall-clock instant `at` (epoch ms), or at once when that has passed.
   * Resolves with firstFrameAt, or null if the shutter was closed first.
   */
  openAt(at: number): Promise<number | null> {
    if (this.stateValue === 'closed') {
      this.stateValue = 'scheduled';
      this.schedule(at);
    }
    return this.opened();
  }

  /** Resolves with firstFrameAt once open (null if it ended without opening). */
  opened(): Promise<number | null> {
    if (this.stateValue === 'open' || this.stateValue === 'ended') return Promise.resolve(this.openedWall);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** No more frames: ends the ticks (the encoder sees EOF). Idempotent. */
  end(): void {
    if (this.stateValue === 'ended') return;
    this.stateValue = 'ended';
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.opts.target.endTicks?.();
    this.settle();
  }

  private schedule(at: number): void {
    const spin = this.opts.spinMs ?? 4;
    const wait = at - this.clock.wall() - spin;
    if (wait > 0) {
      this.timer = this.setTimer(() => {
        this.timer = null;
        if (this.stateValue === 'scheduled') this.schedule(at);
      }, wait);
      return;
    }
    this.openNow(at);
  }

  /** Spins to the instant (at most spinMs + 1 ms) and releases the first frame. */
  private openNow(at: number): void {
    // Calibrate: the wall clock's next ms edge, expressed on the monotonic clock.
    // A wall clock that does not move (a test's fake) ends the wait after 1.5 ms.
    const w0 = this.clock.wall();
    const m0 = this.clock.mono();
    let edgeMono = m0;
    let edgeWall = w0;
    while (edgeWall === w0 && edgeMono - m0 < 1.5) {
      edgeMono = this.clock.mono();
      edgeWall = this.clock.wall();
    }
    const monoAt = edgeMono + Math.max(0, at - edgeWall);
    let now = this.clock.mono();
    while (now < monoAt) now = this.clock.mono();
    this.openedMono = now;
    this.openedWall = edgeWall + (now - edgeMono);
    this.stateValue = 'open';
    if (this.opts.kind === 'signal') this.opts.target.signal?.();
    else this.tick(now);
    this.settle();
  }

  private tick(now = this.clock.mono()): void {
    if (this.stateValue !== 'open') return;
    // Every tick that is due, so a late wake-up never loses frames from the timeline.
    const due = Math.floor((now - this.openedMono) / this.frameMs) + 1;
    if (due > this.ticks) {
      this.opts.target.writeTicks?.(due - this.ticks);
      this.ticks = due;
    }
    const next = this.openedMono + this.ticks * this.frameMs;
    const wait = Math.max(next - this.clock.mono(), this.opts.batchMs ?? 100);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.tick();
    }, wait);
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(this.openedWall);
  }
}
