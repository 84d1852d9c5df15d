import type { ProgressSnapshot } from './progress.js';

/**
 * How well the encoder keeps up, from its progress reports: the frame rate it sustains over
 * the last few seconds against the camera's, and the frames lost before it.
 */

export interface SessionHealth {
  at: number;
  frame: number;
  /** Frames per second encoded over the last few seconds. */
  fps: number | null;
  targetFps: number;
  keepingUp: boolean | null;
  speed: number | null;
  /** Frames the source dropped before the encoder (ffmpeg's drop_frames). */
  droppedFrames: number;
  dupFrames: number;
  bitrateKbps: number | null;
  sizeBytes: number;
  durationS: number;
}

/** What the rate is measured over, and how much history it needs to be judged at all. */
const WINDOW_MS = 5000;
const MIN_SPAN_S = 0.9;
/** Keeping up means at least this share of the target rate (and of real time). */
export const KEEPING_UP_SHARE = 0.95;

/**
 * The frame counts and output times of the last few seconds of reports. Speed is measured over
 * the same window as the rate: ffmpeg's own speed line is averaged since the start, so a stall
 * in the first seconds held it below real time (and ENCODER_SLOW up) for minutes of full rate.
 */
export class RateWindow {
  private readonly points: Array<{ at: number; frame: number; outUs: number | null }> = [];

  push(at: number, frame: number, outUs: number | null = null): void {
    this.points.push({ at, frame, outUs });
    while (this.points.length > 2 && at - this.points[0]!.at > WINDOW_MS) this.points.shift();
  }

  health(last: ProgressSnapshot | null, at: number, targetFps: number, sizeBytes: number): SessionHealth {
    const first = this.points[0];
    const span = first ? (at - first.at) / 1000 : 0;
    const fps = first && span >= MIN_SPAN_S ? ((last?.frame ?? 0) - first.frame) / span : (last?.fps ?? null);
    const outNow = last?.outTimeUs ?? null;
    const speed = first && span >= MIN_SPAN_S && first.outUs !== null && outNow !== null
      ? Math.round(((outNow - first.outUs) / 1e6 / span) * 1000) / 1000
      : (last?.speed ?? null);
    // Judged only once a second of history exists: the first reports include start-up.
    const keepingUp = fps === null || span < MIN_SPAN_S
      ? null
      : fps >= targetFps * KEEPING_UP_SHARE && (speed === null || speed >= KEEPING_UP_SHARE);
    return {
      at,
      frame: last?.frame ?? 0,
      fps,
      targetFps,
      keepingUp,
      speed,
      droppedFrames: last?.dropFrames ?? 0,
      dupFrames: last?.dupFrames ?? 0,
      bitrateKbps: last?.bitrateKbps ?? null,
      sizeBytes,
      durationS: Math.max(0, (last?.outTimeUs ?? 0) / 1e6),
    };
  }
}

export interface SlowWarning {
  code: 'ENCODER_SLOW';
  message: string;
  fps: number;
  targetFps: number;
  droppedFrames: number;
}

/**
 * Turns health reports into the ENCODER_SLOW warning: raised once the encoder has not kept up
 * for `sustainMs` in a row (a single slow report is start-up or a hiccup, not a camera that
 * cannot keep up), cleared as soon as it keeps up again. Pure: time is the reports' own `at`.
 */
export class SlowWatch {
  private slowSince: number | null = null;

  constructor(private readonly sustainMs = 3000) {}

  /** The warning while the encoder is sustainedly slow, else null. */
  update(h: SessionHealth): SlowWarning | null {
    if (h.keepingUp !== false || h.fps === null) {
      if (h.keepingUp === true) this.slowSince = null;
      return null;
    }
    this.slowSince ??= h.at;
    if (h.at - this.slowSince < this.sustainMs) return null;
    const fps = Math.round(h.fps * 10) / 10;
    const speed = h.speed === null ? '' : `, ${h.speed}x real time`;
    const dropped = h.droppedFrames > 0 ? `; ${h.droppedFrames} frames lost before the encoder` : '';
    return {
      code: 'ENCODER_SLOW',
      message: `encoder not keeping up: ${fps} fps of ${h.targetFps} for ${Math.round((h.at - this.slowSince) / 1000)} s${speed}${dropped}; lower the resolution, frame rate or codec`,
      fps,
      targetFps: h.targetFps,
      droppedFrames: h.droppedFrames,
    };
  }
}
