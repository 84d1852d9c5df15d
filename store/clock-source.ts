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
/** Tick edges measured per calibration; the one bracketed most tightly wins. */
const EDGES = 5

/**
 * One Date.now() tick edge, bracketed on the monotonic clock: the edge (wall = d exactly) came
 * after the previous Date.now() read, which came after prevBefore, and before this read, which
 * came before after. A preemption anywhere in there (a busy machine) only widens the bracket.
 */
function edge (readers: ClockReaders): { correctionMs: number, widthMs: number } {
  // prevBefore: read before the latest Date.now() that still returned the old value.
  let prevBefore = readers.perfNow()
  const first = readers.dateNow()
  for (let i = 0; i < SPIN_LIMIT; i++) {
    const before = readers.perfNow()
    const d = readers.dateNow()
    const after = readers.perfNow()
    if (d !== first) return { correctionMs: d - (readers.timeOrigin + (prevBefore + after) / 2), widthMs: after - prevBefore }
    prevBefore = before
  }
  const p = readers.perfNow()
  return { correctionMs: readers.dateNow() - (readers.timeOrigin + p), widthMs: Infinity }
}

export function createWallClock(readers: ClockReaders = {
  dateNow: Date.now,
  perfNow: () => performance.now(),
  timeOrigin: performance.timeOrigin
}): WallClock {
  let correctionMs = 0
  const calibrate = (): void => {
    // Spin to the next Date.now() ticks: at an edge the wall clock is exactly the new value. A
    // read preempted on a loaded machine would be off by the preemption (a ms and more, for the
    // life of the process), so several edges are taken and the most tightly bracketed one kept.
    let best = edge(readers)
    for (let i = 1; i < EDGES; i++) {
      const e = edge(readers)
      if (e.widthMs < best.widthMs) best = e
    }
    correctionMs = best.correctionMs
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
