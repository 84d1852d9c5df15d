import type { Warning } from '../../runtime/status.js';
import type { ChronyStatus, SyncPeer } from '../../runtime/chrony/schema.js';
import type { OffsetEstimate } from './estimator.js';
import { rigReference, worstMember, type MemberOffset, type RigReference } from './reference.js';

/**
 * What the Sync actor publishes (pure): the node's offset to rig time, its source and
 * confidence, every peer's measurement, and the warnings. The rule for "this camera
 * disagrees" (SYNC_DRIFT) lives here, once; the dashboard shows it, it does not recompute it.
 *
 * Sources, best first: 'peers' (rig time from the measured offsets, see reference.ts),
 * 'chrony' (no peer measured yet, but chrony is synchronised: its offset to its own reference),
 * 'none' (nothing known: the node says so rather than pretending to be in sync).
 */

export type SyncSource = 'peers' | 'chrony' | 'none';
export type Confidence = 'high' | 'medium' | 'low' | 'none';

export interface SyncInput {
  self: string;
  estimates: ReadonlyMap<string, OffsetEstimate>;
  /** Peers with a live connection now (only for saying why offsets are unknown). */
  connected: ReadonlySet<string>;
  chrony: ChronyStatus | null;
  thresholdMs: number;
  /** An estimate older than this no longer counts towards rig time. */
  staleMs: number;
}

export interface SyncView {
  /** This node's clock minus rig time (positive: ahead); null when unknown. */
  offsetMs: number | null;
  errorMs: number | null;
  confidence: Confidence;
  source: SyncSource;
  peers: Record<string, SyncPeer>;
  chrony: ChronyStatus | null;
  reference: RigReference;
  /** The member furthest from rig time when it is beyond the threshold (the SYNC_DRIFT subject). */
  drift: { cameraId: string; vsRigMs: number; errorMs: number } | null;
  warnings: Warning[];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function syncView(input: SyncInput): SyncView {
  const fresh = new Map<string, MemberOffset>();
  for (const [id, e] of input.estimates) if (e.ageMs <= input.staleMs) fresh.set(id, { offsetMs: e.offsetMs, errorMs: e.errorMs });
  const reference = rigReference(input.self, fresh);
  const peers: Record<string, SyncPeer> = {};
  for (const [id, e] of [...input.estimates].sort(([a], [b]) => a.localeCompare(b))) {
    const m = reference.known ? reference.members.find((x) => x.id === id) : undefined;
    peers[id] = { offsetMs: round3(e.offsetMs), vsRigMs: m ? round3(m.vsRigMs) : null, rttMs: round3(e.rttMs), errorMs: round3(e.errorMs), ageMs: Math.round(e.ageMs) };
  }
  const warnings: Warning[] = [];
  const chrony = input.chrony;
  if (chrony?.warning) warnings.push(chrony.warning);

  let offsetMs: number | null = null;
  let errorMs: number | null = null;
  let source: SyncSource = 'none';
  let drift: SyncView['drift'] = null;
  if (reference.known) {
    source = 'peers';
    offsetMs = -reference.rigMinusLocalMs;
    errorMs = reference.errorMs;
    const worst = worstMember(reference);
    if (worst && Math.abs(worst.vsRigMs) > input.thresholdMs) {
      drift = { cameraId: worst.id, vsRigMs: round3(worst.vsRigMs), errorMs: round3(worst.errorMs) };
      const others = reference.members.filter((m) => m !== worst && Math.abs(m.vsRigMs) > input.thresholdMs).map((m) => m.id);
      warnings.push({
        code: 'SYNC_DRIFT',
        message: `${worst.id}'s clock is ${Math.abs(worst.vsRigMs).toFixed(1)} ms ${worst.vsRigMs > 0 ? 'ahead of' : 'behind'} rig time (± ${worst.errorMs.toFixed(1)} ms; limit ${input.thresholdMs} ms)`
          + (others.length > 0 ? `; also beyond the limit: ${others.join(', ')}` : ''),
      });
    }
  } else {
    if (chrony?.synchronised && chrony.offsetMs !== null) {
      source = 'chrony';
      offsetMs = chrony.offsetMs;
      errorMs = chrony.estimatedErrorMs;
    }
    const why = input.connected.size > 0
      ? `measuring ${[...input.connected].sort().join(', ')} (just connected)`
      : input.estimates.size > 0 ? `no other node connected for ${Math.round(input.staleMs / 1000)} s` : 'no other node connected';
    warnings.push({
      code: 'SYNC_UNKNOWN',
      message: `No clock offset to the other nodes is known, ${why}: ${source === 'chrony' ? 'relying on chrony alone' : 'this node runs on its own clock'}`,
    });
  }
  return {
    offsetMs: offsetMs === null ? null : round3(offsetMs),
    errorMs: errorMs === null ? null : round3(errorMs),
    confidence: confidence(source, errorMs, fresh.size, input.thresholdMs, chrony),
    source,
    peers,
    chrony,
    reference,
    drift,
    warnings,
  };
}

/**
 * high: the bound is within a quarter of the limit and a majority backs rig time (two peers,
 * so one wild clock is outvoted); medium: within the limit; low: beyond it, or chrony in holdover.
 */
function confidence(source: SyncSource, errorMs: number | null, peers: number, thresholdMs: number, chrony: ChronyStatus | null): Confidence {
  if (source === 'none' || errorMs === null) return 'none';
  if (errorMs > thresholdMs) return 'low';
  if (source === 'chrony') return chrony?.state === 'synchronised' && errorMs <= thresholdMs / 4 ? 'medium' : 'low';
  return errorMs <= thresholdMs / 4 && peers >= 2 ? 'high' : 'medium';
}
