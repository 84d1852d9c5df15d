import test from 'ava';
import { syncView, type SyncInput } from '../../../actors/sync/view.js';
import type { OffsetEstimate } from '../../../actors/sync/estimator.js';
import type { ChronyStatus } from '../../../runtime/chrony/schema.js';

const est = (offsetMs: number, errorMs = 0.2, ageMs = 500): OffsetEstimate => ({ offsetMs, rttMs: 0.4, errorMs, ageMs, used: 4, considered: 16 });

const input = (o: Partial<SyncInput>): SyncInput => ({
  self: 'CAM_C', estimates: new Map(), connected: new Set(), chrony: null, thresholdMs: 5, staleMs: 30_000, ...o,
});

const chronySynced: ChronyStatus = {
  state: 'synchronised', synchronised: true, stratum: 9, reference: '10.0.0.1', offsetMs: 0.02, estimatedErrorMs: 0.4, leap: 'Normal',
  sources: { total: 2, reachable: 2, selected: '10.0.0.1' }, warning: null,
};

test('three agreeing clocks: source peers, high confidence, no warnings, peers listed', (t) => {
  const v = syncView(input({ estimates: new Map([['CAM_L', est(1.5)], ['CAM_R', est(-0.5)]]) }));
  t.is(v.source, 'peers');
  t.is(v.offsetMs, -0); // this node is the middle clock
  t.is(v.errorMs, 0.2);
  t.is(v.confidence, 'high');
  t.deepEqual(v.warnings, []);
  t.deepEqual(v.peers.CAM_L, { offsetMs: 1.5, vsRigMs: 1.5, rttMs: 0.4, errorMs: 0.2, ageMs: 500 });
  t.is(v.drift, null);
});

test('one wild clock: SYNC_DRIFT names it, the others stay on rig time', (t) => {
  const v = syncView(input({ estimates: new Map([['CAM_L', est(1)], ['CAM_R', est(2800)]]) }));
  t.is(v.offsetMs, -1); // rig time = CAM_L's clock, this node is 1 ms behind it
  t.deepEqual(v.drift, { cameraId: 'CAM_R', vsRigMs: 2799, errorMs: 0.2 });
  t.deepEqual(v.warnings.map((w) => w.code), ['SYNC_DRIFT']);
  t.regex(v.warnings[0]!.message, /^CAM_R's clock is 2799\.0 ms ahead of rig time/);
});

test('this node is the wild one: SYNC_DRIFT names this node', (t) => {
  const v = syncView(input({ estimates: new Map([['CAM_L', est(-3000)], ['CAM_R', est(-3001)]]) }));
  t.is(v.drift?.cameraId, 'CAM_C');
  t.regex(v.warnings[0]!.message, /CAM_C's clock is 300\d\.0 ms ahead/);
});

test('alone: SYNC_UNKNOWN, source none, offset null, confidence none', (t) => {
  const v = syncView(input({}));
  t.is(v.source, 'none');
  t.is(v.offsetMs, null);
  t.is(v.confidence, 'none');
  t.deepEqual(v.warnings.map((w) => w.code), ['SYNC_UNKNOWN']);
  t.regex(v.warnings[0]!.message, /no other node connected: this node runs on its own clock/);
});

test('just connected: says it is measuring, and falls back to a synchronised chrony', (t) => {
  const v = syncView(input({ connected: new Set(['CAM_R', 'CAM_L']), chrony: chronySynced }));
  t.is(v.source, 'chrony');
  t.is(v.offsetMs, 0.02);
  t.is(v.errorMs, 0.4);
  t.is(v.confidence, 'medium');
  t.regex(v.warnings[0]!.message, /measuring CAM_L, CAM_R \(just connected\): relying on chrony alone/);
});

test('stale estimates do not count; chrony warnings pass through', (t) => {
  const chrony: ChronyStatus = { ...chronySynced, state: 'unsynchronised', synchronised: false, offsetMs: null, estimatedErrorMs: null, warning: { code: 'CHRONY_UNSYNCHRONISED', message: 'x' } };
  const v = syncView(input({ estimates: new Map([['CAM_L', est(1, 0.2, 60_000)]]), chrony }));
  t.is(v.source, 'none');
  t.deepEqual(v.warnings.map((w) => w.code), ['CHRONY_UNSYNCHRONISED', 'SYNC_UNKNOWN']);
  t.is(v.peers.CAM_L?.vsRigMs, null);
});

test('two nodes: medium at best (no majority), low when the bound exceeds the limit', (t) => {
  t.is(syncView(input({ estimates: new Map([['CAM_L', est(1)]]) })).confidence, 'medium');
  t.is(syncView(input({ estimates: new Map([['CAM_L', est(1, 9)], ['CAM_R', est(0)]]) })).confidence, 'low');
});
