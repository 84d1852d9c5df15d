import test from 'ava';
import { localToRig, median, rigReference, rigToLocal, worstMember, type MemberOffset } from '../../../actors/sync/reference.js';

const peers = (o: Record<string, [number, number]>): Map<string, MemberOffset> =>
  new Map(Object.entries(o).map(([id, [offsetMs, errorMs]]) => [id, { offsetMs, errorMs }]));

test('three nodes: rig time is the middle clock, and one wild clock cannot drag it', (t) => {
  // True clocks: L = 0, C = +3 ms, R = +90 s (wild). From L's point of view:
  const ref = rigReference('CAM_L', peers({ CAM_C: [3, 0.2], CAM_R: [90_000, 0.3] }));
  if (!ref.known) return t.fail('expected a known reference');
  t.is(ref.rigMinusLocalMs, 3);
  t.is(ref.errorMs, 0.3);
  t.deepEqual(worstMember(ref), { id: 'CAM_R', vsRigMs: 89_997, errorMs: 0.3 });
  t.deepEqual(ref.members.map((m) => [m.id, m.vsRigMs]), [['CAM_L', -3], ['CAM_C', 0], ['CAM_R', 89_997]]);
});

test('every node computes the same rig instant from its own measurements', (t) => {
  const clocks = { CAM_L: 1000, CAM_C: -2500, CAM_R: 40 };
  const trueInstant = 1_700_000_000_000;
  const rigInstants = Object.entries(clocks).map(([self, mine]) => {
    const others = peers(Object.fromEntries(Object.entries(clocks).filter(([id]) => id !== self).map(([id, c]) => [id, [c - mine, 0.1]])));
    const ref = rigReference(self, others);
    // What this node's own clock reads at the true instant, converted to rig time.
    return localToRig(ref, trueInstant + mine);
  });
  t.deepEqual(rigInstants, [trueInstant + 40, trueInstant + 40, trueInstant + 40]);
});

test('conversion: rigToLocal and localToRig are inverses, and a start lines up in true time', (t) => {
  // This node is 2 s behind the rig (the median).
  const ref = rigReference('CAM_C', peers({ CAM_L: [2000, 0.1], CAM_R: [2500, 0.1] }));
  t.true(ref.known);
  const startRig = 1_700_000_010_000;
  const local = rigToLocal(ref, startRig);
  t.is(local, startRig - 2000);
  t.is(localToRig(ref, local), startRig);
});

test('two nodes: the reference is their midpoint; both agree', (t) => {
  const a = rigReference('CAM_L', peers({ CAM_R: [10, 0.5] }));
  const b = rigReference('CAM_R', peers({ CAM_L: [-10, 0.5] }));
  if (!a.known || !b.known) return t.fail('expected known references');
  t.is(a.rigMinusLocalMs, 5);
  t.is(b.rigMinusLocalMs, -5);
  t.is(localToRig(a, 100), localToRig(b, 110));
});

test('alone: the reference is unknown and says why; conversions fall back to the own clock', (t) => {
  const ref = rigReference('CAM_L', new Map());
  t.false(ref.known);
  if (ref.known) return;
  t.regex(ref.reason, /no peer clock offsets/);
  t.is(rigToLocal(ref, 1234.5), 1234.5);
  t.is(localToRig(ref, 1234.5), 1234.5);
  t.is(worstMember(ref), null);
});

test('median of even and odd counts', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
});
