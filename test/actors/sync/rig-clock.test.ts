import test from 'ava';
import { createRigClock } from '../../../actors/sync/rig-clock.js';

test('alone: the rig clock is the node\'s own clock, known = false, and says so in its snapshot', (t) => {
  let now = 1_000_000;
  const c = createRigClock(() => now);
  t.false(c.known);
  t.is(c.now(), now);
  t.is(c.toLocal(5000), 5000);
  t.is(c.toRig(5000), 5000);
  t.is(c.errorMs, null);
  t.deepEqual(c.snapshot(), { offsetMs: null, errorMs: null, source: 'none', peers: {} });
  now += 10;
  t.is(c.now(), 1_000_010);
});

test('set by its writer: conversions use the latest offset at once; peer ages grow with time', (t) => {
  let now = 1_000_000;
  const c = createRigClock(() => now);
  // This node is 2500 ms ahead of rig time: rig = local - 2500.
  c.set({
    known: true, rigMinusLocalMs: -2500, offsetMs: 2500, errorMs: 0.25, source: 'peers', drift: null,
    peers: { CAM_C: { offsetMs: -2500, vsRigMs: 0, rttMs: 0.3, errorMs: 0.15, ageMs: 100 } },
  });
  t.true(c.known);
  t.is(c.now(), 997_500);
  t.is(c.toLocal(2_000_000), 2_002_500);
  t.is(c.toRig(c.toLocal(1234.5)), 1234.5);
  now += 400;
  const s = c.snapshot();
  t.is(s.offsetMs, 2500);
  t.is(s.errorMs, 0.25);
  t.is(s.source, 'peers');
  t.is(s.peers['CAM_C']!.ageMs, 500);
});
