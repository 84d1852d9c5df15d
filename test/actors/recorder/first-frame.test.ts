import test from 'ava';
import { refineFirstFrame } from '../../../actors/recorder/first-frame.js';

test('every report bounds the first frame from above; the minimum within the window wins', (t) => {
  const o = { captureFrom: 1000, windowMs: 10_000 };
  let ff = refineFirstFrame(null, { ...o, receivedAt: 1600, outTimeUs: 400_000 });
  t.is(ff, 1200, 'late by the report latency');
  ff = refineFirstFrame(ff, { ...o, receivedAt: 2150, outTimeUs: 1_000_000 });
  t.is(ff, 1150, 'a tighter report');
  ff = refineFirstFrame(ff, { ...o, receivedAt: 2900, outTimeUs: 1_500_000 });
  t.is(ff, 1150, 'a looser one changes nothing');
});

test('never before capture started, and frozen after the window', (t) => {
  t.is(refineFirstFrame(null, { captureFrom: 1000, windowMs: 10_000, receivedAt: 1100, outTimeUs: 900_000 }), 1000);
  t.is(refineFirstFrame(1500, { captureFrom: 1000, windowMs: 10_000, receivedAt: 20_000, outTimeUs: 18_990_000 }), 1500);
});
