import { dispatch, type Ref } from 'nact';
import type { ActorDef } from '../../runtime/actor.js';
import type { Config } from '../../runtime/config/schema.js';
import type { StatusBoard } from '../../runtime/status.js';
import type { ChronyReader } from '../../runtime/chrony/adapter.js';
import type { ChronyStatus } from '../../runtime/chrony/schema.js';
import { OffsetEstimator, type EstimatorOptions, type OffsetEstimate, type OffsetSample } from './estimator.js';
import { localToRig, rigToLocal } from './reference.js';
import { syncView, type SyncView } from './view.js';
import type { WritableRigClock } from './rig-clock.js';

/**
 * The Sync actor: keeps an offset estimator per peer (fed by each connection's ClockChannel),
 * reads chrony now and then, publishes `sync` into status with SYNC_DRIFT / SYNC_UNKNOWN
 * warnings, and converts instants between rig time and this node's clock.
 *
 * A peer's estimate outlives its connection: the clocks did not change because a link
 * dropped, and its error bound grows with age until it is stale (staleMs). A reconnect
 * brings a fresh burst at once.
 */

export interface Conversion {
  instant: number;
  /** false: rig time is unknown, the instant is unchanged (this node's own clock): flag it. */
  known: boolean;
  /** Bound on the error of the conversion, ms; null when unknown. */
  errorMs: number | null;
}

export interface SyncSnapshot {
  /** This node's clock when taken, and the same instant on rig time. */
  at: number;
  atRig: number;
  offsetMs: number | null;
  errorMs: number | null;
  source: SyncView['source'];
  confidence: SyncView['confidence'];
  peers: SyncView['peers'];
  drift: SyncView['drift'];
}

export type SyncMsg =
  | { type: 'connected'; peer: string }
  | { type: 'disconnected'; peer: string }
  | { type: 'sample'; peer: string; sample: OffsetSample }
  | { type: 'toLocal'; rigInstant: number; replyTo: Ref<Conversion> }
  | { type: 'toRig'; localInstant: number; replyTo: Ref<Conversion> }
  | { type: 'snapshot'; replyTo: Ref<SyncSnapshot> }
  /** Internal: the periodic publish, and a chrony reading that came back. */
  | { type: 'tick' }
  | { type: 'chrony'; status: ChronyStatus };

interface State {
  peers: Map<string, OffsetEstimator>;
  /** Open clock channels per peer: hyperswarm may open a new connection before the old one closes. */
  connected: Map<string, number>;
  chrony: ChronyStatus | null;
  chronyAt: number;
  chronyBusy: boolean;
  timer: NodeJS.Timeout | null;
}

export interface SyncDeps {
  board: StatusBoard;
  config: () => Config;
  /** The same clock the clock channels timestamp with. */
  now: () => number;
  chrony?: ChronyReader;
  /** The synchronous rig clock the start path reads; this actor is its only writer. */
  rigClock?: WritableRigClock;
  publishIntervalMs?: number;
  chronyIntervalMs?: number;
  staleMs?: number;
  estimator?: EstimatorOptions;
}

