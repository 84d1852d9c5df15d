import { EventEmitter } from 'node:events';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../runtime/atomic-write.js';
import { RigError } from '../../runtime/errors.js';
import { hasShutter, type VideoCodec } from './command.js';
import { chooseCodec, fallbackBeforeFirstFrame, fallbackWhileRecording } from './codec-fallback.js';
import { refineFirstFrame } from './first-frame.js';
import { manifestFileName, recordingFileName } from './manifest.js';
import { Pipeline, type PipelineHandlers } from './pipeline.js';
import type { ProgressSnapshot } from './progress.js';
import { takeReserve } from './reserve.js';
import { buildManifest, writeFinalManifest, type ManifestFacts } from './session-manifest.js';
import type { SessionDeps, SessionEvents, SessionOptions, SessionResult, SessionState, StartResult } from './session-types.js';
import { nextTake } from './takes.js';

export type { Clock, LiveState, SessionDeps, SessionEvents, SessionHealth, SessionOptions, SessionResult, SessionState, StartResult } from './session-types.js';
export { takeReserve, releaseReserve } from './reserve.js';

/**
 * One recording on one node, from spawn to final manifest. The actor owns a session; the
 * session owns its pipeline (pipeline.ts), the file and the manifest.
 *
 * firstFrameAt: a camera with a shutter (synthetic, rpicam; see shutter.ts) is started when
 * the node is armed and released at startAt; firstFrameAt is when its shutter opened, to a
 * fraction of a ms. Without a shutter (v4l2) the encoder is spawned at the instant and
 * firstFrameAt is estimated from its progress reports (first-frame.ts): provisional when
 * start() resolves, refined over the first seconds; the manifest carries the refined value.
 *
 * Any interleaving of start(), stop(), abandon() and close() ends with no encoder left
 * running: a stop during a start waits for the start to settle and then finishes it.
 */
export class RecordingSession extends EventEmitter<SessionEvents> {
  private stateValue: SessionState = 'idle';
  private attempt: Pipeline | null = null;
  private codecFallbackReason: string | null = null;
  private startedAt: number | null = null;
  private fileName = '';
  private takeValue = 1;
  private readonly errors: RigError[] = [];
  private ending: Promise<SessionResult> | null = null;
  private starting: Promise<StartResult> | null = null;
  /** A fallback relaunch in flight: finishing waits for it, so it cannot start an orphan. */
  private relaunching: Promise<void> | null = null;
  private plannedTimer: NodeJS.Timeout | null = null;
  private prepared: Promise<void> | null = null;
  private preparedCodec: VideoCodec | null = null;
  /** Rig time as it stood at the first frame and at stop (see session-manifest.ts). */
  private sync: NonNullable<ManifestFacts['sync']> = { atStart: null, atStop: null, rigMinusLocalMs: null };
  /** A pipeline started by prepare(), waiting for its shutter to open at startAt. */
  private primed: Pipeline | null = null;
  private readonly handlers: PipelineHandlers = {
    onProgress: (p, snap, at) => this.onProgress(p, snap, at),
    onError: (p, err) => this.onAttemptError(p, err),
    onPreviewDropped: (_p, reason) => this.tell('error', new RigError('PREVIEW_DROPPED', reason)),
    onLiveDropped: (_p, reason) => this.tell('live', { active: false, reason }),
  };

