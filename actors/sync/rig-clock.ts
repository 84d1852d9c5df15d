import type { SyncPeer } from '../../runtime/chrony/schema.js';
import type { SyncSource } from './view.js';

/**
 * Rig time, readable synchronously. The start path (the coordinator deciding on an instant,
 * the recorder arming its shutter, the manifest stamping the first frame) cannot ask the Sync
 * actor and wait: an asynchronous query there adds mailbox jitter to every start. So the Sync
 * actor, the only writer, sets this object whenever its estimate changes, and readers convert
 * with the latest estimate at once.
 *
 * rig = local + rigMinusLocalMs. Until the actor knows better (a node alone, or just booted) the
 * clock is the node's own clock with known = false, and every reader flags what it stamps.
 */

/** How this node's clock stood against rig time at one instant: what manifests record at start and stop. */
export interface SyncPoint {
  /** This node's clock minus rig time, ms (positive: this node is ahead); null when unknown. */
  offsetMs: number | null;
  errorMs: number | null;
  source: SyncSource;
  /** The measured peers, with ages as of this point. */
  peers: Record<string, Pick<SyncPeer, 'offsetMs' | 'rttMs' | 'errorMs' | 'ageMs'> & { vsRigMs: number | null }>;
}

/** The member furthest from rig time beyond the limit (the SYNC_DRIFT subject), as the actor saw it. */
export interface SyncDrift { cameraId: string; vsRigMs: number; errorMs: number }

export interface RigClockState {
  known: boolean;
  rigMinusLocalMs: number;
  /** As status.sync says it: from the peers when known, else chrony's own offset, else null. */
  offsetMs: number | null;
  errorMs: number | null;
  source: SyncSource;
  peers: Record<string, SyncPeer>;
  drift: SyncDrift | null;
}

export interface RigClock {
  /** Rig time now (this node's clock when rig time is unknown). */
  now(): number;
  /** This node's clock, the one the conversions are relative to. */
  localNow(): number;
  toLocal(rigInstant: number): number;
  toRig(localInstant: number): number;
  readonly known: boolean;
  readonly errorMs: number | null;
  /** The worst member beyond thresholds.syncOffsetMs, or null. */
  readonly drift: SyncDrift | null;
  snapshot(): SyncPoint;
}

/** The clock with its one writer's handle. */
export interface WritableRigClock extends RigClock {
  set(state: RigClockState): void;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function createRigClock(localNow: () => number): WritableRigClock {
  let s: RigClockState = { known: false, rigMinusLocalMs: 0, offsetMs: null, errorMs: null, source: 'none', peers: {}, drift: null };
  let setAt = localNow();
  return {
    now: () => localNow() + (s.known ? s.rigMinusLocalMs : 0),
    localNow,
    toLocal: (rig) => (s.known ? rig - s.rigMinusLocalMs : rig),
    toRig: (local) => (s.known ? local + s.rigMinusLocalMs : local),
    get known() { return s.known; },
    get errorMs() { return s.known ? s.errorMs : null; },
    get drift() { return s.drift; },
    snapshot(): SyncPoint {
      const age = Math.max(0, localNow() - setAt);
      const peers: SyncPoint['peers'] = {};
      for (const [id, p] of Object.entries(s.peers)) {
        peers[id] = { offsetMs: p.offsetMs, vsRigMs: p.vsRigMs, rttMs: p.rttMs, errorMs: p.errorMs, ageMs: Math.round(p.ageMs + age) };
      }
      return { offsetMs: s.offsetMs === null ? null : round3(s.offsetMs), errorMs: s.errorMs, source: s.source, peers };
    },
    set(next) {
      s = next;
      setAt = localNow();
    },
  };
}
