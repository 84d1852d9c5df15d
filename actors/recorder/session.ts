import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RigError } from '../../runtime/errors.js';
import { writeJsonAtomic } from './atomic-write.js';
import { buildEncoderCommand, buildLiveCommand, hasShutter, type EncoderCommand, type RecordingSettings, type VideoCodec } from './command.js';
import type { EncoderList } from './encoders.js';
import { HashingWriter, type HashResult, type WriterFs } from './hashing-writer.js';
import { manifestFileName, recordingFileName, type Manifest } from './manifest.js';
import { EncoderProcess, type EncoderExit } from './process.js';
import type { ProgressSnapshot } from './progress.js';
import { PreviewProcess, TapProcess } from './preview.js';
import type { ProcessRunner } from './runner.js';

/**
 * One recording on one node, from spawn to final manifest. The actor owns a session; the
 * session owns the encoder, the file and the manifest.
 *
 * firstFrameAt: a camera with a shutter (synthetic, rpicam; see shutter.ts) is started when
 * the node is armed and released at startAt; firstFrameAt is when its shutter opened, to a
 * fraction of a ms (for rpicam, the next sensor frame follows within one frame interval).
 *
 * Without a shutter (v4l2), the encoder is spawned at the instant and firstFrameAt is
 * estimated: for a live (real-time) source, frame timestamps advance with the wall clock,
 * so every progress report gives an estimate `receivedAt − out_time`, where out_time is the
 * timestamp of the last muxed frame counted from the first one. Each report arrives after its
 * frame was captured (encode + pipe + report latency), so every estimate is late by that
 * latency and never early; the minimum over the first reports is therefore the tightest
 * bound, typically within a frame or two of the true capture of frame 0. It is clamped to not
 * precede the spawn. The value is provisional when start() resolves (first report) and
 * tightens over the first `firstFrameWindowMs`; the manifest carries the refined value.
 */

export interface Clock {
  now(): number;
}

/** `codec` is the preferred one; h265 falls back to h264 when libx265 is missing or fails early. */
export interface SessionOptions extends RecordingSettings {
  sessionId: string;
  cameraId: string;
  cameraPosition: string;
  /** The rig-agreed start instant, epoch ms. */
  startAt: number;
  dataDir: string;
  softwareVersion: string;
  snapshot: string | null;
  /** Stop by itself this long after the first frame; null = until stop(). */
  plannedDurationS?: number | null;
  tune?: string | null;
  /** Where the preview JPEG goes; null = no preview. */
  previewPath?: string | null;
  /** Grandma Mode: a low-resolution HLS live stream into this directory; null = off. */
  live?: { dir: string; height: number; bitrateMbps: number } | null;
  previewEveryS?: number;
  /** An h265 failure this soon after spawn is treated as "HEVC does not work here". */
  codecFallbackWindowMs?: number;
  startTimeoutMs?: number;
  stallTimeoutMs?: number;
  stopGraceMs?: number;
  killGraceMs?: number;
  fsyncIntervalMs?: number;
  firstFrameWindowMs?: number;
}

export interface SessionDeps {
  runner: ProcessRunner;
  encoders: EncoderList;
  clock: Clock;
  writerFs?: WriterFs;
  ffmpegPath?: string;
  rpicamPath?: string;
}

export type SessionState = 'idle' | 'starting' | 'recording' | 'stopping' | 'stopped' | 'failed';

export interface SessionHealth {
  at: number;
  frame: number;
  /** Frames per second encoded over the last few seconds. */
  fps: number | null;
  targetFps: number;
  keepingUp: boolean | null;
  speed: number | null;
  droppedFrames: number;
  dupFrames: number;
  bitrateKbps: number | null;
  sizeBytes: number;
  durationS: number;
}

export interface StartResult {
  file: string;
  filePath: string;
  codec: VideoCodec;
  firstFrameAt: number;
  codecFallbackReason: string | null;
}

export interface SessionResult {
  manifest: Manifest;
  manifestPath: string;
  filePath: string;
  /** Set when the final manifest could not be written (the in-progress one is still there). */
  manifestError: RigError | null;
}

