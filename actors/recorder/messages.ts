import type { Ref } from 'nact';
import type { Warning } from '../../runtime/status.js';
import type { RecordingSession, SessionResult } from './session.js';
import type { SelfTestResult } from './selftest.js';
import type { StillReply } from './still.js';

// The Recorder's messages and answers (actor.ts), apart so that its helpers can name them.

export type StartReply =
  | {
    ok: true; sessionId: string; file: string; startAt: number; firstFrameAt: number; codec: string; codecFallbackReason: string | null;
    /** The first frame on rig time (null: rig time unknown, see syncUnknown); optional for fakes. */
    firstFrameAtRig?: number | null;
    /** Started without a measured offset to the rig: flagged, not refused (SYNC_UNKNOWN). */
    syncUnknown?: boolean;
  }
  | { ok: false; code: string; message: string; reasons: Warning[] };

export type StopReply = { ok: true; wasRecording: boolean; sessionId: string | null; manifest: SessionResult['manifest'] | null };
export type LockViewReply = { ok: true; snapshot: string; tone: string } | { ok: false; code: string; message: string };
export type SelfTestReply = { ok: true; result: SelfTestResult } | { ok: false; code: string; message: string };

export type RecorderMsg =
  /**
   * startAt is on this node's clock; startAtRig is the same instant on rig time when a start-all
   * set it (the manifest keeps both). onArmed: called once prepared and waiting for the instant.
   * minTake: the rig's take number for a start-all (SessionOptions.minTake). resumes: the file a
   * resumed recording continues (resume.ts).
   */
  | { type: 'start'; sessionId: string; startAt: number; startAtRig?: number; onArmed?: () => void; minTake?: number; resumes?: string; replyTo: Ref<StartReply> }
  | { type: 'fire' }
  | { type: 'stop'; reason: string; replyTo?: Ref<StopReply> }
  | { type: 'ended'; session: RecordingSession; result: SessionResult }
  | { type: 'lockview'; replyTo: Ref<LockViewReply> }
  | { type: 'still'; replyTo: Ref<StillReply> }
  | { type: 'selftest'; durationS?: number; replyTo: Ref<SelfTestReply> }
  | { type: 'selftestDone' }
  | { type: 'recover' };
