/**
 * One peer's clock offset from NTP-style samples (pure: no clock, no I/O; `now` is an argument).
 *
 * A sample says: the peer's clock minus ours was `offsetMs`, measured over a round trip of
 * `rttMs`. Whatever the path's asymmetry, the true offset lies in [offset − rtt/2, offset + rtt/2]
 * (the NTP bound), and that interval widens with the sample's age because the two oscillators
 * drift apart (PHI, NTP's 15 ppm tolerance). So:
 *  - Only the samples within windowMs of the newest count: an older one describes a clock that
 *    has since drifted. When no new sample comes (the link dropped), the last ones stay, their
 *    error bound growing with age; whether that is too old to use is the caller's rule (staleMs).
 *  - Each sample's distance = rtt/2 + age·PHI; the best quarter by distance is kept (queueing,
 *    a busy event loop, Wi-Fi retries all show up as a longer round trip, never a shorter one).
 *  - A kept sample whose interval does not overlap the best sample's interval is a falseticker
 *    (a clock step, a reply that sat in a queue on one side only) and is rejected.
 *  - The estimate is the mean offset of the survivors; its error bound is the tightest
 *    survivor's rtt/2 plus that survivor's distance from the mean (the dispersion), plus the
 *    growth since it was taken. The true offset is within ±errorMs of offsetMs.
 */

export interface OffsetSample {
  /** Peer clock minus local clock, ms: ((t2 − t1) + (t3 − t4)) / 2. */
  offsetMs: number;
  /** Round trip minus the peer's turnaround, ms: (t4 − t1) − (t3 − t2). */
  rttMs: number;
  /** Local clock when the reply arrived (t4). */
  at: number;
}

export interface OffsetEstimate {
  offsetMs: number;
  /** The smallest round trip among the samples the estimate rests on. */
  rttMs: number;
  /** The true offset lies within offsetMs ± errorMs (see above). */
  errorMs: number;
  /** How old the newest sample it rests on is, at `now`. */
  ageMs: number;
  /** How many samples the estimate rests on, and how many were in the window. */
  used: number;
  considered: number;
}

export interface EstimatorOptions {
  /** Samples older than this before the newest one are ignored (and dropped from memory). */
  windowMs?: number;
  /** Fraction of the window's samples kept, by distance. */
  keepFraction?: number;
  /** At least this many are kept when the window holds that many. */
  minKeep?: number;
  /** Samples remembered at most (the oldest go first). */
  maxSamples?: number;
  /** Oscillator tolerance in ms per ms (15 ppm as in NTP). */
  phi?: number;
}

const DEFAULTS: Required<EstimatorOptions> = { windowMs: 12_000, keepFraction: 0.25, minKeep: 2, maxSamples: 128, phi: 15e-6 };

export function estimateOffset(samples: readonly OffsetSample[], now: number, options: EstimatorOptions = {}): OffsetEstimate | null {
  const o = { ...DEFAULTS, ...options };
  const valid = samples.filter((s) => s.rttMs >= 0 && Number.isFinite(s.offsetMs) && Number.isFinite(s.at));
  if (valid.length === 0) return null;
  const newest = Math.max(...valid.map((s) => s.at));
  const recent = valid.filter((s) => newest - s.at <= o.windowMs);
  const distance = (s: OffsetSample): number => s.rttMs / 2 + Math.max(0, now - s.at) * o.phi;
  const byDistance = [...recent].sort((a, b) => distance(a) - distance(b));
  const keep = Math.min(recent.length, Math.max(o.minKeep, Math.ceil(recent.length * o.keepFraction)));
  const kept = byDistance.slice(0, keep);
  const best = kept[0]!;
  const survivors = kept.filter((s) => Math.abs(s.offsetMs - best.offsetMs) <= distance(s) + distance(best));
  const offsetMs = survivors.reduce((sum, s) => sum + s.offsetMs, 0) / survivors.length;
  const errorMs = Math.min(...survivors.map((s) => distance(s) + Math.abs(s.offsetMs - offsetMs)));
  return {
    offsetMs,
    rttMs: Math.min(...survivors.map((s) => s.rttMs)),
    errorMs,
    ageMs: Math.max(0, now - Math.max(...survivors.map((s) => s.at))),
    used: survivors.length,
    considered: recent.length,
  };
}

/** A peer's sample memory: appends, forgets what left the window, estimates. */
export class OffsetEstimator {
  #samples: OffsetSample[] = [];
  readonly #o: Required<EstimatorOptions>;

  constructor(options: EstimatorOptions = {}) {
    this.#o = { ...DEFAULTS, ...options };
  }

  add(sample: OffsetSample): void {
    this.#samples.push(sample);
    if (this.#samples.length > this.#o.maxSamples) this.#samples.splice(0, this.#samples.length - this.#o.maxSamples);
  }

  estimate(now: number): OffsetEstimate | null {
    const newest = this.#samples.reduce((m, s) => Math.max(m, s.at), -Infinity);
    this.#samples = this.#samples.filter((s) => newest - s.at <= this.#o.windowMs);
    return estimateOffset(this.#samples, now, this.#o);
  }

  get size(): number {
    return this.#samples.length;
  }
}