  constructor(private readonly opts: SessionOptions, private readonly deps: SessionDeps) {
    super();
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get filePath(): string {
    return join(this.opts.dataDir, this.fileName);
  }

  /** This take's manifest: `{SESSION}_{CAM}.json` for the first, `…_t{N}.json` after (manifest.ts). */
  get manifestPath(): string {
    return join(this.opts.dataDir, manifestFileName(this.opts.sessionId, this.opts.cameraId, this.takeValue));
  }

  get take(): number {
    return this.takeValue;
  }

  get firstFrameAt(): number | null {
    return this.attempt?.firstFrameAt ?? null;
  }

  get codec(): VideoCodec | null {
    return this.attempt?.codec ?? null;
  }

  /** The running encoder's pid (ffmpeg), for diagnostics and tests. */
  get encoderPid(): number | null {
    return this.attempt?.encoder.pid ?? null;
  }

  /**
   * Everything a start needs ahead of the instant: directory, take number, encoder probe, the
   * first in-progress manifest and, for a camera with a shutter (synthetic, rpicam), the
   * running pipeline itself, whose shutter then opens on its own timer at startAt, whatever
   * the node is busy with. Done when a node is armed; start() calls it if needed.
   */
  async prepare(): Promise<void> {
    this.prepared ??= this.doPrepare();
    return this.prepared;
  }

  /** An armed session that will not start: removes its in-progress manifest. */
  async abandon(): Promise<void> {
    if (this.stateValue !== 'idle') return;
    this.stateValue = 'stopped';
    await this.prepared?.catch(() => undefined);
    if (this.primed) await this.primed.discard();
    this.primed = null;
    if (this.prepared) await unlink(this.manifestPath).catch(() => undefined);
  }

  private async doPrepare(): Promise<void> {
    const { opts, deps } = this;
    // The file is named after the start instant when armed ahead of it.
    this.startedAt = Math.max(deps.clock.now(), opts.startAt);
    this.fileName = recordingFileName(opts.sessionId, opts.cameraId, this.startedAt);
    await mkdir(opts.dataDir, { recursive: true });
    this.takeValue = Math.max(await nextTake(opts.dataDir, opts.sessionId, opts.cameraId), opts.minTake ?? 1);
    // Off the start path: a start instant shared by the rig must not wait for this write.
    void takeReserve(opts.dataDir, opts.cameraId).then((failed) => { if (failed) this.tell('warning', failed); });

    const choice = await chooseCodec(opts.codec, this.copies, deps.encoders).catch((err: unknown) => {
      this.stateValue = 'failed';
      throw err;
    });
    this.codecFallbackReason = choice.reason;
    this.preparedCodec = choice.codec;
    // Written before the recording file exists, so a crash at any later point leaves a
    // manifest that recovery can complete.
    await writeJsonAtomic(this.manifestPath, this.manifest(choice.codec, null));
    if (hasShutter(opts.source.kind) && this.stateValue === 'idle') {
      const p = await this.launch(choice.codec);
      this.primed = p;
      void p.encoder.openShutter(opts.startAt);
    }
  }

  private get copies(): boolean {
    return this.opts.source.kind === 'v4l2' && ['h264', 'hevc'].includes(this.opts.source.v4l2InputFormat ?? '');
  }

  start(): Promise<StartResult> {
    if (this.stateValue !== 'idle' || this.starting) return Promise.reject(this.notIdle());
    this.starting = this.doStart();
    return this.starting;
  }

  private notIdle(): RigError {
    return this.stateValue === 'stopped' && !this.ending
      ? new RigError('SESSION_CLOSED', 'session was abandoned before it started')
      : new RigError('SESSION_ALREADY_STARTED', `session is ${this.stateValue}`);
  }

  private async doStart(): Promise<StartResult> {
    await this.prepare();
    if (this.stateValue !== 'idle') throw this.notIdle();
    this.stateValue = 'starting';
    const { opts } = this;
    let codec = this.preparedCodec ?? opts.codec;
    for (;;) {
      const p = this.primed ?? (await this.launch(codec));
      this.primed = null;
      // Already scheduled for startAt when primed; a relaunch opens at once.
      await p.openShutter(opts.startAt);
      const failure = await p.ready;
      if (!failure) break;
      await p.discard();
      const next = fallbackBeforeFirstFrame(codec, this.copies, failure);
      if (next) {
        codec = next.codec;
        this.codecFallbackReason = next.reason;
        continue;
      }
      this.stateValue = 'failed';
      await unlink(this.manifestPath).catch(() => undefined);
      throw new RigError('RECORDING_START_FAILED', `recording did not start: ${failure.message}`, {
        cause: failure,
        details: { code: failure.code },
      });
    }
    const a = this.attempt!;
    const rig = opts.rigClock;
    if (rig) this.sync = { ...this.sync, atStart: rig.snapshot(), rigMinusLocalMs: rig.known ? rig.toRig(a.firstFrameAt!) - a.firstFrameAt! : null };
    // Again with the provisional firstFrameAt and the real codec, so a crash keeps them.
    // Awaited so this write can never land after the final manifest's.
    await writeJsonAtomic(this.manifestPath, this.manifest(a.codec, null)).catch((err: unknown) =>
      this.tell('error', new RigError('MANIFEST_WRITE_FAILED', `in-progress manifest not updated: ${String(err)}`)),
    );
    this.stateValue = 'recording';
    if (opts.plannedDurationS) {
      this.plannedTimer = setTimeout(() => void this.finish('planned-duration', null), opts.plannedDurationS * 1000);
      this.plannedTimer.unref?.();
    }
    return {
      file: this.fileName,
      filePath: this.filePath,
      codec: a.codec,
      firstFrameAt: a.firstFrameAt!,
      firstFrameAtRig: this.sync.rigMinusLocalMs === null ? null : a.firstFrameAt! + this.sync.rigMinusLocalMs,
      codecFallbackReason: this.codecFallbackReason,
      take: this.takeValue,
    };
  }

  /**
   * Stops the encoder, finishes the file and writes the final manifest. Idempotent. A stop
   * during start() waits for it and then finishes what it started; if the start failed, there
   * is nothing to stop and it rejects with the start's error.
   */
  stop(reason = 'requested'): Promise<SessionResult> {
    if (this.starting && (this.stateValue === 'idle' || this.stateValue === 'starting')) {
      return this.starting.then(() => this.finish(reason, null));
    }
    if (this.stateValue !== 'recording' && !this.ending) {
      return Promise.reject(new RigError('SESSION_NOT_RECORDING', `session is ${this.stateValue}`));
    }
    return this.finish(reason, null);
  }

  /**
   * Ends the session whatever it is doing (node shutdown): an armed one is abandoned, a
   * starting one is finished once started, a recording one is finished. Resolves with the
   * final result, or null when nothing was recorded; never leaves an encoder running.
   */
  async close(reason: string): Promise<SessionResult | null> {
    if (this.stateValue === 'idle' && !this.starting) {
      await this.abandon();
      return null;
    }
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.stateValue === 'recording') return this.finish(reason, null);
    return this.ending;
  }

