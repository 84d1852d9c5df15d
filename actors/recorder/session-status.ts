import type { Config } from '../../runtime/config/schema.js';
import type { Logger } from '../../runtime/logging.js';
import type { StatusBoard } from '../../runtime/status.js';
import { SlowWatch } from './health.js';
import type { RecordingSession } from './session.js';
import type { RecorderWarnings } from './warnings.js';

/**
 * How a recording session shows in this node's status and log: encoder health (and the
 * ENCODER_SLOW warning), the live stream and its CPU guard, warnings and errors. The actor
 * attaches this to each session it creates.
 */
export interface SessionStatusDeps {
  board: StatusBoard;
  log: Logger;
  config: () => Config;
  warnings: RecorderWarnings;
  /** How often the live stream's CPU guard looks at the load. */
  liveCheckMs?: number;
}

export function showSessionInStatus(session: RecordingSession, deps: SessionStatusDeps): void {
  const { board, log, warnings } = deps;
  const slow = new SlowWatch();
  session.on('live', (l) => {
    board.patch({ live: { state: l.active ? 'on' : 'off', reason: l.reason, url: l.active ? '/api/v1/live/live.m3u8' : null } });
    if (!l.active && l.reason && l.reason !== 'recording stopped') log.warn({ code: 'LIVE_OFF' }, `live stream off: ${l.reason}`);
  });
  guardLiveCpu(session, deps);
  session.on('health', (h) => {
    board.patch({ encoder: { fps: round(h.fps), droppedFrames: h.droppedFrames, speed: h.speed, keepingUp: h.keepingUp } });
    const w = slow.update(h);
    if (w && !warnings.has(w.code)) log.warn({ code: w.code, fps: w.fps, targetFps: w.targetFps, droppedFrames: w.droppedFrames }, w.message);
    if (w) warnings.set(w.code, w.message);
    else if (h.keepingUp) warnings.clear('ENCODER_SLOW');
  });
  session.on('warning', (w) => {
    log.warn({ code: w.code }, w.message);
    warnings.set(w.code, w.message);
  });
  session.on('error', (err) => {
    log.error({ code: err.code, err }, `recording error: ${err.message}`);
    board.patch({ recording: { error: { code: err.code, message: err.message } } });
    // HEVC died in its first seconds and H.264 records on (session.restartAsH264): the status
    // names the codec really recorded, with the same warning as a fallback at start.
    if (err.code === 'CODEC_FALLBACK') {
      board.patch({ video: { ...board.snapshot().video, codec: 'h264' } });
      warnings.set('CODEC_FALLBACK', `recording H.264: ${err.message}`);
    }
  });
}

/**
 * Grandma Mode must never cost the recording: while it runs, CPU load (sampled by the
 * Housekeeper) above the configured limit twice in a row switches it off for this session.
 */
function guardLiveCpu(session: RecordingSession, deps: SessionStatusDeps): void {
  let over = 0;
  const timer = setInterval(() => {
    if (!session.liveActive) { if (session.state === 'stopped' || session.state === 'failed') clearInterval(timer); return; }
    const load = deps.board.snapshot().cpu.loadPercent;
    const limit = deps.config().live.maxCpuPercent;
    over = load !== null && load > limit ? over + 1 : 0;
    if (over >= 2) session.stopLive(`CPU load ${load} % above ${limit} %: live stream switched off to protect the recording`);
  }, deps.liveCheckMs ?? 2000);
  timer.unref();
  session.on('ended', () => clearInterval(timer));
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}
