import { RigError } from '../../runtime/errors.js';
import type { VideoCodec } from './command.js';
import type { EncoderList } from './encoders.js';

/**
 * The H.265 → H.264 fallback policy. H.265 is preferred (half the bytes for the same picture),
 * but a build without libx265, or a libx265 that fails in its first seconds, must not cost the
 * match: the recording is made in H.264 and the manifest says why. A camera whose own
 * bitstream is copied (`copies`) encodes nothing, so nothing falls back.
 */

export interface CodecChoice {
  codec: VideoCodec;
  /** Why the preferred codec is not the one used; null when it is. */
  reason: string | null;
}

/** A fallback always says why. */
export interface Fallback extends CodecChoice {
  reason: string;
}

/** The codec to launch with, given what this ffmpeg build has. */
export async function chooseCodec(preferred: VideoCodec, copies: boolean, encoders: EncoderList): Promise<CodecChoice> {
  if (copies) return { codec: preferred, reason: null };
  let choice: CodecChoice = { codec: preferred, reason: null };
  if (preferred === 'h265' && !(await encoders.has('libx265'))) {
    choice = { codec: 'h264', reason: 'libx265 is not available in this ffmpeg build' };
  }
  if (choice.codec === 'h264' && !(await encoders.has('libx264'))) {
    throw new RigError('ENCODER_UNAVAILABLE', 'neither libx265 nor libx264 is available in this ffmpeg build');
  }
  return choice;
}

/** A launch that failed before its first frame: the codec to try next, or null to give up. */
export function fallbackBeforeFirstFrame(codec: VideoCodec, copies: boolean, failure: RigError): Fallback | null {
  if (codec !== 'h265' || copies) return null;
  return { codec: 'h264', reason: `libx265 failed before the first frame: ${failure.message}` };
}

/**
 * A running recording failed: whether that says "HEVC does not work here" (restart as H.264,
 * discarding the seconds it wrote) rather than ending the recording. Only an encoder fault
 * within the first seconds counts; a full disk must never be answered by discarding what was
 * written and starting over.
 */
export function fallbackWhileRecording(o: {
  codec: VideoCodec;
  failure: RigError;
  elapsedMs: number;
  windowMs: number;
}): Fallback | null {
  const encoderFault = o.failure.code === 'ENCODER_EXITED' || o.failure.code === 'ENCODER_STALLED';
  if (o.codec !== 'h265' || !encoderFault || o.elapsedMs >= o.windowMs) return null;
  return { codec: 'h264', reason: `libx265 failed ${Math.round(o.elapsedMs / 100) / 10} s after start: ${o.failure.message}` };
}
