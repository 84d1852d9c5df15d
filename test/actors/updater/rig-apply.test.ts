import test from 'ava';
import type { AddressInfo } from 'node:net';
import { rigApply, httpRigNode, type RigNodeUpdate } from '../../../actors/updater/rig-apply.js';
import type { NodeState } from '../../../runtime/status.js';
import { currentVersion } from '../../../runtime/release-layout.js';
import { testApp } from '../../helpers/app.js';
import { spawnUpdater, twoReleases } from './helpers.js';

/** A node whose apply takes it to the target after `restartPolls` status polls (or never). */
function fakeNode(cameraId: string, log: string[], o: { self?: boolean; version?: string; state?: NodeState; refuse?: string; restartPolls?: number } = {}) {
  const n = { version: o.version ?? '1.0.0', state: o.state ?? 'idle' as NodeState, pending: -1 };
  const node: RigNodeUpdate & { n: typeof n } = {
    cameraId, self: o.self ?? false, n,
    async status() {
      if (n.pending > 0) n.pending -= 1;
      if (n.pending === 0) { n.version = '2.0.0'; n.pending = -1; }
      return { state: n.state, version: n.version };
    },
    async apply() {
      log.push(cameraId);
      if (o.refuse) return { ok: false, code: o.refuse, message: 'no' };
      n.pending = o.restartPolls ?? 1;
      return { ok: true };
    },
  };
  return node;
}
const fast = { target: '2.0.0', force: false, waitMs: 1000, pollMs: 0, sleep: async () => undefined };

test('updates one node at a time, each back on the target before the next, this node last', async (t) => {
  const log: string[] = [];
  const nodes = [fakeNode('CAM_C', log, { self: true }), fakeNode('CAM_L', log), fakeNode('CAM_R', log, { version: '2.0.0' })];
  const r = await rigApply(nodes, fast);
  t.deepEqual(r, { ok: true, results: [{ cameraId: 'CAM_L', result: 'updated' }, { cameraId: 'CAM_R', result: 'already' }, { cameraId: 'CAM_C', result: 'updated' }] });
  t.deepEqual(log, ['CAM_L', 'CAM_C']);
});

test('no node is touched while any node records, and a recording started mid-rollout stops it', async (t) => {
  const log: string[] = [];
  const nodes = [fakeNode('CAM_L', log), fakeNode('CAM_R', log, { state: 'recording' }), fakeNode('CAM_C', log, { self: true })];
  const r = await rigApply(nodes, fast);
  t.like(r, { ok: false, code: 'RECORDING_IN_PROGRESS' });
  t.deepEqual(log, []);
  const nodes2 = [fakeNode('CAM_L', log), fakeNode('CAM_R', log), fakeNode('CAM_C', log, { self: true })];
  const origApply = nodes2[0]!.apply.bind(nodes2[0]);
  nodes2[0]!.apply = async (o) => { nodes2[1]!.n.state = 'armed'; return origApply(o); };
  const r2 = await rigApply(nodes2, fast);
  t.like(r2, { ok: false, code: 'RECORDING_IN_PROGRESS' });
  t.deepEqual(log, ['CAM_L']);
  t.deepEqual(r2.results.map((x) => x.result), ['updated', 'skipped', 'skipped']);
});

test('a refusal or a node that does not come back stops the rollout; an unreachable node blocks it', async (t) => {
  const log: string[] = [];
  const refused = await rigApply([fakeNode('CAM_L', log, { refuse: 'SIGNATURE_BAD' }), fakeNode('CAM_R', log)], fast);
  t.deepEqual(refused.results.map((x) => x.result), ['refused', 'skipped']);
  let clock = 0;
  const stuck = await rigApply([fakeNode('CAM_L', log, { restartPolls: 1e9 }), fakeNode('CAM_R', log)], { ...fast, now: () => clock, sleep: async () => { clock += 400; } });
  t.like(stuck.results[0], { result: 'timeout', code: 'NOT_BACK' });
  t.is(stuck.results[1]!.result, 'skipped');
  const gone = fakeNode('CAM_R', log);
  gone.status = async () => null;
  t.like(await rigApply([fakeNode('CAM_L', log), gone], fast), { ok: false, code: 'NODE_UNREACHABLE' });
  t.deepEqual(log, ['CAM_L', 'CAM_L']);
});

const releases = twoReleases(test);
const { k } = releases;

test('over HTTP: a real node (app + Updater) is updated through its own /update/apply and seen back on the target', async (t) => {
  // The restart is played by the test: the node comes back reporting the version it switched to.
  const u = await spawnUpdater(t, releases.v010, releases.v020, k, (why, board) => board.patch({ version: why.replace('update to ', '') }));
  u.board.patch({ version: '0.1.0' });
  const { app } = await testApp(t, {}, { update: { update: u.update }, board: u.board });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const r = await rigApply([httpRigNode({ cameraId: 'CAM_L', url, self: false })], { target: '0.2.0', force: false, waitMs: 10_000, pollMs: 20 });
  t.deepEqual(r, { ok: true, results: [{ cameraId: 'CAM_L', result: 'updated' }] });
  t.is(await currentVersion(u.l), '0.2.0');
});
