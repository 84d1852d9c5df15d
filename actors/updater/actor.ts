import { dispatch, query, type Ref } from 'nact';
import type { Logger } from 'pino';
import type { ActorDef } from '../../runtime/actor.js';
import { errorCode, errorMessage } from '../../runtime/errors.js';
import type { NodeState } from '../../runtime/status.js';
import type { HistoryEntry, UpdateHistory } from './history.js';
import { ingestRollbackNotes, superviseTrial } from './trial.js';
import { readTrial } from '../../runtime/release-install.js';
import { UpdaterCore, type ApplyResult, type CheckResult, type UpdaterCoreDeps } from './updater.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };
export type ApplyAnswer = ({ state: 'restarting' } & ApplyResult) | { state: 'queued' };

export type UpdaterMsg =
  | { type: 'check'; replyTo: Ref<Outcome<CheckResult>> }
  | { type: 'apply'; force: boolean; queue: boolean; replyTo: Ref<Outcome<ApplyAnswer>> | null }
  | { type: 'applied'; outcome: Outcome<ApplyResult>; replyTo: Ref<Outcome<ApplyAnswer>> | null }
  | { type: 'boardChanged' };

interface State {
  busy: boolean;
  queued: { force: boolean } | null;
  stopBoard: () => void;
  trial: AbortController;
}

export interface UpdaterDeps extends UpdaterCoreDeps {
  log: Logger;
  /** Graceful stop of the node; systemd (Restart=always) starts the new `current`. */
  restart: (reason: string) => void;
  /** For the trial commit: HTTP answering and the actors running. */
  healthy: () => Promise<boolean>;
  trialPollMs?: number;
}

/** A recording must never be interrupted: these states mean a recording is on or about to be. */
const RECORDING: ReadonlyArray<NodeState> = ['armed', 'recording', 'stopping'];

/**
 * The Updater: answers check and apply one at a time, refuses both while this node records (an
 * apply may instead wait, queued, and runs by itself once the node is idle), and on start
 * settles a pending update trial (commit when healthy, give up at the deadline).
 */
export function updater(deps: UpdaterDeps): ActorDef<State, UpdaterMsg> {
  const core = new UpdaterCore(deps);
  const recording = () => RECORDING.includes(deps.board.snapshot().state);
  const log = deps.log.child({ actor: 'updater' });
  return {
    name: 'updater',
    init(self) {
      const onChange = () => dispatch(self, { type: 'boardChanged' });
      deps.board.on('change', onChange);
      const trial = new AbortController();
      void (async () => {
        await ingestRollbackNotes(deps.layout, deps.history, deps.running);
        const onTrial = (await readTrial(deps.layout))?.version === deps.running;
        if (onTrial) core.status({ state: 'trial' });
        const r = await superviseTrial({
          layout: deps.layout, history: deps.history, running: deps.running, healthy: deps.healthy,
          fail: (reason) => deps.restart(reason), signal: trial.signal,
          ...(deps.now ? { now: deps.now } : {}), ...(deps.trialPollMs ? { pollMs: deps.trialPollMs } : {}),
        });
        if (r !== 'none') log.info({ outcome: r, version: deps.running }, 'update trial settled');
        if (r === 'committed') core.status({ state: 'idle' });
      })().catch((err: unknown) => log.error({ err, code: 'UPDATE_TRIAL_ERROR' }, 'update trial supervision failed'));
      return { busy: false, queued: null, stopBoard: () => deps.board.off('change', onChange), trial };
    },
    async handle(state, msg, self) {
      switch (msg.type) {
        case 'check': {
          const refusal = state.busy ? busy() : recording() ? recordingRefusal() : null;
          if (refusal) { dispatch(msg.replyTo, refusal); return state; }
          dispatch(msg.replyTo, await outcome(() => core.check()));
          return state;
        }
        case 'apply': {
          if (state.busy) { if (msg.replyTo) dispatch(msg.replyTo, busy()); return state; }
          if (recording()) {
            if (!msg.queue) {
              if (msg.replyTo) dispatch(msg.replyTo, recordingRefusal());
              return state;
            }
            core.status({ state: 'queued', progress: null });
            await core.record('apply', null, 'queued until this node stops recording');
            if (msg.replyTo) dispatch(msg.replyTo, { ok: true, value: { state: 'queued' } });
            return { ...state, queued: { force: msg.force } };
          }
          // Runs outside the mailbox: a download takes minutes and a check must still get its BUSY.
          const replyTo = msg.replyTo;
          void outcome(() => core.apply({ force: msg.force })).then((o) => dispatch(self, { type: 'applied', outcome: o, replyTo }));
          return { ...state, busy: true, queued: null };
        }
        case 'applied': {
          if (msg.outcome.ok) {
            if (msg.replyTo) dispatch(msg.replyTo, { ok: true, value: { state: 'restarting', ...msg.outcome.value } });
            log.info({ from: msg.outcome.value.from, to: msg.outcome.value.to }, 'update installed: restarting into it');
            // After the answer is on its way: the node's stop closes HTTP gracefully.
            setImmediate(() => deps.restart(`update to ${msg.outcome.ok ? msg.outcome.value.to : '?'}`));
          } else {
            if (msg.replyTo) dispatch(msg.replyTo, msg.outcome);
            log.warn({ code: msg.outcome.code }, msg.outcome.message);
          }
          return { ...state, busy: false };
        }
        case 'boardChanged': {
          if (!state.queued || state.busy || recording()) return state;
          log.info('node is idle: running the queued update');
          dispatch(self, { type: 'apply', force: state.queued.force, queue: false, replyTo: null });
          return { ...state, queued: null };
        }
      }
    },
    cleanup(state) {
      state.stopBoard();
      state.trial.abort();
    },
  };
}

async function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, code: errorCode(err) ?? 'INTERNAL', message: errorMessage(err) };
  }
}

const busy = (): Outcome<never> => ({ ok: false, code: 'UPDATE_BUSY', message: 'an update is being applied on this node' });
const recordingRefusal = (): Outcome<never> => ({ ok: false, code: 'RECORDING_IN_PROGRESS', message: 'this node is recording; stop first, or send queue: true to apply once it is idle' });

/** What the HTTP routes need, made from the actor's ref (no HTTP types here). */
export interface UpdateApi {
  check(): Promise<Outcome<CheckResult>>;
  apply(opts: { force: boolean; queue: boolean }): Promise<Outcome<ApplyAnswer>>;
  history(): Promise<HistoryEntry[]>;
}

/** Downloads take minutes on a field Wi-Fi; the HTTP answer waits for the whole apply. */
export function updateApi(ref: Ref<UpdaterMsg>, history: UpdateHistory, applyTimeoutMs = 15 * 60_000): UpdateApi {
  // A query that times out (a stalled download) is an answer too, not an HTTP 500; the apply itself
  // carries on in the actor and its outcome lands in the history.
  const timedOut = (what: string) => (): Outcome<never> => ({ ok: false, code: 'UPDATE_TIMEOUT', message: `${what} did not finish in time; see GET /update/history` });
  return {
    check: () => query(ref, (replyTo) => ({ type: 'check' as const, replyTo }), 60_000).catch(timedOut('the check')),
    apply: (o) => query(ref, (replyTo) => ({ type: 'apply' as const, force: o.force, queue: o.queue, replyTo }), applyTimeoutMs).catch(timedOut('the apply')),
    history: () => history.list(),
  };
}
