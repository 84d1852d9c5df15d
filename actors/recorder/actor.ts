import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dispatch, query, type Ref } from 'nact';
import type { ActorDef } from '../../runtime/actor.js';
import type { Config } from '../../runtime/config/schema.js';
import type { StatusBoard, Warning } from '../../runtime/status.js';
import { RigError, errorMessage } from '../../runtime/errors.js';
import { softwareVersion } from '../../runtime/version.js';
import type { Logger } from '../../runtime/logging.js';
import type { HealthAssessment } from '../health.js';
import type { HousekeeperMsg } from '../housekeeper.js';
import { RecordingSession, type SessionResult, type StartResult } from './session.js';
import { showSessionInStatus } from './session-status.js';
import { RecorderWarnings } from './warnings.js';
import type { ProcessRunner } from './runner.js';
import type { EncoderList } from './encoders.js';
import { startBlockers, cameraCheck } from './gates.js';
import { clearLockView, loadLockView, saveLockView } from './lockview-store.js';
import { recoverDataDir } from './recovery.js';
import { grabStill, refreshStill, type StillReply } from './still.js';
import { runSelfTest } from './selftest.js';
import type { RecorderMsg, StartReply } from './messages.js';
import { ResumePolicy, createResumer, type ResumePolicyOptions } from './resume.js';
import type { TonePlayer } from './tone.js';
import { createRigClock, type RigClock } from '../sync/rig-clock.js';
import { syncBlocker } from './sync-gate.js';
import { sourceSpec } from './command.js';

export type { LockViewReply, RecorderMsg, SelfTestReply, StartReply, StopReply } from './messages.js';

type Phase = 'idle' | 'armed' | 'recording' | 'stopping' | 'error';

interface State {
  phase: Phase;
  session: RecordingSession | null;
  sessionId: string | null;
  armed: { startAt: number; timer: NodeJS.Timeout; replyTo: Ref<StartReply>; session: RecordingSession } | null;
  snapshot: string | null;
  selftestRunning: boolean;
}

export interface RecorderDeps {
  board: StatusBoard;
  config: () => Config;
  housekeeper: Ref<HousekeeperMsg>;
  runner: ProcessRunner;
  encoders: EncoderList;
  tone: () => Promise<TonePlayer>;
  log: Logger;
  now?: () => number;
  /** Rig time (the Sync actor writes it); absent: this node's own clock, rig time unknown. */
  rigClock?: RigClock;
  /** How often the live stream's CPU guard looks at the load (tests shorten it). */
  liveCheckMs?: number;
  /** Test seams: shorter watchdogs, a fake camera check. */
  session?: { stallTimeoutMs?: number; stopGraceMs?: number; killGraceMs?: number; startTimeoutMs?: number };
  /** How many times a recording that ended by itself is resumed, and within what window. */
  resume?: ResumePolicyOptions;
}

/**
 * The Recorder: owns this node's camera pipeline. Commands arrive one at a time
 * (the actor mailbox), so a start and a stop from two phones can never interleave.
 * A recording that ends by itself (disk full, encoder died, stall) moves the node to
 * `error` with the reason in status, and is resumed at once as the next take of its
 * session when the start gates allow (resume.ts); otherwise it stays in `error` until
 * the next start or stop.
 */