  /** Spawns a pipeline and makes it the current one: only its callbacks count (see onProgress). */
  private async launch(codec: VideoCodec): Promise<Pipeline> {
    const p = new Pipeline(codec, this.filePath, this.opts, this.deps, this.handlers);
    this.attempt = p;
    await p.open();
    return p;
  }

  /** Switches the live stream off (e.g. the CPU is needed by the recording); the recording goes on. */
  stopLive(reason: string): void {
    const live = this.attempt?.live;
    if (live?.running) live.drop(reason);
  }

  get liveActive(): boolean {
    return this.attempt?.live?.running ?? false;
  }

  private onProgress(p: Pipeline, snap: ProgressSnapshot, at: number): void {
    if (p !== this.attempt) return;
    p.last = snap;
    const frame = snap.frame ?? 0;
    if (frame > 0 && snap.outTimeUs !== null && snap.outTimeUs >= 0) {
      if (!p.firstOut && p.live?.running) this.tell('live', { active: true, reason: null });
      p.firstOut = true;
      // A shutter knows when it released the first frame; otherwise it is estimated.
      if (!p.cmd.shutter) {
        p.firstFrameAt = refineFirstFrame(p.firstFrameAt, {
          captureFrom: p.captureFrom, receivedAt: at, outTimeUs: snap.outTimeUs, windowMs: this.opts.firstFrameWindowMs ?? 10_000,
        });
      }
      p.settleReady(null);
    }
    p.rate.push(at, frame, snap.outTimeUs);
    this.tell('health', p.rate.health(p.last, at, this.opts.fps, p.writer.bytesWritten));
  }

  private onAttemptError(p: Pipeline, err: RigError): void {
    if (p !== this.attempt || p.failure || p.discarded) return;
    p.failure = err;
    if (!p.firstOut) {
      // Still in start(): start() decides between fallback and failure.
      void p.encoder.stop().then(() => p.settleReady(err));
      return;
    }
    const fallback = this.stateValue === 'recording'
      ? fallbackWhileRecording({
          codec: p.codec, failure: err, elapsedMs: this.deps.clock.now() - p.captureFrom, windowMs: this.opts.codecFallbackWindowMs ?? 3000,
        })
      : null;
    if (fallback) {
      this.restartAsH264(p, fallback.reason);
      return;
    }
    this.errors.push(err);
    this.tell('error', err);
    if (this.stateValue === 'recording') void this.finish(err.code, err);
  }

