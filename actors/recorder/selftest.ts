import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RigError } from '../../runtime/errors.js';
import type { RecordingSettings, VideoCodec } from './command.js';
import type { EncoderList } from './encoders.js';
import { probeMedia } from './probe.js';
import { sha256File } from './recovery.js';
import type { ProcessRunner } from './runner.js';
import { RecordingSession, type Clock, type SessionHealth } from './session.js';

/**
 * Records a short clip with the real settings and checks what came out. The point is honesty:
 * a Pi 5 encodes in software, so "keeps up" is measured (frames actually encoded per second of
 * wall time, and ffmpeg's speed), never assumed from the settings.
 */

export interface SelfTestSettings extends RecordingSettings {
  durationS?: number;
}

export interface SelfTestDeps {
  runner: ProcessRunner;
  encoders: EncoderList;
  clock: Clock;
  /** Parent of the temp dir (default: the OS temp dir; pass the data dir to test that disk). */
  workDir?: string;
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface SelfTestResult {
  pass: boolean;
  reasons: string[];
  measuredFps: number | null;
  targetFps: number;
  keepsUp: boolean;
  codec: VideoCodec | null;
  codecFallbackReason: string | null;
  durationS: number | null;
  frameCount: number | null;
  errors: Array<{ code: string; message: string }>;
}

export async function runSelfTest(settings: SelfTestSettings, deps: SelfTestDeps): Promise<SelfTestResult> {
  const durationS = settings.durationS ?? 10;
  const dir = await mkdtemp(join(deps.workDir ?? tmpdir(), 'selftest-'));
  const reasons: string[] = [];
  const errors: Array<{ code: string; message: string }> = [];
  const result: SelfTestResult = {
    pass: false, reasons, measuredFps: null, targetFps: settings.fps, keepsUp: false, codec: null,
    codecFallbackReason: null, durationS: null, frameCount: null, errors,
  };
  try {
    const session = new RecordingSession(
      {
        sessionId: 'selftest', cameraId: 'SELFTEST', cameraPosition: '', startAt: deps.clock.now(), dataDir: dir,
        source: settings.source, width: settings.width, height: settings.height, fps: settings.fps,
        codec: settings.codec, bitrateMbps: settings.bitrateMbps, audio: settings.audio,
        softwareVersion: 'selftest', snapshot: null, previewPath: null,
        ...(settings.preset ? { preset: settings.preset } : {}),
        // A machine that cannot keep up still produces frames, slowly; the stall watchdog
        // would misreport that as a stuck camera.
        stallTimeoutMs: Math.max(5000, durationS * 1000),
      },
      {
        runner: deps.runner, encoders: deps.encoders, clock: deps.clock,
        ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}),
      },
    );
    session.on('error', (e) => errors.push({ code: e.code, message: e.message }));
    let last: SessionHealth | null = null;
    session.on('health', (h) => (last = h));
    let start;
    try {
      start = await session.start();
    } catch (err) {
      const e = err instanceof RigError ? err : new RigError('SELFTEST_FAILED', String(err));
      errors.push({ code: e.code, message: e.message });
      reasons.push(`recording did not start: ${e.message}`);
      return result;
    }
    result.codec = start.codec;
    result.codecFallbackReason = start.codecFallbackReason;
    if (start.codecFallbackReason) reasons.push(`codec fell back to h264: ${start.codecFallbackReason}`);
    await new Promise((r) => setTimeout(r, durationS * 1000));
    const stoppedAt = deps.clock.now();
    const { manifest, filePath } = await session.stop('selftest');
    const frames = manifest.encoder?.frames ?? 0;
    const wallS = (stoppedAt - start.firstFrameAt) / 1000;
    result.measuredFps = wallS > 0 ? Math.round((frames / wallS) * 10) / 10 : null;
    const speed = (last as SessionHealth | null)?.speed ?? null;
    result.keepsUp = result.measuredFps !== null && result.measuredFps >= settings.fps * 0.95 && (speed === null || speed >= 0.95);
    if (!result.keepsUp) {
      reasons.push(
        `encoder does not keep up: ${result.measuredFps ?? 0} fps encoded for a ${settings.fps} fps target` +
          (speed !== null ? ` (speed ${speed}x)` : ''),
      );
    }
    if (manifest.incomplete) reasons.push(`recording ended with an error: ${manifest.stopReason}`);

    const info = await probeMedia(deps.runner, filePath, deps.ffprobePath);
    result.durationS = info.durationS;
    result.frameCount = info.frameCount;
    const wantCodec = (result.codec ?? settings.codec) === 'h265' ? 'hevc' : 'h264';
    if (info.codec !== wantCodec) reasons.push(`file has codec ${info.codec}, expected ${wantCodec}`);
    if (info.width !== settings.width || info.height !== settings.height) {
      reasons.push(`file is ${info.width}x${info.height}, expected ${settings.width}x${settings.height}`);
    }
    // The file must hold what the encoder claims; a short file means lost fragments.
    if (info.frameCount === null || info.frameCount < frames - settings.fps) {
      reasons.push(`file holds ${info.frameCount} frames, encoder reported ${frames}`);
    }
    if (info.durationS === null || Math.abs(info.durationS - manifest.durationS) > 1.1) {
      reasons.push(`file lasts ${info.durationS} s, encoder reported ${manifest.durationS} s`);
    }
    const reread = await sha256File(filePath);
    if (reread !== manifest.sha256) reasons.push('streaming SHA-256 does not match the file');
    // A codec fallback is reported but is not a failure: the node still records correctly.
    result.pass = reasons.filter((r) => !r.startsWith('codec fell back')).length === 0;
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