export interface SessionEvents {
  health: (h: SessionHealth) => void;
  error: (err: RigError) => void;
  /** The session ended, asked for or not. */
  ended: (r: SessionResult) => void;
  /** The Grandma Mode live stream went on or off (with why). */
  live: (state: LiveState) => void;
}

export interface LiveState { active: boolean; reason: string | null }

interface Attempt {
  codec: VideoCodec;
  cmd: EncoderCommand;
  encoder: EncoderProcess;
  writer: HashingWriter;
  preview: PreviewProcess | null;
  live: TapProcess | null;
  /** When this attempt began capturing: its spawn, or for a gated pipeline its shutter opening. */
  captureFrom: number;
  firstFrameAt: number | null;
  /** The first frame came out of the encoder. */
  firstOut: boolean;
  /** Being thrown away (superseded start, HEVC fallback): its taps' complaints are moot. */
  discarded: boolean;
  last: ProgressSnapshot | null;
  failure: RigError | null;
  /** Settles on the first frame or the first failure, whichever comes first. */
  ready: Promise<RigError | null>;
  settleReady: (v: RigError | null) => void;
  window: Array<{ at: number; frame: number }>;
}

const RESERVE_BYTES = 1024 * 1024;
const reservePath = (dir: string, cameraId: string): string => join(dir, `.manifest-reserve-${cameraId}`);

/**
 * A small file set aside while recording so the final manifest can still be written
 * when the recording itself filled the disk ("never lose a manifest").
 */
export async function takeReserve(dir: string, cameraId: string): Promise<void> {
  await writeFile(reservePath(dir, cameraId), Buffer.alloc(RESERVE_BYTES)).catch(() => undefined);
}

export async function releaseReserve(dir: string, cameraId: string): Promise<void> {
  await unlink(reservePath(dir, cameraId)).catch(() => undefined);
}

export class RecordingSession {
  private stateValue: SessionState = 'idle';
  private attempt: Attempt | null = null;
  private codecFallbackReason: string | null = null;
  private startedAt: number | null = null;
  private fileName = '';
  private readonly listeners: { [K in keyof SessionEvents]: Set<SessionEvents[K]> } = {
    health: new Set(),
    error: new Set(),
    ended: new Set(),
    live: new Set(),
  };
  private readonly errors: RigError[] = [];
  private ending: Promise<SessionResult> | null = null;
  private plannedTimer: NodeJS.Timeout | null = null;
  private prepared: Promise<void> | null = null;
  private preparedCodec: VideoCodec | null = null;
  /** A pipeline started by prepare(), waiting for its shutter to open at startAt. */
  private primed: Attempt | null = null;

  constructor(private readonly opts: SessionOptions, private readonly deps: SessionDeps) {}

  get state(): SessionState {
    return this.stateValue;
  }

  get filePath(): string {
    return join(this.opts.dataDir, this.fileName);
  }

  get manifestPath(): string {
    return join(this.opts.dataDir, manifestFileName(this.opts.sessionId, this.opts.cameraId));
  }

  get firstFrameAt(): number | null {
    return this.attempt?.firstFrameAt ?? null;
  }

  get codec(): VideoCodec | null {
    return this.attempt?.codec ?? null;
  }

  on<K extends keyof SessionEvents>(event: K, fn: SessionEvents[K]): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /**
   * Everything a start needs ahead of the instant: directory, encoder probe, the first
   * in-progress manifest and, for a camera with a shutter (synthetic, rpicam), the running
   * pipeline itself, whose shutter then opens on its own timer at startAt, whatever the node
   * is busy with. Done when a node is armed; start() calls it if needed.
   */
  async prepare(): Promise<void> {
    if (this.prepared) return this.prepared;
    this.prepared = this.doPrepare();
    return this.prepared;
  }

  /** An armed session that will not start: removes its in-progress manifest. */
  async abandon(): Promise<void> {
    if (this.stateValue !== 'idle') return;
    this.stateValue = 'stopped';
    await this.prepared?.catch(() => undefined);
    if (this.primed) await this.discard(this.primed);
    this.primed = null;
    await unlink(this.manifestPath).catch(() => undefined);
  }