export function recorder(deps: RecorderDeps): ActorDef<State, RecorderMsg> {
  const now = deps.now ?? Date.now;
  const rigClock = deps.rigClock ?? createRigClock(now);
  // Set by init(): callbacks from the session reach the actor through its mailbox.
  let self: Ref<RecorderMsg> | null = null;
  const toSelf = (m: RecorderMsg): void => { if (self) dispatch(self, m); };
  const warnings = new RecorderWarnings(deps.board);
  /**
   * The session this actor is responsible for, from its creation (inside a start that may
   * still be running) until it has ended. cleanup() ends this one, not the one in the last
   * state: on a node stop, nact runs cleanup while a start may still be being handled, and
   * that start's state is not the last state yet.
   */
  let owned: RecordingSession | null = null;
  /** Set by cleanup(): a start still being handled must not arm a timer or a new session. */
  let closed = false;
  const previewPath = () => join(deps.config().storage.dataDir, '.preview', `${deps.config().camera.id}.jpg`);
  const liveDir = () => join(deps.config().storage.dataDir, '.live', deps.config().camera.id);

  // A recording that ended by itself goes on as the next take of its session (resume.ts).
  const resume = createResumer({
    policy: new ResumePolicy(deps.resume), now, log: deps.log, warnings,
    start: (sessionId, resumes) => {
      if (closed || !self) return null;
      return query(self, (replyTo: Ref<StartReply>) => ({ type: 'start' as const, sessionId, startAt: now(), resumes, replyTo }), 60_000);
    },
  });

  const publish = (s: State, extra: Partial<Parameters<StatusBoard['patch']>[0]> = {}): void => {
    deps.board.patch({ state: s.phase, sessionId: s.sessionId, ...extra });
  };

  const createSession = (state: State, sessionId: string, startAt: number, startAtRig: number | null, minTake = 1, resumes: string | null = null): RecordingSession => {
    const cfg = deps.config();
    warnings.clear('CODEC_FALLBACK', 'ENCODER_SLOW', 'RESERVE_FAILED', 'RECORDING_RESUMED', 'RECORDING_NOT_RESUMED');
    const session = new RecordingSession({
      sessionId, cameraId: cfg.camera.id, cameraPosition: cfg.camera.position, startAt,
      dataDir: cfg.storage.dataDir, source: sourceSpec(cfg),
      width: cfg.video.width, height: cfg.video.height, fps: cfg.video.fps, codec: cfg.video.codec,
      bitrateMbps: cfg.video.bitrateMbps, audio: cfg.audio.enabled, softwareVersion,
      snapshot: state.snapshot, preset: cfg.video.preset, previewPath: previewPath(),
      plannedDurationS: null, rigClock, startAtRig, minTake, resumes,
      live: cfg.live.enabled ? { dir: liveDir(), height: Math.min(cfg.live.height, cfg.video.height), bitrateMbps: cfg.live.bitrateMbps } : null,
      ...deps.session,
    }, { runner: deps.runner, encoders: deps.encoders, clock: { now } });
    showSessionInStatus(session, { board: deps.board, log: deps.log, config: deps.config, warnings, ...(deps.liveCheckMs ? { liveCheckMs: deps.liveCheckMs } : {}) });
    session.on('ended', (result) => {
      if (owned === session) owned = null;
      toSelf({ type: 'ended', session, result });
    });
    owned = session;
    return session;
  };

  const startNow = async (state: State, session: RecordingSession, sessionId: string, startAt: number): Promise<{ state: State; reply: StartReply }> => {
    const cfg = deps.config();
    await mkdir(join(cfg.storage.dataDir, '.preview'), { recursive: true }).catch(() => undefined);
    let started: StartResult;
    try {
      started = await session.start();
    } catch (err) {
      const code = (err as RigError).code ?? 'START_FAILED';
      if (owned === session) owned = null;
      const next: State = { ...state, phase: 'error', session: null, sessionId: null, armed: null };
      publish(next, { recording: { startedAt: null, firstFrameAt: null, file: null, error: { code, message: errorMessage(err) } } });
      return { state: next, reply: { ok: false, code, message: errorMessage(err), reasons: [{ code, message: errorMessage(err) }] } };
    }
    const next: State = { ...state, phase: 'recording', session, sessionId, armed: null, snapshot: null };
    if (state.snapshot) void clearLockView(cfg.storage.dataDir);
    publish(next, {
      recording: { startedAt: now(), firstFrameAt: started.firstFrameAt, file: started.file, error: null },
      video: { width: cfg.video.width, height: cfg.video.height, fps: cfg.video.fps, codec: started.codec, bitrateMbps: cfg.video.bitrateMbps },
    });
    if (started.codecFallbackReason) warnings.set('CODEC_FALLBACK', `recording H.264: ${started.codecFallbackReason}`);
    deps.log.info({ sessionId, file: started.file, codec: started.codec, firstFrameAt: started.firstFrameAt }, 'recording started');
    return {
      state: next,
      reply: {
        ok: true, sessionId, file: started.file, startAt, firstFrameAt: started.firstFrameAt, codec: started.codec, codecFallbackReason: started.codecFallbackReason,
        firstFrameAtRig: started.firstFrameAtRig, syncUnknown: started.firstFrameAtRig === null,
      },
    };
  };

  return {
    name: 'recorder',
    init(ref) {
      self = ref;
      closed = false;
      dispatch(ref, { type: 'recover' });
      return { phase: 'idle', session: null, sessionId: null, armed: null, snapshot: null, selftestRunning: false };
    },

    async handle(state, msg) {
      switch (msg.type) {
        case 'recover': {
          const cfg = deps.config();
          const found = await recoverDataDir(cfg.storage.dataDir, {
            runner: deps.runner, now, cameraId: cfg.camera.id, cameraPosition: cfg.camera.position, softwareVersion,
          }).catch((err: unknown) => {
            deps.log.warn({ code: 'RECOVERY_FAILED', err }, `could not scan ${cfg.storage.dataDir} for interrupted recordings`);
            return [];
          });
          for (const f of found) {
            if (f.error) deps.log.error({ code: 'RECOVERY_FAILED', file: f.file }, `could not recover ${f.file}: ${f.error}`);
            else deps.log.warn({ code: 'RECORDING_RECOVERED', file: f.file }, `recovered interrupted recording ${f.file} (marked incomplete)`);
          }
          return { ...state, snapshot: state.snapshot ?? await loadLockView(cfg.storage.dataDir) };
        }

        case 'start': {
          if (state.phase === 'recording' || state.phase === 'armed' || state.phase === 'stopping') {
            const same = state.sessionId === msg.sessionId;
            dispatch(msg.replyTo, {
              ok: false, code: 'ALREADY_RECORDING',
              message: same ? `already ${state.phase} session ${state.sessionId}` : `busy: ${state.phase} session ${state.sessionId}; stop it first`,
              reasons: [],
            });
            return state;
          }
          if (state.selftestRunning) {
            dispatch(msg.replyTo, { ok: false, code: 'SELFTEST_RUNNING', message: 'a self-test is running; try again in a few seconds', reasons: [] });
            return state;
          }
          const cfg = deps.config();
          let reasons: Warning[];
          try {
            const health = await query(deps.housekeeper, (replyTo: Ref<HealthAssessment>) => ({ type: 'check' as const, replyTo }), 5000);
            reasons = await startBlockers(cfg, health, cameraCheck(cfg, deps.runner));
            const sync = syncBlocker(cfg, rigClock);
            if (sync) reasons.push(sync);
          } catch (err) {
            // Without a health reading the gates cannot be checked: refuse rather than record blind.
            reasons = [{ code: 'HEALTH_UNKNOWN', message: `node health could not be read: ${errorMessage(err)}` }];
          }
          if (reasons.length > 0) {
            dispatch(msg.replyTo, { ok: false, code: 'START_BLOCKED', message: reasons.map((r) => r.message).join('; '), reasons });
            return state;
          }
          // A start for this node alone (POST /record/start) is on its own clock: its rig instant
          // is what rig time says of it now (the same when rig time is unknown).
          const startAtRig = msg.startAtRig ?? (rigClock.known ? rigClock.toRig(msg.startAt) : null);
          const session = createSession(state, msg.sessionId, msg.startAt, startAtRig, msg.minTake, msg.resumes ?? null);
          if (msg.startAt - now() > 5) {
            // Armed: do all the preparation now, so the instant itself only spawns the encoder.
            try {
              await session.prepare();
              if (closed) throw new RigError('NODE_STOPPING', 'the node is stopping');
            } catch (err) {
              if (owned === session) owned = null;
              await session.abandon();
              dispatch(msg.replyTo, { ok: false, code: (err as RigError).code ?? 'START_FAILED', message: errorMessage(err), reasons: [] });
              return state;
            }
            const timer = setTimeout(() => toSelf({ type: 'fire' }), Math.max(0, msg.startAt - now()));
            const next: State = { ...state, phase: 'armed', sessionId: msg.sessionId, armed: { startAt: msg.startAt, timer, replyTo: msg.replyTo, session } };
            publish(next);
            msg.onArmed?.();
            return next;
          }
          msg.onArmed?.();
          const { state: next, reply } = await startNow(state, session, msg.sessionId, msg.startAt);
          dispatch(msg.replyTo, reply);
          return next;
        }

        case 'fire': {
          if (state.phase !== 'armed' || !state.armed || !state.sessionId) return state;
          const { replyTo, startAt, session } = state.armed;
          const { state: next, reply } = await startNow(state, session, state.sessionId, startAt);
          dispatch(replyTo, reply);
          return next;
        }

        case 'stop': {
          if (state.phase === 'armed' && state.armed) {
            clearTimeout(state.armed.timer);
            if (owned === state.armed.session) owned = null;
            await state.armed.session.abandon();
            dispatch(state.armed.replyTo, { ok: false, code: 'START_CANCELLED', message: 'stopped before the start instant', reasons: [] });
            const next: State = { ...state, phase: 'idle', session: null, sessionId: null, armed: null };
            publish(next);
            if (msg.replyTo) dispatch(msg.replyTo, { ok: true, wasRecording: false, sessionId: state.sessionId, manifest: null });
            return next;
          }
          if (!state.session) {
            const next: State = { ...state, phase: 'idle' };
            if (state.phase === 'error') warnings.clear('RECORDING_NOT_RESUMED'); // the operator saw it and cleared it
            publish(next, state.phase === 'error' ? { recording: { error: null } } : {});
            if (msg.replyTo) dispatch(msg.replyTo, { ok: true, wasRecording: false, sessionId: null, manifest: null });
            return next;
          }
          publish({ ...state, phase: 'stopping' });
          const result = await state.session.stop(msg.reason);
          const next = finished(state, result, false);
          if (msg.replyTo) dispatch(msg.replyTo, { ok: true, wasRecording: true, sessionId: state.sessionId, manifest: result.manifest });
          return next;
        }

        case 'ended': {
          // A stop we asked for was already handled in 'stop'; this is a recording that ended by itself.
          if (state.session !== msg.session) return state;
          const next = finished(state, msg.result, true);
          if (next.sessionId) resume(next.sessionId, msg.result);
          return next;
        }

        case 'lockview': {
          if (state.phase === 'armed' && state.armed) {
            // The camera is already started (paused) for the instant: a still cannot be taken
            // from it, and its preview comes with the first frames.
            const inS = Math.max(0, Math.ceil((state.armed.startAt - now()) / 1000));
            dispatch(msg.replyTo, { ok: false, code: 'ARMED', message: `the camera starts recording in ${inS} s; Lock View works again once it records` });
            return state;
          }
          try {
            const jpeg = state.phase === 'recording'
              ? await readFile(previewPath())
              : await grabStill(deps.config(), deps.runner);
            const snapshot = jpeg.toString('base64');
            await saveLockView(deps.config().storage.dataDir, snapshot, now()).catch((err: unknown) => deps.log.warn({ err, code: 'LOCKVIEW_NOT_SAVED' }, 'Lock View kept in memory only: lost if the node restarts before the recording'));
            const tone = await deps.tone();
            await tone.play({ frequencyHz: 880, durationMs: 300 }).catch((err: unknown) => deps.log.warn({ err, code: 'TONE_FAILED' }, 'could not play the Lock View tone'));
            dispatch(msg.replyTo, { ok: true, snapshot, tone: tone.kind });
            return { ...state, snapshot };
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'PREVIEW_NOT_READY' : (err as RigError).code ?? 'SNAPSHOT_FAILED';
            dispatch(msg.replyTo, { ok: false, code, message: code === 'PREVIEW_NOT_READY' ? 'no preview still yet; try again in 2 s' : errorMessage(err) });
            return state;
          }
        }

        case 'still': {
          // A framing picture on demand (still.ts): in the mailbox, so it never races a start.
          dispatch(msg.replyTo, await refreshStill({
            phase: state.phase, armedAt: state.armed?.startAt ?? null, now: now(), previewPath: previewPath(),
            grab: () => grabStill(deps.config(), deps.runner),
          }));
          return state;
        }

        case 'selftest': {
          if (state.phase !== 'idle' && state.phase !== 'error') {
            dispatch(msg.replyTo, { ok: false, code: 'BUSY_RECORDING', message: 'the self-test records with the camera; stop the recording first' });
            return state;
          }
          if (state.selftestRunning) {
            dispatch(msg.replyTo, { ok: false, code: 'SELFTEST_RUNNING', message: 'a self-test is already running' });
            return state;
          }
          const cfg = deps.config();
          // Run outside the mailbox so status stays live; the flag keeps starts out meanwhile.
          void runSelfTest({
            source: sourceSpec(cfg), width: cfg.video.width, height: cfg.video.height, fps: cfg.video.fps,
            codec: cfg.video.codec, bitrateMbps: cfg.video.bitrateMbps, audio: cfg.audio.enabled, preset: cfg.video.preset,
            ...(msg.durationS ? { durationS: msg.durationS } : {}),
          }, { runner: deps.runner, encoders: deps.encoders, clock: { now }, workDir: cfg.storage.dataDir })
            .then((result) => dispatch(msg.replyTo, { ok: true, result }))
            .catch((err: unknown) => dispatch(msg.replyTo, { ok: false, code: 'SELFTEST_FAILED', message: errorMessage(err) }))
            .finally(() => toSelf({ type: 'selftestDone' }));
          return { ...state, selftestRunning: true };
        }

        case 'selftestDone':
          return { ...state, selftestRunning: false };
      }
    },

    async cleanup(state) {
      closed = true;
      if (state.armed) {
        clearTimeout(state.armed.timer);
        dispatch(state.armed.replyTo, { ok: false, code: 'START_CANCELLED', message: 'the node stopped before the start instant', reasons: [] });
      }
      // Finalise the file and manifest: this runs on node stop and before a supervised restart,
      // possibly while a start is still being handled (see `owned`).
      const sessions = new Set([owned, state.session, state.armed?.session].filter((x): x is RecordingSession => x !== null && x !== undefined));
      owned = null;
      for (const session of sessions) {
        try {
          const result = await session.close('node stopping');
          if (result?.manifestError) throw result.manifestError;
        } catch (err) {
          const message = `recording not finalised at shutdown: ${errorMessage(err)}; it is completed (marked incomplete) when the node starts again`;
          deps.log.warn({ code: 'FINALISE_FAILED', err }, message);
          warnings.set('FINALISE_FAILED', message);
        }
      }
    },
  };

  function finished(state: State, result: SessionResult, unexpected: boolean): State {
    const m = result.manifest;
    const err = unexpected ? (m.errors?.[0] ?? { code: 'RECORDING_ENDED', message: m.stopReason ?? 'the recording ended by itself' }) : null;
    const next: State = { ...state, phase: err ? 'error' : 'idle', session: null, sessionId: err ? state.sessionId : null, armed: null };
    publish(next, {
      recording: { startedAt: null, firstFrameAt: null, file: null, error: err ? { code: err.code, message: err.message } : null },
      encoder: { fps: null, droppedFrames: null, speed: null, keepingUp: null },
    });
    if (result.manifestError) {
      deps.log.error({ code: result.manifestError.code }, `final manifest not written: ${result.manifestError.message}`);
      warnings.set(result.manifestError.code, `${m.file}: ${result.manifestError.message}; free some space, the node completes it when it starts again`);
    } else {
      warnings.clear('MANIFEST_WRITE_FAILED');
    }
    warnings.clear('ENCODER_SLOW');
    if (err) deps.log.error({ code: err.code, file: m.file }, `recording stopped by itself: ${err.message}`);
    else deps.log.info({ file: m.file, durationS: m.durationS, sha256: m.sha256 }, 'recording stopped');
    return next;
  }
}
