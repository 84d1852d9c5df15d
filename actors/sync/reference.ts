/**
 * The rig's reference time (pure).
 *
 * Rig time is the median of the members' clocks: this node's own clock (offset 0) and every
 * peer with a current estimate (its clock minus ours). No node is the master, and one wild clock
 * cannot drag the others: with three members the median is the middle clock, whichever node
 * that is. Every node computes the same instant from its own measurements, because
 * median{A, B, C} − A is what node A gets from {0, B − A, C − A}. With two members the median is
 * their midpoint. Alone, there is nothing to agree with: the reference is unknown, and the
 * conversions fall back to this node's own clock, which callers must flag as unsynchronised.
 *
 * Signs: `rigMinusLocalMs` is the reference minus this node's clock, so
 * rig = local + rigMinusLocalMs. Each member's `vsRigMs` is that member's clock minus rig time
 * (positive: the member is ahead of the rig).
 */

export interface MemberOffset {
  /** The member's clock minus this node's clock. */
  offsetMs: number;
  /** Bound on the error of offsetMs. */
  errorMs: number;
}

export interface MemberVsRig {
  id: string;
  vsRigMs: number;
  errorMs: number;
}

export type RigReference =
  | {
    known: true;
    rigMinusLocalMs: number;
    /** Bound on the error of rigMinusLocalMs: the median moves by at most the largest member error. */
    errorMs: number;
    members: MemberVsRig[];
  }
  | { known: false; reason: string; members: MemberVsRig[] };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `self`: this node's id; `peers`: the current estimates of the peers, by id. */
export function rigReference(self: string, peers: ReadonlyMap<string, MemberOffset>): RigReference {
  if (peers.size === 0) {
    return { known: false, reason: 'no peer clock offsets measured yet (alone, or just connected)', members: [{ id: self, vsRigMs: 0, errorMs: 0 }] };
  }
  const clocks = [{ id: self, offsetMs: 0, errorMs: 0 }, ...[...peers].map(([id, p]) => ({ id, ...p }))];
  const rigMinusLocalMs = median(clocks.map((c) => c.offsetMs));
  return {
    known: true,
    rigMinusLocalMs,
    errorMs: Math.max(...clocks.map((c) => c.errorMs)),
    members: clocks.map((c) => ({ id: c.id, vsRigMs: c.offsetMs - rigMinusLocalMs, errorMs: c.errorMs })),
  };
}

/** An instant on rig time, on this node's clock (its own clock when the reference is unknown). */
export function rigToLocal(ref: RigReference, rigInstant: number): number {
  return ref.known ? rigInstant - ref.rigMinusLocalMs : rigInstant;
}

/** An instant on this node's clock, on rig time (unchanged when the reference is unknown). */
export function localToRig(ref: RigReference, localInstant: number): number {
  return ref.known ? localInstant + ref.rigMinusLocalMs : localInstant;
}

/** The member furthest from rig time (for SYNC_DRIFT), or null when the reference is unknown. */
export function worstMember(ref: RigReference): MemberVsRig | null {
  if (!ref.known) return null;
  return ref.members.reduce((w, m) => (Math.abs(m.vsRigMs) > Math.abs(w.vsRigMs) ? m : w));
}