export function syncActor(deps: SyncDeps): ActorDef<State, SyncMsg> {
  const publishMs = deps.publishIntervalMs ?? 2000;
  const chronyMs = deps.chronyIntervalMs ?? 10_000;
  const staleMs = deps.staleMs ?? 30_000;
  const view = (s: State): SyncView => {
    const t = deps.now();
    const estimates = new Map<string, OffsetEstimate>();
    for (const [id, p] of s.peers) {
      const e = p.estimate(t);
      if (e) estimates.set(id, e);
    }
    const cfg = deps.config();
    return syncView({ self: cfg.camera.id, estimates, connected: new Set(s.connected.keys()), chrony: s.chrony, thresholdMs: cfg.thresholds.syncOffsetMs, staleMs });
  };
  const publish = (s: State): SyncView => {
    const v = view(s);
    deps.board.patch({ sync: { offsetMs: v.offsetMs, errorMs: v.errorMs, confidence: v.confidence, source: v.source, peers: v.peers, chrony: v.chrony } });
    deps.board.setWarnings('sync', v.warnings);
    writeClock(v);
    return v;
  };
  const writeClock = (v: SyncView): void => {
    const ref = v.reference;
    deps.rigClock?.set({
      known: ref.known, rigMinusLocalMs: ref.known ? ref.rigMinusLocalMs : 0, offsetMs: v.offsetMs, errorMs: v.errorMs,
      source: v.source, peers: v.peers, drift: v.drift,
    });
  };
  const convert = (s: State, instant: number, to: 'local' | 'rig'): Conversion => {
    const v = view(s);
    const ref = v.reference;
    return { instant: to === 'local' ? rigToLocal(ref, instant) : localToRig(ref, instant), known: ref.known, errorMs: ref.known ? ref.errorMs : null };
  };
  const peer = (s: State, id: string) => {
    let p = s.peers.get(id);
    if (!p) s.peers.set(id, p = new OffsetEstimator(deps.estimator));
    return p;
  };

  return {
    name: 'sync',
    init(self) {
      dispatch(self, { type: 'tick' });
      return { peers: new Map(), connected: new Map(), chrony: null, chronyAt: -Infinity, chronyBusy: false, timer: null };
    },
    handle(state, msg, self) {
      switch (msg.type) {
        case 'connected':
          peer(state, msg.peer);
          state.connected.set(msg.peer, (state.connected.get(msg.peer) ?? 0) + 1);
          publish(state);
          return state;
        case 'disconnected':
          // The estimate is kept (see above); only the connection is gone.
          if ((state.connected.get(msg.peer) ?? 0) <= 1) state.connected.delete(msg.peer);
          else state.connected.set(msg.peer, state.connected.get(msg.peer)! - 1);
          publish(state);
          return state;
        case 'sample':
          peer(state, msg.peer).add(msg.sample);
          // The start path reads the clock synchronously: it follows every sample, not just the publish tick.
          if (deps.rigClock) writeClock(view(state));
          return state;
        case 'toLocal':
          dispatch(msg.replyTo, convert(state, msg.rigInstant, 'local'));
          return state;
        case 'toRig':
          dispatch(msg.replyTo, convert(state, msg.localInstant, 'rig'));
          return state;
        case 'snapshot': {
          const v = view(state);
          const at = deps.now();
          dispatch(msg.replyTo, {
            at, atRig: localToRig(v.reference, at), offsetMs: v.offsetMs, errorMs: v.errorMs,
            source: v.source, confidence: v.confidence, peers: v.peers, drift: v.drift,
          });
          return state;
        }
        case 'chrony':
          // A reading that was under way when sync.chrony was turned off is dropped.
          state.chrony = deps.config().sync.chrony ? msg.status : null;
          state.chronyBusy = false;
          publish(state);
          return state;
        case 'tick': {
          const t = deps.now();
          // sync.chrony off (a machine whose clock chrony does not keep): no reading, and no chrony warning.
          if (!deps.config().sync.chrony) state.chrony = null;
          else if (deps.chrony && !state.chronyBusy && t - state.chronyAt >= chronyMs) {
            // Read outside the mailbox: chronyc may take seconds, a start's conversion may not.
            state.chronyBusy = true;
            state.chronyAt = t;
            const read = deps.chrony;
            void read().catch((err: unknown) => unreadable(err)).then((status) => dispatch(self, { type: 'chrony', status }));
          }
          publish(state);
          const timer = setTimeout(() => dispatch(self, { type: 'tick' }), publishMs);
          timer.unref();
          return { ...state, timer };
        }
      }
    },
    cleanup(state) {
      if (state.timer) clearTimeout(state.timer);
    },
  };
}

/** A reader is built never to throw; if one does anyway, the node still publishes why. */
function unreadable(err: unknown): ChronyStatus {
  return {
    state: 'unavailable', synchronised: false, stratum: null, reference: null, offsetMs: null, estimatedErrorMs: null, leap: null,
    sources: { total: 0, reachable: 0, selected: null }, warning: { code: 'CHRONY_UNREADABLE', message: String(err) },
  };
}
