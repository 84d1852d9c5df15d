import test from 'ava';
import { estimateOffset, OffsetEstimator, type OffsetSample } from '../../../actors/sync/estimator.js';
import { sampleFrom } from '../../../store/clock-channel.js';

/** A sample as the channel would measure it: true offset, one-way delays out and back. */
function sample(trueOffset: number, outMs: number, backMs: number, t1: number, turnMs = 0.05): OffsetSample {
  const t2 = t1 + outMs + trueOffset;
  const t3 = t2 + turnMs;
  const t4 = t3 - trueOffset + backMs;
  return sampleFrom(0, t1, t2, t3, t4);
}

test('symmetric paths: the offset exactly, error bound half the round trip', (t) => {
  const xs = Array.from({ length: 8 }, (_, i) => sample(1234.5, 0.2, 0.2, 1000 + i * 10));
  const e = estimateOffset(xs, 1100)!;
  t.true(Math.abs(e.offsetMs - 1234.5) < 1e-9);
  t.true(Math.abs(e.rttMs - 0.4) < 1e-9);
  t.true(e.errorMs >= 0.2 && e.errorMs < 0.21, String(e.errorMs));
  t.true(Math.abs(e.ageMs - (1100 - xs[7]!.at)) < 1e-9);
});

test('asymmetric delays: the offset is off by the asymmetry, and the bound still holds the truth', (t) => {
  // 3 ms out, 1 ms back: NTP reads (3 − 1) / 2 = 1 ms too high; the bound is rtt/2 = 2 ms.
  const xs = Array.from({ length: 6 }, (_, i) => sample(-50, 3, 1, 1000 + i * 10));
  const e = estimateOffset(xs, 1060)!;
  t.true(Math.abs(e.offsetMs - -49) < 1e-9, String(e.offsetMs));
  t.true(Math.abs(e.offsetMs - -50) <= e.errorMs);
  t.true(e.errorMs < 2.1);
});

test('keeps the lowest round trips: congested samples do not bias the estimate', (t) => {
  // 4 clean samples (0.3 ms each way) among 12 that sat in a queue on the way back (20–40 ms).
  const clean = Array.from({ length: 4 }, (_, i) => sample(500, 0.3, 0.3, 1000 + i * 40));
  const queued = Array.from({ length: 12 }, (_, i) => sample(500, 0.3, 20 + i * 2, 1010 + i * 10));
  const all = [...queued.slice(0, 6), ...clean, ...queued.slice(6)];
  const e = estimateOffset(all, 1200)!;
  t.is(e.considered, 16);
  t.is(e.used, 4);
  t.true(Math.abs(e.offsetMs - 500) < 0.01, String(e.offsetMs));
  // The naive mean of every sample would be ~15 ms off.
  const naive = all.reduce((s, x) => s + x.offsetMs, 0) / all.length;
  t.true(Math.abs(naive - 500) > 10);
});

test('rejects an outlier with a short round trip whose interval does not overlap the best sample', (t) => {
  const xs = Array.from({ length: 7 }, (_, i) => sample(10, 0.25, 0.25, 1000 + i * 10));
  // A clock step on the peer: short round trip, offset 30 ms away. Kept by RTT, rejected by consistency.
  xs.push(sample(40, 0.26, 0.26, 1075));
  const e = estimateOffset(xs, 1100, { keepFraction: 1 })!;
  t.is(e.used, 7);
  t.true(Math.abs(e.offsetMs - 10) < 1e-9, String(e.offsetMs));
});

test('the bound grows with age while no sample comes; newer samples push old ones out of the window', (t) => {
  const est = new OffsetEstimator({ windowMs: 1000 });
  t.is(est.estimate(0), null);
  est.add(sample(7, 0.1, 0.1, 0));
  const fresh = est.estimate(1)!;
  const aged = est.estimate(60_000)!;
  t.true(Math.abs(aged.errorMs - fresh.errorMs - 59_999 * 15e-6) < 1e-6, 'error grows while no new sample arrives');
  t.true(Math.abs(aged.ageMs - 59_999.75) < 1e-9, String(aged.ageMs)); // the reply arrived at 0.25
  est.add(sample(9, 0.1, 0.1, 60_000));
  const renewed = est.estimate(60_001)!;
  t.is(est.size, 1);
  t.true(Math.abs(renewed.offsetMs - 9) < 1e-9);
});

test('a newer, slightly worse sample outranks an old one once the old one has aged', (t) => {
  // Drifted: the peer moved from offset 5 to 5.4 over 10 s. Age makes the old sample's distance larger.
  const old = sample(5, 0.1, 0.1, 0);
  const recent = sample(5.4, 0.15, 0.15, 10_000);
  const e = estimateOffset([old, recent], 10_001, { minKeep: 1, keepFraction: 0.5 })!;
  t.is(e.used, 1);
  t.true(Math.abs(e.offsetMs - 5.4) < 1e-9);
});

test('remembers at most maxSamples', (t) => {
  const est = new OffsetEstimator({ maxSamples: 3 });
  for (let i = 0; i < 10; i++) est.add(sample(1, 0.1, 0.1, i));
  t.is(est.size, 3);
});
