import type { StartReply } from './messages.js';
import type { SessionResult } from './session.js';
import type { RecorderWarnings } from './warnings.js';

/**
 * When a recording ends by itself (the encoder died or stalled, a write failed), the camera
 * must not sit idle for the rest of the match waiting for someone to notice: the Recorder
 * starts the next take of the same session at once, so the loss is the seconds the restart
 * takes. The start goes through the same gates as any start, so a missing camera or a disk
 * too full for the match is refused there, not retried; a recording that ended on a full
 * disk (DISK_FULL) is not resumed at all. What is bounded here is a crash loop: an encoder
 * that dies again and again is given up on after `max` resumes within `windowMs`, and the
 * card says so (the operator must act).
 */
export interface ResumePolicyOptions {
  max?: number;
  windowMs?: number;
}

export class ResumePolicy {
  readonly max: number;
  readonly windowMs: number;
  readonly #times = new Map<string, number[]>();

  constructor(o: ResumePolicyOptions = {}) {
    this.max = o.max ?? 3;
    this.windowMs = o.windowMs ?? 10 * 60_000;
  }

  /** Whether the session may be resumed now; if so, the resume is counted. */
  take(sessionId: string, at: number): boolean {
    const recent = (this.#times.get(sessionId) ?? []).filter((t) => at - t < this.windowMs);
    if (recent.length >= this.max) {
      this.#times.set(sessionId, recent);
      return false;
    }
    recent.push(at);
    this.#times.set(sessionId, recent);
    return true;
  }
}

/** The card's line for a resumed recording: what stopped it, when, and which take goes on. */
export function resumedMessage(cause: { code: string; message: string }, stoppedAt: number, file: string): string {
  const at = new Date(stoppedAt).toISOString().slice(11, 19);
  return `recording stopped by itself at ${at} UTC (${cause.code}: ${cause.message}) and resumed at once as a new take: ${file}`;
}

export interface ResumerDeps {
  policy: ResumePolicy;
  now: () => number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  warnings: Pick<RecorderWarnings, 'set'>;
  /** Starts the session's next take now (the Recorder's own start, gates and all); null: the Recorder is closing. */
  start: (sessionId: string, resumes: string) => Promise<StartReply> | null;
}

/**
 * What the Recorder does when a recording ended by itself: resume it unless the crash-loop
 * bound is reached, and say on the card what happened either way.
 */
export function createResumer(d: ResumerDeps): (sessionId: string, result: SessionResult) => void {
  return (sessionId, result) => {
    const cause = result.manifest.errors?.[0] ?? { code: 'RECORDING_ENDED', message: result.manifest.stopReason ?? 'ended by itself' };
    const stoppedAt = d.now();
    if (cause.code === 'DISK_FULL') {
      // A new take could not write either: the card keeps DISK_FULL; the operator frees space and starts.
      d.log.error({ code: 'RECORDING_NOT_RESUMED', cause: cause.code }, 'the recording stopped on a full disk; not resumed');
      return;
    }
    if (!d.policy.take(sessionId, stoppedAt)) {
      const message = `the recording stopped by itself ${d.policy.max} times within ${Math.round(d.policy.windowMs / 60_000)} min (last: ${cause.code}); not resumed again: check the camera and press Start`;
      d.log.error({ code: 'RECORDING_NOT_RESUMED', cause: cause.code }, message);
      d.warnings.set('RECORDING_NOT_RESUMED', message);
      return;
    }
    const started = d.start(sessionId, result.manifest.file);
    if (!started) return;
    started.then((reply) => {
      if (reply.ok) {
        const message = resumedMessage(cause, stoppedAt, reply.file);
        d.log.warn({ code: 'RECORDING_RESUMED', cause: cause.code, file: reply.file }, message);
        d.warnings.set('RECORDING_RESUMED', message);
      } else {
        const message = `the recording stopped by itself (${cause.code}) and could not be resumed: ${reply.message}`;
        d.log.error({ code: 'RECORDING_NOT_RESUMED', cause: cause.code, refused: reply.code }, message);
        d.warnings.set('RECORDING_NOT_RESUMED', message);
      }
    }, (err: unknown) => d.log.error({ err, code: 'RECORDING_NOT_RESUMED' }, 'resuming the recording got no answer'));
  };
}
