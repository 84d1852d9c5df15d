/**
 * The Wi-Fi decision, pure: fed what nmcli observed and the time, it says what the node is
 * and what to do next. Rules:
 * - At boot the node tries the field network (phase 'joining'); it retries the join every
 *   `retryMs` until `joinTimeoutMs` has passed, then brings up its own access point ('ap').
 * - Connected to the field network = 'client' (network.mode 'mesh'); losing it starts a new
 *   join attempt with a fresh timeout, so a short drop does not throw the node into AP mode.
 * - In AP mode it scans every `scanMs`; when the field network is visible again it drops the
 *   AP and joins (the Pi has one radio: it cannot be both at once).
 * - Some Wi-Fi drivers cannot scan while they are an access point. When the scan fails, the
 *   node tries the field network itself, but only every `probeMs` (10 min): each try takes the AP
 *   down for up to `joinTimeoutMs`, and phones may be on it.
 * - An AP that is not up is brought up again (retried every `retryMs`).
 */

export type Phase = 'joining' | 'client' | 'ap';
export type NetworkMode = 'mesh' | 'ap' | 'unknown';

export interface Observation {
  /** Our field-network profile is the active connection of the Wi-Fi device. */
  fieldConnected: boolean;
  /** Our access-point profile is active. */
  apActive: boolean;
  /** SSIDs seen by the last scan, or null when this observation had no scan. */
  visible: string[] | null;
  /** The scan asked for was refused (driver busy being an access point). */
  scanFailed?: boolean;
}

export interface Timings {
  joinTimeoutMs: number;
  retryMs: number;
  scanMs: number;
  probeMs: number;
}

export const DEFAULT_TIMINGS: Timings = { joinTimeoutMs: 45_000, retryMs: 15_000, scanMs: 60_000, probeMs: 600_000 };

export interface NetState {
  phase: Phase;
  /** When the current phase began. */
  since: number;
  /** Last time an action (join / AP up) was asked for, to pace retries. */
  lastAttemptAt: number | null;
  lastScanAt: number | null;
}

export type Action = 'join' | 'startAp' | 'stopAp' | 'scan';

export interface Transition { from: Phase; to: Phase; reason: string; at: number }

export interface Decision { state: NetState; actions: Action[]; transition: Transition | null }

export function initialNetState(now: number): NetState {
  return { phase: 'joining', since: now, lastAttemptAt: null, lastScanAt: null };
}

/** What the node really is right now, from the observation (not from what was asked for). */
export function modeOf(obs: Pick<Observation, 'fieldConnected' | 'apActive'>): NetworkMode {
  return obs.fieldConnected ? 'mesh' : obs.apActive ? 'ap' : 'unknown';
}

export function decide(s: NetState, obs: Observation, now: number, meshSsid: string, t: Timings = DEFAULT_TIMINGS): Decision {
  const due = (at: number | null, every: number) => at === null || now - at >= every;
  const go = (phase: Phase, reason: string, actions: Action[]): Decision => ({
    state: { phase, since: now, lastAttemptAt: actions.length ? now : null, lastScanAt: null },
    actions,
    transition: { from: s.phase, to: phase, reason, at: now },
  });
  const stay = (actions: Action[], patch: Partial<NetState> = {}): Decision => ({ state: { ...s, ...patch }, actions, transition: null });

  if (obs.fieldConnected) {
    return s.phase === 'client' ? stay([]) : go('client', `joined ${meshSsid}`, obs.apActive ? ['stopAp'] : []);
  }
  switch (s.phase) {
    case 'client':
      return go('joining', `lost ${meshSsid}`, ['join']);
    case 'joining':
      if (now - s.since >= t.joinTimeoutMs) return go('ap', `${meshSsid} not joined within ${Math.round(t.joinTimeoutMs / 1000)} s`, ['startAp']);
      return due(s.lastAttemptAt, t.retryMs) ? stay(['join'], { lastAttemptAt: now }) : stay([]);
    case 'ap': {
      if (obs.visible?.includes(meshSsid)) return go('joining', `${meshSsid} is back`, ['stopAp', 'join']);
      if (obs.scanFailed && now - s.since >= t.probeMs) return go('joining', `cannot scan as an access point: trying ${meshSsid}`, ['stopAp', 'join']);
      const actions: Action[] = [];
      const patch: Partial<NetState> = {};
      if (!obs.apActive && due(s.lastAttemptAt, t.retryMs)) { actions.push('startAp'); patch.lastAttemptAt = now; }
      if (due(s.lastScanAt ?? s.since, t.scanMs)) { actions.push('scan'); patch.lastScanAt = now; }
      return stay(actions, patch);
    }
  }
}
