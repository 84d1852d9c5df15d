import test from 'ava'
import { createWallClock, skewedClock } from '../../store/clock-source.js'

test('calibrates at the edge of a Date.now() tick: sub-millisecond and on the wall clock', (t) => {
  // A fake machine: the wall clock is 1e12 + perf + 0.37 exactly; Date.now() floors it.
  let perf = 10.0
  const readers = {
    timeOrigin: 1e12,
    perfNow: () => { perf += 0.01; return perf },
    dateNow: () => Math.floor(1e12 + perf + 0.37)
  }
  const c = createWallClock(readers)
  // The edge is bracketed by the perf reads around two Date.now() reads (3 reads of 0.01 here).
  t.true(Math.abs(c.correctionMs - 0.37) <= 0.016, String(c.correctionMs))
  const before = perf
  t.true(Math.abs(c.now() - (1e12 + before + 0.01 + 0.37)) <= 0.016)
})

test('a read preempted on a busy machine (a 3 ms stall at a tick edge) does not skew the clock: the tightest edge wins', (t) => {
  // Wall = perf + 0.37. The first edge's Date.now() read is delayed by 3 ms after its perf read
  // (the process was preempted): alone, that edge would put the clock 3 ms off for good.
  let perf = 10.0
  let stalls = 1
  let lastDate = Math.floor(perf + 0.37)
  const readers = {
    timeOrigin: 0,
    perfNow: () => { perf += 0.001; return perf },
    dateNow: () => {
      const next = Math.floor(perf + 0.37 + 0.0005)
      if (next !== lastDate && stalls > 0) { stalls--; perf += 3 }
      lastDate = Math.floor(perf + 0.37)
      return lastDate
    }
  }
  const c = createWallClock(readers)
  t.true(Math.abs(c.correctionMs - 0.37) <= 0.003, String(c.correctionMs))
})

test('recalibrate follows a stepped system clock', (t) => {
  let perf = 0
  let step = 0
  const c = createWallClock({ timeOrigin: 0, perfNow: () => (perf += 0.05), dateNow: () => Math.floor(perf + step) })
  t.true(Math.abs(c.correctionMs) <= 0.076)
  step = 5000
  c.recalibrate()
  t.true(Math.abs(c.correctionMs - 5000) <= 0.076)
})

test('the real clock agrees with Date.now() and has sub-ms resolution', (t) => {
  const c = createWallClock()
  const d = Date.now()
  const n = c.now()
  t.true(n - d > -1 && n - d < 2, `${n} vs ${d}`)
  const seen = new Set<number>()
  for (let i = 0; i < 1000; i++) seen.add(c.now() % 1)
  t.true(seen.size > 10, 'fractional milliseconds')
})

test('skewed clocks: a fixed skew and a drift in ppm', (t) => {
  let base = 1000
  const c = skewedClock(() => base, -250, 100)
  t.is(c(), 750)
  base += 10_000
  t.true(Math.abs(c() - (11_000 - 250 + 1)) < 1e-9)
})
