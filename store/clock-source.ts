// The node's wall clock with sub-millisecond resolution, for clock-offset measurement.
//
// Date.now() ticks in whole milliseconds, too coarse for a 0.5 ms target. performance.now() is
// fine-grained but counts from process start on the monotonic clock. So the wall clock is read
// as performance.timeOrigin + performance.now() plus a correction calibrated once, at the edge
// of a Date.now() tick (where Date.now() is exact to the resolution of the spin). The monotonic
// clock follows chrony's slewing (frequency) but never its steps: chrony only steps at boot
// (makestep 1 3), before the node starts; recalibrate() exists for a clock stepped by hand.

export interface ClockReaders {
  dateNow: () => number
  perfNow: () => number
  timeOrigin: number
}

export interface WallClock {
  /** Milliseconds since the epoch, fractional. */
  now(): number
  /** Re-reads the correction (after the system clock was stepped). */
  recalibrate(): void
  /** The last correction, ms (how far timeOrigin + perf.now() was from Date.now()). */
  readonly correctionMs: number
}

const SPIN_LIMIT = 100_000

export function createWallClock(readers: ClockReaders = {
  dateNow: Date.now,
  perfNow: () => performance.now(),
  timeOrigin: performance.timeOrigin
}): WallClock {
  let correctionMs = 0
  const calibrate = (): void => {
    // Spin to the next Date.now() tick: at that edge the wall clock is exactly the new value.
    const first = readers.dateNow()
    let tick = first
    let perf = readers.perfNow()
    for (let i = 0; i < SPIN_LIMIT && tick === first; i++) {
      perf = readers.perfNow()
      tick = readers.dateNow()
    }
    correctionMs = tick - (readers.timeOrigin + perf)
  }
  calibrate()
  return {
    now: () => readers.timeOrigin + readers.perfNow() + correctionMs,
    recalibrate: calibrate,
    get correctionMs () { return correctionMs }
  }
}

/** A clock offset by a fixed skew and a drift (ppm) from `base`: for tests and the bench. */
export function skewedClock(base: () => number, skewMs: number, driftPpm = 0): () => number {
  const origin = base()
  return () => {
    const t = base()
    return t + skewMs + (t - origin) * driftPpm * 1e-6
  }
}