  private async doPrepare(): Promise<void> {
    const { opts, deps } = this;
    // The file is named after the start instant when armed ahead of it.
    this.startedAt = Math.max(deps.clock.now(), opts.startAt);
    this.fileName = recordingFileName(opts.sessionId, opts.cameraId, this.startedAt);
    await mkdir(opts.dataDir, { recursive: true });
    // Off the start path: a start instant shared by the rig must not wait for this write.
    void takeReserve(opts.dataDir, opts.cameraId);

    let codec = opts.codec;
    if (!this.copies && codec === 'h265' && !(await deps.encoders.has('libx265'))) {
      codec = 'h264';
      this.codecFallbackReason = 'libx265 is not available in this ffmpeg build';
    }
    if (!this.copies && codec === 'h264' && !(await deps.encoders.has('libx264'))) {
      this.stateValue = 'failed';
      throw new RigError('ENCODER_UNAVAILABLE', 'neither libx265 nor libx264 is available in this ffmpeg build');
    }
    this.preparedCodec = codec;
    // Written before the recording file exists, so a crash at any later point leaves a
    // manifest that recovery can complete.
    await writeJsonAtomic(this.manifestPath, this.buildManifest(null, { inProgress: true, codec }));
    if (hasShutter(opts.source.kind) && this.stateValue === 'idle') {
      const a = await this.launch(codec);
      this.primed = a;
      void a.encoder.openShutter(opts.startAt);
    }
  }

  private get copies(): boolean {
    return this.opts.source.kind === 'v4l2' && ['h264', 'hevc'].includes(this.opts.source.v4l2InputFormat ?? '');
  }