  /** HEVC died in its first seconds: the few seconds it wrote are discarded, not mixed in. */
  private restartAsH264(p: Pipeline, reason: string): void {
    this.codecFallbackReason = reason;
    this.tell('error', new RigError('CODEC_FALLBACK', reason));
    const relaunch = (async (): Promise<Pipeline | null> => {
      await p.discard();
      if (this.stateValue !== 'recording') return null; // stopped meanwhile: nothing to restart
      const next = await this.launch('h264');
      // The new file starts now: its first frame is this shutter's, not the discarded one's.
      await next.openShutter(this.deps.clock.now());
      return next;
    })();
    this.relaunching = relaunch.then(() => undefined, () => undefined);
    void relaunch.then(async (next) => {
      const failure = next ? await next.ready : null;
      if (next && failure && this.attempt === next && this.stateValue === 'recording') {
        this.errors.push(failure);
        this.tell('error', failure);
        void this.finish(failure.code, failure);
      }
    }, () => undefined);
  }

  private finish(reason: string, failure: RigError | null): Promise<SessionResult> {
    this.ending ??= this.doFinish(reason, failure);
    return this.ending;
  }

  private async doFinish(reason: string, failure: RigError | null): Promise<SessionResult> {
    if (this.plannedTimer) clearTimeout(this.plannedTimer);
    this.stateValue = 'stopping';
    // A fallback relaunch decides which pipeline is current: wait until it has launched
    // (not until its first frame), so the stop reaches the pipeline that is running.
    await this.relaunching;
    const a = this.attempt!;
    const { exit, hash, writeError } = await a.end();
    if (a.live) this.tell('live', { active: false, reason: 'recording stopped' });
    const stoppedAt = this.deps.clock.now();
    if (this.opts.rigClock) this.sync = { ...this.sync, atStop: this.opts.rigClock.snapshot() };
    const problem = failure ?? exit.error ?? writeError;
    if (problem && !this.errors.includes(problem)) this.errors.push(problem);
    const manifest = this.manifest(a.codec, { hash, final: { stopReason: reason, stoppedAt, incomplete: problem !== null, exit } });
    let manifestError: RigError | null = null;
    try {
      await writeFinalManifest(this.manifestPath, manifest, { dataDir: this.opts.dataDir, cameraId: this.opts.cameraId });
    } catch (err) {
      // Typically the same full disk; the in-progress manifest stays and recovery completes it.
      manifestError = new RigError('MANIFEST_WRITE_FAILED', `final manifest not written: ${String(err)}`, { cause: err });
      this.tell('error', manifestError);
    }
    this.stateValue = problem ? 'failed' : 'stopped';
    const result: SessionResult = { manifest, manifestPath: this.manifestPath, filePath: this.filePath, manifestError };
    this.tell('ended', result);
    return result;
  }

  private manifest(codec: VideoCodec, end: { hash: ManifestFacts['hash']; final: ManifestFacts['final'] } | null) {
    const a = this.attempt;
    return buildManifest({
      opts: this.opts, file: this.fileName, take: this.takeValue, startedAt: this.startedAt,
      firstFrameAt: a?.firstFrameAt ?? null, last: a?.last ?? null, codec,
      codecFallbackReason: this.codecFallbackReason, errors: this.errors,
      hash: end?.hash ?? null, final: end?.final ?? null, sync: this.sync,
    });
  }

  /** Tells the listeners; a listener's bug must not take the recording down (the actor logs its own). */
  private tell<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void {
    // An 'error' nobody listens to would throw (EventEmitter's rule); the manifest keeps it anyway.
    if (event === 'error' && this.listenerCount('error') === 0) return;
    try {
      (this.emit as (e: K, ...a: SessionEvents[K]) => boolean)(event, ...args);
    } catch {
      // see above
    }
  }
}
