import test from 'ava';
import { disagreements, type RigNodeView } from '../../../actors/rig/disagreements.js';

const node = (cameraId: string, status: Record<string, unknown> | null = {}, reachable = true): RigNodeView => ({
  cameraId, reachable,
  status: status && { state: 'idle', sessionId: null, sync: { offsetMs: 0 }, warnings: [], ...status },
});
const codes = (list: Array<{ code: string }>) => list.map((d) => d.code);

test('a rig that agrees has nothing to say', (t) => {
  t.deepEqual(disagreements([node('CAM_L'), node('CAM_C'), node('CAM_R')], 5), []);
  const rec = { state: 'recording', sessionId: 's1' };
  t.deepEqual(disagreements([node('CAM_L', rec), node('CAM_C', rec), node('CAM_R', rec)], 5), []);
  t.deepEqual(disagreements([], 5), [], 'no nodes, nothing to compare');
});

test('stale: every node the view has not heard from is named, and judged on nothing else', (t) => {
  const list = disagreements([
    node('CAM_L', { state: 'recording', sessionId: 's1' }, false),
    node('CAM_C', null, false),
    node('CAM_R', { state: 'idle', sync: { offsetMs: 99 }, warnings: [{ code: 'DISK_LOW' }] }),
  ], 5);
  t.deepEqual(list[0], { code: 'NODE_STALE', message: 'CAM_L, CAM_C not heard from', cameraIds: ['CAM_L', 'CAM_C'] });
  // CAM_L's last known 'recording' is old news: it does not make CAM_R "not recording".
  t.deepEqual(codes(list), ['NODE_STALE', 'SYNC_DRIFT', 'DISK_LOW']);
});

test('a reachable node without a status yet is neither stale nor judged', (t) => {
  t.deepEqual(disagreements([node('CAM_L', null), node('CAM_R', { state: 'recording', sessionId: 's' })], 5), []);
});

test('not all recording names those that are not', (t) => {
  const list = disagreements([node('CAM_L', { state: 'idle' }), node('CAM_C', { state: 'recording', sessionId: 's' }), node('CAM_R', { state: 'armed' })], 5);
  t.deepEqual(list, [{ code: 'NOT_ALL_RECORDING', message: 'CAM_L, CAM_R not recording', cameraIds: ['CAM_L', 'CAM_R'] }]);
});

test('sync drift uses the configured threshold, in both directions, strictly above it', (t) => {
  const nodes = [node('CAM_L', { sync: { offsetMs: 4.9 } }), node('CAM_C', { sync: { offsetMs: -7 } }), node('CAM_R', { sync: { offsetMs: 5 } })];
  t.deepEqual(disagreements(nodes, 5), [{ code: 'SYNC_DRIFT', message: 'clock offset above 5 ms on CAM_C', cameraIds: ['CAM_C'] }]);
  t.deepEqual(disagreements(nodes, 2)[0]!.cameraIds, ['CAM_L', 'CAM_C', 'CAM_R'], 'a tighter limit flags more');
  t.deepEqual(disagreements(nodes, 10), [], 'a looser limit flags none');
  t.deepEqual(disagreements([node('CAM_L', { sync: { offsetMs: null } }), node('CAM_R', { sync: null })], 0), [], 'an unmeasured offset is not drift');
});

test('session mismatch names the nodes off the majority session, or all when there is none', (t) => {
  const rec = (sessionId: string) => ({ state: 'recording', sessionId });
  t.deepEqual(disagreements([node('CAM_L', rec('a')), node('CAM_C', rec('b')), node('CAM_R', rec('a'))], 5),
    [{ code: 'SESSION_MISMATCH', message: 'nodes record different sessions: a / b', cameraIds: ['CAM_C'] }]);
  const tie = disagreements([node('CAM_L', rec('a')), node('CAM_C', rec('b')), node('CAM_R', { state: 'idle' })], 5);
  t.deepEqual(codes(tie), ['NOT_ALL_RECORDING', 'SESSION_MISMATCH']);
  t.deepEqual(tie[1]!.cameraIds, ['CAM_L', 'CAM_C']);
});

test('low disk: DISK_LOW and DISK_CRITICAL warnings, not other warnings', (t) => {
  const list = disagreements([
    node('CAM_L', { warnings: [{ code: 'DISK_CRITICAL', message: 'x' }] }),
    node('CAM_C', { warnings: [{ code: 'TEMP_HIGH', message: 'x' }] }),
    node('CAM_R', { warnings: [{ code: 'DISK_LOW', message: 'x' }] }),
  ], 5);
  t.deepEqual(list, [{ code: 'DISK_LOW', message: 'low disk on CAM_L, CAM_R', cameraIds: ['CAM_L', 'CAM_R'] }]);
});

test('a peer\'s copy with odd shapes is read defensively, never thrown on', (t) => {
  const list = disagreements([
    { cameraId: 'CAM_L', reachable: true, status: { state: 'recording', sessionId: 's', sync: { offsetMs: 'far' }, warnings: 'DISK_LOW' } },
    { cameraId: 'CAM_R', reachable: true, status: { warnings: [null, 7, { code: 'DISK_LOW' }] } },
  ], 5);
  t.deepEqual(list, [
    { code: 'NOT_ALL_RECORDING', message: 'CAM_R not recording', cameraIds: ['CAM_R'] },
    { code: 'DISK_LOW', message: 'low disk on CAM_R', cameraIds: ['CAM_R'] },
  ]);
});