  async start(): Promise<StartResult> {
    if (this.stateValue !== 'idle') throw new RigError('SESSION_ALREADY_STARTED', `session is ${this.stateValue}`);
    await this.prepare();
    if (this.stateValue !== 'idle') throw new RigError('SESSION_ALREADY_STARTED', `session is ${this.stateValue}`);
    this.stateValue = 'starting';
    const { opts } = this;
    const copies = this.copies;
    let codec = this.preparedCodec!;

    for (;;) {
      const attempt = this.primed ?? (await this.launch(codec));
      this.primed = null;
      // Already scheduled for startAt when primed; a relaunch opens at once.
      await this.openShutter(attempt, opts.startAt);
      const failure = await attempt.ready;
      if (!failure) break;
      await this.discard(attempt);
      if (codec === 'h265' && !copies) {
        codec = 'h264';
        this.codecFallbackReason = `libx265 failed before the first frame: ${failure.message}`;
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
    // Again with the provisional firstFrameAt and the real codec, so a crash keeps them.
    // Awaited so this write can never land after the final manifest's.
    await writeJsonAtomic(this.manifestPath, this.buildManifest(null, { inProgress: true, codec: a.codec })).catch((err: unknown) =>
      this.emit('error', new RigError('MANIFEST_WRITE_FAILED', `in-progress manifest not updated: ${String(err)}`)),
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
      codecFallbackReason: this.codecFallbackReason,
    };
  }

  /** Stops the encoder, finishes the file and writes the final manifest. Idempotent. */
  stop(reason = 'requested'): Promise<SessionResult> {
    if (this.stateValue === 'idle' || this.stateValue === 'starting') {
      return Promise.reject(new RigError('SESSION_NOT_RECORDING', `session is ${this.stateValue}`));
    }
    return this.finish(reason, null);
  }

  private async launch(codec: VideoCodec): Promise<Attempt> {
    const { opts, deps } = this;
    const cmd = buildEncoderCommand({
      source: opts.source,
      width: opts.width,
      height: opts.height,
      fps: opts.fps,
      codec,
      bitrateMbps: opts.bitrateMbps,
      audio: opts.audio,
      ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
      ...(opts.tune !== undefined ? { tune: opts.tune } : {}),
      ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}),
      ...(deps.rpicamPath ? { rpicamPath: deps.rpicamPath } : {}),
    });
    let settleReady!: (v: RigError | null) => void;
    const ready = new Promise<RigError | null>((resolve) => (settleReady = resolve));
    const preview = opts.previewPath
      ? new PreviewProcess({
          runner: deps.runner,
          previewPath: opts.previewPath,
          ...(opts.previewEveryS !== undefined ? { everyS: opts.previewEveryS } : {}),
          ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}),
          onDropped: (reason) => { if (!attempt.discarded) this.emit('error', new RigError('PREVIEW_DROPPED', reason)); },
        })
      : null;
    const live = opts.live
      ? new TapProcess({
          runner: deps.runner,
          name: 'live stream',
          argv: buildLiveCommand({ ...opts.live, fps: opts.fps, audio: opts.audio, ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}) }),
          onDropped: (reason) => { if (!attempt.discarded) this.emit('live', { active: false, reason }); },
        })
      : null;
    const attempt: Attempt = {
      codec: cmd.codec, cmd, preview, live, captureFrom: deps.clock.now(), firstFrameAt: null, firstOut: false, discarded: false, last: null, failure: null,
      ready, settleReady, window: [],
      encoder: new EncoderProcess(cmd, {
        runner: deps.runner,
        now: () => deps.clock.now(),
        ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
        ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
        ...(opts.stopGraceMs !== undefined ? { stopGraceMs: opts.stopGraceMs } : {}),
        ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
        onProgress: (snap, at) => this.onProgress(attempt, snap, at),
        onError: (err) => this.onAttemptError(attempt, err),
      }),
      writer: null as unknown as HashingWriter,
    };
    this.attempt = attempt;
    const stdout = attempt.encoder.start();
    attempt.writer = new HashingWriter({
      path: this.filePath,
      source: stdout,
      ...(deps.writerFs ? { fs: deps.writerFs } : {}),
      ...(opts.fsyncIntervalMs !== undefined ? { syncIntervalMs: opts.fsyncIntervalMs } : {}),
      now: () => deps.clock.now(),
      onError: (err) => this.onAttemptError(attempt, err),
      ...(preview || live ? { onChunk: (c: Buffer) => { preview?.feed(c); live?.feed(c); } } : {}),
    });
    try {
      await attempt.writer.open();
    } catch (err) {
      const e = err instanceof RigError ? err : new RigError('WRITE_FAILED', String(err));
      attempt.failure = e;
      // Nothing drains stdout now; the stop ladder ends with SIGKILL if ffmpeg is blocked.
      stdout.resume();
      await attempt.encoder.stop();
      settleReady(e);
      return attempt;
    }
    preview?.start();
    if (live) {
      await mkdir(opts.live!.dir, { recursive: true }).catch(() => undefined);
      live.start();
      // A primed pipeline is not live yet: 'live' goes on with its first frame (onProgress).
    }
    return attempt;
  }

  /** Switches the live stream off (e.g. the CPU is needed by the recording); the recording goes on. */
  stopLive(reason: string): void {
    const live = this.attempt?.live;
    if (live?.running) live.drop(reason);
  }

  get liveActive(): boolean {
    return this.attempt?.live?.running ?? false;
  }

  private onProgress(a: Attempt, snap: ProgressSnapshot, at: number): void {
    if (a !== this.attempt) return;
    a.last = snap;
    const frame = snap.frame ?? 0;
    if (frame > 0 && snap.outTimeUs !== null && snap.outTimeUs >= 0) {
      if (!a.firstOut && a.live?.running) this.emit('live', { active: true, reason: null });
      a.firstOut = true;
      const windowMs = this.opts.firstFrameWindowMs ?? 10_000;
      // A shutter knows when it released the first frame; otherwise it is estimated.
      if (!a.cmd.shutter && (a.firstFrameAt === null || at - a.captureFrom <= windowMs)) {
        const estimate = Math.max(a.captureFrom, at - snap.outTimeUs / 1000);
        a.firstFrameAt = a.firstFrameAt === null ? estimate : Math.min(a.firstFrameAt, estimate);
      }
      a.settleReady(null);
    }
    a.window.push({ at, frame });
    while (a.window.length > 2 && at - a.window[0]!.at > 5000) a.window.shift();
    this.emit('health', this.health(a, at));
  }

  private health(a: Attempt, at: number): SessionHealth {
    const s = a.last;
    const first = a.window[0];
    const span = first ? (at - first.at) / 1000 : 0;
    const fps = first && span >= 0.9 ? ((s?.frame ?? 0) - first.frame) / span : (s?.fps ?? null);
    const speed = s?.speed ?? null;
    const target = this.opts.fps;
    // Judged only once a second of history exists: the first reports include start-up.
    const keepingUp = fps === null || span < 0.9 ? null : fps >= target * 0.95 && (speed === null || speed >= 0.95);
    return {
      at,
      frame: s?.frame ?? 0,
      fps,
      targetFps: target,
      keepingUp,
      speed,
      droppedFrames: s?.dropFrames ?? 0,
      dupFrames: s?.dupFrames ?? 0,
      bitrateKbps: s?.bitrateKbps ?? null,
      sizeBytes: a.writer?.bytesWritten ?? 0,
      durationS: Math.max(0, (s?.outTimeUs ?? 0) / 1e6),
    };
  }

  private onAttemptError(a: Attempt, err: RigError): void {
    if (a !== this.attempt || a.failure) return;
    a.failure = err;
    if (!a.firstOut) {
      // Still in start(): start() decides between fallback and failure.
      void a.encoder.stop().then(() => a.settleReady(err));
      return;
    }
    const withinWindow = this.deps.clock.now() - a.captureFrom < (this.opts.codecFallbackWindowMs ?? 3000);
    // Only an encoder failure says "HEVC does not work here"; a full disk must never be
    // answered by discarding what was written and starting over.
    const encoderFault = err.code === 'ENCODER_EXITED' || err.code === 'ENCODER_STALLED';
    if (a.codec === 'h265' && encoderFault && withinWindow && this.stateValue === 'recording') {
      void this.restartAsH264(a, err);
      return;
    }
    this.errors.push(err);
    this.emit('error', err);
    if (this.stateValue === 'recording') void this.finish(err.code, err);
  }

  /** HEVC died in its first seconds: the few seconds it wrote are discarded, not mixed in. */
  private async restartAsH264(a: Attempt, err: RigError): Promise<void> {
    this.codecFallbackReason = `libx265 failed ${Math.round((this.deps.clock.now() - a.captureFrom) / 100) / 10} s after start: ${err.message}`;
    this.emit('error', new RigError('CODEC_FALLBACK', this.codecFallbackReason));
    await this.discard(a);
    const next = await this.launch('h264');
    // The new file starts now: its first frame is this shutter's, not the discarded one's.
    await this.openShutter(next, this.deps.clock.now());
    const failure = await next.ready;
    if (failure && this.attempt === next && this.stateValue === 'recording') {
      this.errors.push(failure);
      this.emit('error', failure);
      void this.finish(failure.code, failure);
    }
  }

  /** Opens a gated attempt's shutter at `at` (or at once): its first frame is then known. */
  private async openShutter(a: Attempt, at: number): Promise<void> {
    if (!a.cmd.shutter) return;
    const opened = await a.encoder.openShutter(at);
    if (opened === null) return; // stopped before it opened: ready says why
    a.firstFrameAt = opened;
    a.captureFrom = this.deps.clock.now();
  }

  private async discard(a: Attempt): Promise<void> {
    a.discarded = true;
    await a.encoder.stop().catch(() => undefined);
    await a.writer?.done.catch(() => undefined);
    await a.preview?.stop();
    await a.live?.stop();
    await unlink(this.filePath).catch(() => undefined);
  }

  private finish(reason: string, failure: RigError | null): Promise<SessionResult> {
    this.ending ??= this.doFinish(reason, failure);
    return this.ending;
  }

  private async doFinish(reason: string, failure: RigError | null): Promise<SessionResult> {
    if (this.plannedTimer) clearTimeout(this.plannedTimer);
    this.stateValue = 'stopping';
    const a = this.attempt!;
    const exit: EncoderExit = await a.encoder.stop();
    let hash: HashResult | null = null;
    let writeError: RigError | null = null;
    try {
      hash = await a.writer.done;
    } catch (err) {
      writeError = err instanceof RigError ? err : new RigError('WRITE_FAILED', String(err));
      hash = a.writer.partialResult;
    }
    await a.preview?.stop();
    if (a.live) {
      await a.live.stop();
      this.emit('live', { active: false, reason: 'recording stopped' });
    }
    const stoppedAt = this.deps.clock.now();
    const problem = failure ?? exit.error ?? writeError;
    if (problem && !this.errors.includes(problem)) this.errors.push(problem);
    const manifest = this.buildManifest(hash, {
      inProgress: false,
      codec: a.codec,
      stopReason: reason,
      stoppedAt,
      incomplete: problem !== null,
      exit,
    });
    let manifestError: RigError | null = null;
    try {
      await writeJsonAtomic(this.manifestPath, manifest).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOSPC' && err.code !== 'EDQUOT') throw err;
        // The disk filled up: give back the space reserved at start for exactly this write.
        await releaseReserve(this.opts.dataDir, this.opts.cameraId);
        await writeJsonAtomic(this.manifestPath, manifest);
      });
    } catch (err) {
      // Typically the same full disk; the in-progress manifest stays and recovery completes it.
      manifestError = new RigError('MANIFEST_WRITE_FAILED', `final manifest not written: ${String(err)}`, { cause: err });
      this.emit('error', manifestError);
    }
    this.stateValue = problem ? 'failed' : 'stopped';
    const result: SessionResult = { manifest, manifestPath: this.manifestPath, filePath: this.filePath, manifestError };
    this.emit('ended', result);
    return result;
  }

  private buildManifest(
    hash: HashResult | null,
    o: { inProgress: boolean; codec: VideoCodec; stopReason?: string; stoppedAt?: number; incomplete?: boolean; exit?: EncoderExit },
  ): Manifest {
    const { opts } = this;
    const a = this.attempt;
    const last = a?.last ?? null;
    const fps = last?.fps ?? null;
    return {
      file: this.fileName,
      sessionId: opts.sessionId,
      cameraId: opts.cameraId,
      cameraPosition: opts.cameraPosition,
      startAt: opts.startAt,
      firstFrameAt: a?.firstFrameAt ?? null,
      offsetMs: null,
      // The last muxed timestamp: what a player will show, not the wall time we ran.
      durationS: Math.max(0, Math.round((last?.outTimeUs ?? 0) / 1000) / 1000),
      video: { width: opts.width, height: opts.height, fps: opts.fps, codec: o.codec, bitrateMbps: opts.bitrateMbps },
      droppedFrames: Math.max(0, last?.dropFrames ?? 0),
      sha256: hash?.sha256 ?? null,
      sizeBytes: hash?.sizeBytes ?? 0,
      snapshot: opts.snapshot,
      softwareVersion: opts.softwareVersion,
      offloaded: false,
      incomplete: o.inProgress ? true : (o.incomplete ?? false),
      inProgress: o.inProgress,
      stopReason: o.stopReason ?? null,
      startedAt: this.startedAt ?? 0,
      stoppedAt: o.stoppedAt ?? null,
      codecFallbackReason: this.codecFallbackReason,
      encoder: { avgFps: fps, speed: last?.speed ?? null, frames: last?.frame ?? null },
      errors: this.errors.map((e) => ({ code: e.code, message: e.message })),
    };
  }

  private emit<K extends keyof SessionEvents>(event: K, ...args: Parameters<SessionEvents[K]>): void {
    for (const fn of this.listeners[event]) {
      try {
        (fn as (...a: Parameters<SessionEvents[K]>) => void)(...args);
      } catch {
        // A listener's bug must not take the recording down; the actor logs its own errors.
      }
    }
  }
}
