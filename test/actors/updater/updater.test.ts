import test, { type ExecutionContext } from 'ava';
import { createHash, sign, generateKeyPairSync } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { UpdaterCore } from '../../../actors/updater/updater.js';
import { UpdaterConfig } from '../../../actors/updater/config.js';
import { UpdateHistory } from '../../../actors/updater/history.js';
import { StatusBoard } from '../../../runtime/status.js';
import { currentVersion } from '../../../runtime/release-layout.js';
import { readTrial } from '../../../runtime/release-install.js';
import { assetNames, type ReleaseArtifacts } from '../../../runtime/release.js';
import { blankStatus } from '../../helpers/app.js';
import { fakeReleases, fileScratch, fixtureRelease, installedLayout, keys, snapshot, REPO_NAME } from './helpers.js';

const k = keys();
let v010: ReleaseArtifacts;
let v020: ReleaseArtifacts;

const scratch = fileScratch(test);
// Built once for the file: every test installs 0.1.0 and is offered 0.2.0.
test.before(async () => {
  v010 = await fixtureRelease(scratch(), '0.1.0', k.privatePem);
  v020 = await fixtureRelease(scratch(), '0.2.0', k.privatePem);
});

async function setup(t: ExecutionContext, opts: { running?: string; publicKey?: string | null; root?: string } = {}) {
  const api = await fakeReleases(t);
  await api.publish(v020);
  const l = await installedLayout(t, v010, opts.root);
  const board = new StatusBoard(blankStatus());
  const history = new UpdateHistory(l.historyFile);
  const cfg = UpdaterConfig.parse({ repo: REPO_NAME, apiBase: api.apiBase, publicKey: opts.publicKey === undefined ? k.publicPem : opts.publicKey });
  const core = new UpdaterCore({ config: () => cfg, board, history, layout: l, running: opts.running ?? '0.1.0', now: () => 1_700_000_000_000 });
  return { api, l, board, history, core };
}

test('check reports a newer release, or none when the running version is the latest', async (t) => {
  const a = await setup(t);
  t.deepEqual(await a.core.check(), { current: '0.1.0', latest: '0.2.0', newer: true });
  t.is(a.board.snapshot().update?.latest, '0.2.0');
  const b = await setup(t, { running: '0.2.0' });
  t.deepEqual(await b.core.check(), { current: '0.2.0', latest: '0.2.0', newer: false });
  const h = await a.history.list();
  t.deepEqual(h.map((e) => [e.kind, e.from, e.to]), [['check', '0.1.0', '0.2.0']]);
});

test('apply downloads with progress, verifies, unpacks beside the old release and switches current', async (t) => {
  const { l, board, history, core } = await setup(t);
  const progress: number[] = [];
  board.on('change', (s) => { if (typeof s.update?.progress === 'number') progress.push(s.update.progress); });
  t.deepEqual(await core.apply({ force: false }), { from: '0.1.0', to: '0.2.0' });
  t.is(await currentVersion(l), '0.2.0');
  t.deepEqual((await readdir(l.releases)).sort(), ['0.1.0', '0.2.0']);
  const run = await execa(join(l.current, 'bin', 'soccer-rig'));
  t.is(run.stdout.trim(), '0.2.0');
  const trial = await readTrial(l);
  t.like(trial, { version: '0.2.0', previous: '0.1.0', attempts: 0, maxAttempts: 3, deadlineS: 1_700_000_000 + 300 });
  t.true(progress.length > 0 && progress.at(-1) === 1, JSON.stringify(progress));
  t.is(board.snapshot().update?.state, 'restarting');
  t.deepEqual(await readdir(l.downloads), [], 'the download is removed once unpacked');
  t.deepEqual((await history.list()).map((e) => e.kind), ['apply']);
});

/** Each refusal: its code, a history entry, and not one byte changed under the install root. */
async function refused(t: ExecutionContext, a: Awaited<ReturnType<typeof setup>>, code: string, force = false) {
  const before = await snapshot(a.l);
  const err = await t.throwsAsync(a.core.apply({ force }));
  t.is((err as { code?: string }).code, code, err?.message);
  t.deepEqual(await snapshot(a.l), before);
  t.deepEqual(await readdir(a.l.downloads).catch(() => []), []);
  t.like((await a.history.list()).at(-1), { kind: 'refused', code });
  t.is(a.board.snapshot().update?.state, 'idle');
}

const names = assetNames('0.2.0');
const tamper = (buf: Buffer) => { const b = Buffer.from(buf); b[b.length >> 1]! ^= 0xff; return b; };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a tampered tarball is refused (CHECKSUM_MISMATCH) and nothing changes', async (t) => {
  const a = await setup(t);
  a.api.files.set(names.tarball, tamper(a.api.files.get(names.tarball)!));
  await refused(t, a, 'CHECKSUM_MISMATCH');
});

test('a wrong published checksum is refused (CHECKSUM_MISMATCH)', async (t) => {
  const a = await setup(t);
  a.api.files.set(names.sha256, Buffer.from(`${'0'.repeat(64)}  ${names.tarball}\n`));
  await refused(t, a, 'CHECKSUM_MISMATCH');
});

test('a tampered tarball with a matching checksum still fails its signature (SIGNATURE_BAD)', async (t) => {
  const a = await setup(t);
  const bad = tamper(a.api.files.get(names.tarball)!);
  a.api.files.set(names.tarball, bad);
  a.api.files.set(names.sha256, Buffer.from(`${sha(bad)}  ${names.tarball}\n`));
  await refused(t, a, 'SIGNATURE_BAD');
});

test('a missing signature is refused (SIGNATURE_MISSING)', async (t) => {
  const a = await setup(t);
  a.api.files.delete(names.sig);
  await refused(t, a, 'SIGNATURE_MISSING');
});

test('a signature by another key is refused (SIGNATURE_BAD)', async (t) => {
  const a = await setup(t);
  const other = generateKeyPairSync('ed25519').privateKey;
  a.api.files.set(names.sig, sign(null, a.api.files.get(names.tarball)!, other));
  await refused(t, a, 'SIGNATURE_BAD');
});

test('an older release is refused (DOWNGRADE) unless forced', async (t) => {
  const a = await setup(t, { running: '0.3.0' });
  await refused(t, a, 'DOWNGRADE');
  // Forced: it installs (the running 0.3.0 is a label here; current still points at 0.1.0 on disk).
  t.deepEqual(await a.core.apply({ force: true }), { from: '0.1.0', to: '0.2.0' });
});

test('without a public key every apply is refused (NO_PUBLIC_KEY), before anything is downloaded', async (t) => {
  const a = await setup(t, { publicKey: null });
  await refused(t, a, 'NO_PUBLIC_KEY');
  t.false(a.api.requests.some((u) => u.startsWith('/download/')));
});

test('the same version as the running one is not applied again (UP_TO_DATE)', async (t) => {
  const a = await setup(t, { running: '0.2.0' });
  await refused(t, a, 'UP_TO_DATE');
});

test('an apply while a version is still on trial is refused (TRIAL_IN_PROGRESS)', async (t) => {
  const a = await setup(t);
  await a.core.apply({ force: false });
  const b = new UpdaterCore({ config: () => UpdaterConfig.parse({ repo: REPO_NAME, apiBase: a.api.apiBase, publicKey: k.publicPem }), board: a.board, history: a.history, layout: a.l, running: '0.2.0' });
  await a.api.publish(await fixtureRelease(t, '0.3.0', k.privatePem));
  await refused(t, { ...a, core: b }, 'TRIAL_IN_PROGRESS');
});
