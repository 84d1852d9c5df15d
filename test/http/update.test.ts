import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { currentVersion } from '../../runtime/release-layout.js';
import { assetNames, type ReleaseArtifacts } from '../../runtime/release.js';
import { testApp } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { spawnUpdater, twoReleases } from '../actors/updater/helpers.js';
import { httpRigNode, localRigNode } from '../../actors/updater/rig-apply.js';
import type { AddressInfo } from 'node:net';

const releases = twoReleases(test);
const { k, scratch } = releases;

async function setup(t: Parameters<typeof spawnUpdater>[0], offered = releases.v020) {
  const u = await spawnUpdater(t, releases.v010, offered, k);
  const { app } = await testApp(t, {}, { update: { update: u.update }, board: u.board });
  return { ...u, app };
}

test('POST /update/check answers current and latest; 409 RECORDING_IN_PROGRESS while recording', async (t) => {
  const { app, board } = await setup(t);
  const r = await app.inject({ method: 'POST', url: '/api/v1/update/check' });
  t.is(r.statusCode, 200, r.body);
  t.deepEqual(r.json(), { current: '0.1.0', latest: '0.2.0', newer: true });
  board.patch({ state: 'recording' });
  const busy = await app.inject({ method: 'POST', url: '/api/v1/update/check' });
  t.is(busy.statusCode, 409);
  t.is(busy.json().error.code, 'RECORDING_IN_PROGRESS');
  const apply = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: {} });
  t.is(apply.statusCode, 409);
  t.is(apply.json().error.code, 'RECORDING_IN_PROGRESS');
  const queued = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: { queue: true } });
  t.is(queued.statusCode, 202);
  t.deepEqual(queued.json(), { state: 'queued' });
});

test('POST /update/apply validates its body and names the field', async (t) => {
  const { app } = await setup(t);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: { force: 'yes' } });
  t.is(bad.statusCode, 400);
  t.is(bad.json().error.field, 'force');
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: { forse: true } });
  t.is(unknown.statusCode, 400);
  t.is(unknown.json().error.field, 'forse');
});

test('refusals carry their code and status; history lists every check, refusal and apply', async (t) => {
  const { app, api, l } = await setup(t);
  const names = assetNames('0.2.0');
  const sig = api.files.get(names.sig)!;
  api.files.delete(names.sig);
  const missing = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: {} });
  t.is(missing.statusCode, 502);
  t.is(missing.json().error.code, 'SIGNATURE_MISSING');
  t.is(await currentVersion(l), '0.1.0');
  api.files.set(names.sig, sig);
  await app.inject({ method: 'POST', url: '/api/v1/update/check' });
  const ok = await app.inject({ method: 'POST', url: '/api/v1/update/apply' });
  t.is(ok.statusCode, 202, ok.body);
  t.deepEqual(ok.json(), { state: 'restarting', from: '0.1.0', to: '0.2.0' });
  const h = await app.inject({ method: 'GET', url: '/api/v1/update/history' });
  t.is(h.statusCode, 200);
  const entries = h.json().entries as Array<{ kind: string; code: string | null; to: string | null; at: number }>;
  t.deepEqual(entries.map((e) => [e.kind, e.code, e.to]), [['refused', 'SIGNATURE_MISSING', '0.2.0'], ['check', null, '0.2.0'], ['apply', null, '0.2.0']]);
  t.true(entries.every((e) => typeof e.at === 'number'));
});

test('the real project release, built by `soccer-rig release`, installs and its launcher runs the new version', async (t) => {
  const dir = scratch();
  const keyFile = join(dir, 'release-key.pem');
  await writeFile(keyFile, k.privatePem);
  const out = join(dir, 'real');
  const built = await runCli(t, ['release', '--key', keyFile, '--out', out, '--version', '9.9.9']);
  t.is(built.exitCode, 0, built.all);
  const tarball = join(out, 'soccer-rig-9.9.9.tar.gz');
  const real: ReleaseArtifacts = { version: '9.9.9', tarball, sha256File: `${tarball}.sha256`, sigFile: `${tarball}.sig`, sha256: '' };
  const { app, l } = await setup(t, real);
  const r = await app.inject({ method: 'POST', url: '/api/v1/update/apply', payload: {} });
  t.is(r.statusCode, 202, r.body);
  t.is(await currentVersion(l), '9.9.9');
  const run = await execa(join(l.current, 'bin', 'soccer-rig'), ['--version']);
  t.is(run.stdout.trim(), '9.9.9');
});

test('POST /update/rig/apply updates the other node first, then this one; 409 while any node records', async (t) => {
  const back = (why: string, board: { patch: (p: { version: string }) => void }) => board.patch({ version: why.replace('update to ', '') });
  const other = await spawnUpdater(t, releases.v010, releases.v020, k, back);
  other.board.patch({ version: '0.1.0' });
  const o = await testApp(t, {}, { update: { update: other.update }, board: other.board });
  await o.app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => o.app.close());
  const otherUrl = `http://127.0.0.1:${(o.app.server.address() as AddressInfo).port}`;
  const me = await spawnUpdater(t, releases.v010, releases.v020, k);
  me.board.patch({ version: '0.1.0' });
  const rigNodes = () => [
    localRigNode('CAM_C', () => me.board.snapshot(), (a) => me.update.apply({ force: a.force, queue: false })),
    httpRigNode({ cameraId: 'CAM_L', url: otherUrl, self: false }),
  ];
  const { app } = await testApp(t, {}, { update: { update: me.update, rigNodes, rigWaitMs: 10_000 }, board: me.board });
  other.board.patch({ state: 'recording' });
  const refused = await app.inject({ method: 'POST', url: '/api/v1/update/rig/apply', payload: {} });
  t.is(refused.statusCode, 409);
  t.is(refused.json().error.code, 'RECORDING_IN_PROGRESS');
  t.is(await currentVersion(other.l), '0.1.0');
  other.board.patch({ state: 'idle' });
  const r = await app.inject({ method: 'POST', url: '/api/v1/update/rig/apply', payload: {} });
  t.is(r.statusCode, 202, r.body);
  t.deepEqual(r.json(), { target: '0.2.0', results: [{ cameraId: 'CAM_L', result: 'updated' }, { cameraId: 'CAM_C', result: 'updated' }] });
  t.is(await currentVersion(other.l), '0.2.0');
  t.is(await currentVersion(me.l), '0.2.0');
});
