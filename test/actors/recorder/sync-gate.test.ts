import test from 'ava';
import { syncBlocker } from '../../../actors/recorder/sync-gate.js';
import { testConfig } from '../../helpers/config.js';

const drift = { cameraId: 'CAM_R', vsRigMs: 12.5, errorMs: 0.3 };

test('gate on: a member beyond thresholds.syncOffsetMs refuses the start with SYNC_DRIFT naming it', (t) => {
  const cfg = testConfig('/tmp/x', { sync: { gate: true }, thresholds: { syncOffsetMs: 5 } });
  const w = syncBlocker(cfg, { known: true, drift });
  t.is(w?.code, 'SYNC_DRIFT');
  t.regex(w!.message, /CAM_R's clock is 12\.5 ms ahead of rig time/);
});

test('gate on: within the limit, or offsets unknown (alone, just booted): no refusal', (t) => {
  const cfg = testConfig('/tmp/x', { sync: { gate: true }, thresholds: { syncOffsetMs: 20 } });
  t.is(syncBlocker(cfg, { known: true, drift }), null);
  t.is(syncBlocker(cfg, { known: true, drift: null }), null);
  t.is(syncBlocker(testConfig('/tmp/x', { sync: { gate: true } }), { known: false, drift: null }), null);
});

test('gate off (the default): never refuses', (t) => {
  const cfg = testConfig('/tmp/x');
  t.false(cfg.sync.gate);
  t.true(cfg.sync.rigTime);
  t.false(cfg.audio.startBeep);
  t.is(syncBlocker(cfg, { known: true, drift }), null);
});
