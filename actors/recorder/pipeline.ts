import { mkdir, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RigError } from '../../runtime/errors.js';
import { buildEncoderCommand, buildLiveCommand, type EncoderCommand, type VideoCodec } from './command.js';
import { RateWindow } from './health.js';
import { HashingWriter, type HashResult } from './hashing-writer.js';
import { EncoderProcess, type EncoderExit } from './process.js';
import type { ProgressSnapshot } from './progress.js';
import { PreviewProcess, TapProcess } from './preview.js';
import type { SessionDeps, SessionOptions } from './session-types.js';

/**
 * One launch of the recording pipeline: the encoder, the writer that hashes its output into
 * the file, and the preview and live taps fed from the same bytes. A session launches one, or
 * more when it falls back to H.264 (the discarded ones are thrown away whole).
 */

export interface PipelineHandlers {
  onProgress(p: Pipeline, snap: ProgressSnapshot, at: number): void;
  onError(p: Pipeline, err: RigError): void;
  onPreviewDropped(p: Pipeline, reason: string): void;
  onLiveDropped(p: Pipeline, reason: string): void;
}

export interface PipelineEnd {
  exit: EncoderExit;
  hash: HashResult | null;
  writeError: RigError | null;
}

export class Pipeline {
  readonly codec: VideoCodec;
  readonly cmd: EncoderCommand;
  readonly encoder: EncoderProcess;
  readonly writer: HashingWriter;
  readonly preview: PreviewProcess | null;
  readonly live: TapProcess | null;
  readonly rate = new RateWindow();
  /** When this pipeline began capturing: its spawn, or for a gated pipeline its shutter opening. */
  captureFrom: number;
  firstFrameAt: number | null = null;
  /** The first frame came out of the encoder. */
  firstOut = false;
  /** Being thrown away (superseded start, HEVC fallback): its taps' complaints are moot. */
  discarded = false;
  last: ProgressSnapshot | null = null;
  failure: RigError | null = null;
  /** Settles on the first frame or the first failure, whichever comes first. */
  readonly ready: Promise<RigError | null>;
  private settle!: (v: RigError | null) => void;
  private readonly stdout: Readable;

  /** Spawns the encoder at once; open() then opens the file and starts the taps. */
  constructor(
    codec: VideoCodec,
    private readonly filePath: string,
    private readonly opts: SessionOptions,
    private readonly deps: SessionDeps,
    handlers: PipelineHandlers,
  ) {
    this.ready = new Promise((resolve) => (this.settle = resolve));
    const ffmpegPath = deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {};
    this.cmd = buildEncoderCommand({
      source: opts.source, width: opts.width, height: opts.height, fps: opts.fps, codec,
      bitrateMbps: opts.bitrateMbps, audio: opts.audio,
      ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
      ...(opts.tune !== undefined ? { tune: opts.tune } : {}),
      ...ffmpegPath,
      ...(deps.rpicamPath ? { rpicamPath: deps.rpicamPath } : {}),
      // The shutter opens at startAt, or at once for a pipeline launched after it (a fallback).
      audioZeroAt: Math.max(opts.startAt, deps.clock.now()),
    });
    this.codec = this.cmd.codec;
    this.preview = opts.previewPath
      ? new PreviewProcess({
          runner: deps.runner, previewPath: opts.previewPath, ...ffmpegPath,
          ...(opts.previewEveryS !== undefined ? { everyS: opts.previewEveryS } : {}),
          onDropped: (reason) => { if (!this.discarded) handlers.onPreviewDropped(this, reason); },
        })
      : null;
    this.live = opts.live
      ? new TapProcess({
          runner: deps.runner,
          name: 'live stream',
          argv: buildLiveCommand({ ...opts.live, fps: opts.fps, audio: opts.audio, ...ffmpegPath }),
          onDropped: (reason) => { if (!this.discarded) handlers.onLiveDropped(this, reason); },
        })
      : null;
    this.captureFrom = deps.clock.now();
    this.encoder = new EncoderProcess(this.cmd, {
      runner: deps.runner,
      now: () => deps.clock.now(),
      ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
      ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
      ...(opts.stopGraceMs !== undefined ? { stopGraceMs: opts.stopGraceMs } : {}),
      ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      onProgress: (snap, at) => handlers.onProgress(this, snap, at),
      onError: (err) => handlers.onError(this, err),
    });
    const stdout = this.encoder.start();
    this.stdout = stdout;
    const { preview, live } = this;
    this.writer = new HashingWriter({
      path: filePath,
      source: stdout,
      ...(deps.writerFs ? { fs: deps.writerFs } : {}),
      ...(opts.fsyncIntervalMs !== undefined ? { syncIntervalMs: opts.fsyncIntervalMs } : {}),
      now: () => deps.clock.now(),
      onError: (err) => handlers.onError(this, err),
      ...(preview || live ? { onChunk: (c: Buffer) => { preview?.feed(c); live?.feed(c); } } : {}),
    });
  }

  /**
   * Opens the file and starts the taps. Never rejects: a file that cannot be opened is this
   * pipeline's failure (`ready` says so), and its encoder is then already stopped.
   */
  async open(): Promise<void> {
    try {
      await this.writer.open();
    } catch (err) {
      const e = err instanceof RigError ? err : new RigError('WRITE_FAILED', String(err));
      this.failure = e;
      // Nothing drains stdout now; the stop ladder ends with SIGKILL if ffmpeg is blocked.
      this.stdout.resume();
      await this.encoder.stop();
      this.settleReady(e);
      return;
    }
    this.preview?.start();
    if (this.live && this.opts.live) {
      await mkdir(this.opts.live.dir, { recursive: true }).catch(() => undefined);
      this.live.start();
      // A primed pipeline is not live yet: 'live' goes on with its first frame.
    }
  }

  settleReady(v: RigError | null): void {
    this.settle(v);
  }

  /** Opens a gated pipeline's shutter at `at` (or at once): its first frame is then known. */
  async openShutter(at: number): Promise<void> {
    if (!this.cmd.shutter) return;
    const opened = await this.encoder.openShutter(at);
    if (opened === null) return; // stopped before it opened: ready says why
    this.firstFrameAt = opened;
    this.captureFrom = this.deps.clock.now();
  }

  /** Stops everything and throws the file away. */
  async discard(): Promise<void> {
    this.discarded = true;
    await this.encoder.stop().catch(() => undefined);
    await this.writer.done.catch(() => undefined);
    await this.preview?.stop();
    await this.live?.stop();
    await unlink(this.filePath).catch(() => undefined);
  }

  /** Stops everything and finishes the file: how the encoder ended and what was written. */
  async end(): Promise<PipelineEnd> {
    const exit = await this.encoder.stop();
    let hash: HashResult | null;
    let writeError: RigError | null = null;
    try {
      hash = await this.writer.done;
    } catch (err) {
      writeError = err instanceof RigError ? err : new RigError('WRITE_FAILED', String(err));
      hash = this.writer.partialResult;
    }
    await this.preview?.stop();
    await this.live?.stop();
    return { exit, hash, writeError };
  }
}
