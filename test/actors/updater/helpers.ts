import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { copyFile, lstat, mkdtemp, rm, mkdir, readdir, readFile, readlink, writeFile, chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { buildRelease, assetNames, type ReleaseArtifacts } from '../../../runtime/release.js';
import { releaseLayout, switchCurrent, type Layout } from '../../../runtime/release-layout.js';
import { tempDir } from '../../helpers/tmp.js';
import { blankStatus } from '../../helpers/app.js';
import { start, stop } from 'nact';
import { spawnSupervised } from '../../../runtime/actor.js';
import { updater, updateApi } from '../../../actors/updater/actor.js';
import { UpdaterConfig } from '../../../actors/updater/config.js';
import { UpdateHistory } from '../../../actors/updater/history.js';
import { StatusBoard } from '../../../runtime/status.js';
import { LogSink, createLogger } from '../../../runtime/logging.js';

/** The repo checkout (dist/test/actors/updater is four levels below it). */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const GUARD = join(REPO, 'scripts', 'boot-guard.sh');

export function keys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A tiny tree released through the same buildRelease as the project (sources injected): its
 * dist/runtime/cli.js prints the version, and it carries the real boot guard. `extra` adds files
 * (a large run of zeros for the full-disk test: tiny compressed, large unpacked).
 */
export async function fixtureRelease(t: ExecutionContext | string, version: string, privatePem: string, extra: Record<string, Buffer | string> = {}): Promise<ReleaseArtifacts> {
  const scratch = async (p: string) => typeof t === 'string' ? mkdtemp(join(t, p)) : tempDir(t, p);
  if (t === '') throw new Error('fixtureRelease: empty scratch dir');
  const src = await scratch('fixture-');
  await mkdir(join(src, 'dist', 'runtime'), { recursive: true });
  await mkdir(join(src, 'scripts'));
  await writeFile(join(src, 'package.json'), JSON.stringify({ name: 'soccer-rig', version: '0.0.0' }));
  await writeFile(join(src, 'dist', 'runtime', 'cli.js'), 'import { readFileSync } from "node:fs";\nconsole.log(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url))).version);\n');
  await copyFile(GUARD, join(src, 'scripts', 'boot-guard.sh'));
  for (const [name, data] of Object.entries(extra)) await writeFile(join(src, 'dist', name), data);
  return buildRelease({ sourceRoot: src, out: await scratch('out-'), keyPem: privatePem, version, sources: ['dist', 'scripts'] });
}

/** An install root as the field install leaves it: releases/<v>, current, boot-guard.sh. */
export async function installedLayout(t: ExecutionContext, first: ReleaseArtifacts, root?: string): Promise<Layout> {
  const l = releaseLayout(root ?? join(await tempDir(t, 'soccer-rig-root-'), 'opt'), join(await tempDir(t, 'soccer-rig-state-'), 'state'));
  await mkdir(join(l.releases, first.version), { recursive: true });
  await mkdir(l.stateDir, { recursive: true });
  await execa('tar', ['-xzf', first.tarball, '-C', join(l.releases, first.version)]);
  await switchCurrent(l, first.version);
  await copyFile(GUARD, l.guard);
  await chmod(l.guard, 0o755);
  return l;
}

/** Everything on disk under the layout (paths, link targets, sizes): equal means nothing changed. */
export async function snapshot(l: Layout): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const n of (await readdir(dir).catch(() => [] as string[])).sort()) {
      const p = join(dir, n);
      const st = await lstat(p);
      if (st.isSymbolicLink()) out.push(`${rel}${n} -> ${await readlink(p)}`);
      else if (st.isDirectory()) { out.push(`${rel}${n}/`); await walk(p, `${rel}${n}/`); } else out.push(`${rel}${n} ${st.size}`);
    }
  };
  await walk(l.root, 'root/');
  for (const f of [l.trialFile]) out.push(`${f}: ${await readFile(f, 'utf8').catch(() => 'absent')}`);
  return out;
}

export interface FakeReleases {
  apiBase: string;
  /** Assets served by name; tests replace or delete entries to tamper. */
  files: Map<string, Buffer>;
  publish(r: ReleaseArtifacts): Promise<void>;
  tag: string;
  requests: string[];
}

/** The GitHub Releases API, the parts the updater uses, on loopback. */
export async function fakeReleases(t: ExecutionContext): Promise<FakeReleases> {
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  const state: FakeReleases = {
    apiBase: '', files, tag: '', requests,
    async publish(r) {
      const names = assetNames(r.version);
      files.clear();
      files.set(names.tarball, await readFile(r.tarball));
      files.set(names.sha256, await readFile(r.sha256File));
      files.set(names.sig, await readFile(r.sigFile));
      state.tag = `v${r.version}`;
    },
  };
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/repos/club/soccer-rig/releases/latest') {
      if (!state.tag) { res.writeHead(404).end('{}'); return; }
      const assets = [...files.entries()].map(([name, data]) => ({ name, size: data.length, browser_download_url: `${state.apiBase}/download/${name}` }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tag_name: state.tag, assets }));
      return;
    }
    const m = /^\/download\/(.+)$/.exec(req.url ?? '');
    const data = m ? files.get(decodeURIComponent(m[1]!)) : undefined;
    if (!data) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return state;
}

export const REPO_NAME = 'club/soccer-rig';

export async function runGuard(l: Layout, env: Record<string, string> = {}) {
  return execa(l.guard, [l.root, l.stateDir], { reject: false, env });
}

/**
 * A scratch dir for a whole test file (hooks have no t.teardown), removed after the file. Made
 * at once: ava runs before-hooks concurrently, so a dir made in one would not exist for another.
 */
export function fileScratch(testFn: { after: { always: (f: () => Promise<void>) => void } }): () => string {
  const dir = mkdtempSync(join(tmpdir(), 'soccer-rig-updater-'));
  testFn.after.always(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}

/** The real Updater actor over an installed first release, offered the second by a loopback API. */
export async function spawnUpdater(t: ExecutionContext, first: ReleaseArtifacts, offered: ReleaseArtifacts, k: { publicPem: string }, onRestart?: (why: string, board: StatusBoard) => void) {
  const api = await fakeReleases(t);
  await api.publish(offered);
  const l = await installedLayout(t, first);
  const board = new StatusBoard(blankStatus());
  const history = new UpdateHistory(l.historyFile);
  const restarts: string[] = [];
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  const system = start();
  const a = spawnSupervised(system, updater({
    config: () => UpdaterConfig.parse({ repo: REPO_NAME, apiBase: api.apiBase, publicKey: k.publicPem }),
    board, history, layout: l, running: first.version, log: createLogger(sink),
    restart: (why) => { restarts.push(why); onRestart?.(why, board); }, healthy: async () => true,
  }), createLogger(sink));
  t.teardown(async () => { await a.stop(); stop(system); });
  return { api, l, board, history, restarts, update: updateApi(a.ref, history) };
}


/**
 * The two signed fixture releases most updater tests need (0.1.0 installed, 0.2.0 offered),
 * built once per test file in its `before` hook, with the key pair that signed them.
 */
export function twoReleases(testFn: { before: (f: () => Promise<void>) => void; after: { always: (f: () => Promise<void>) => void } }) {
  const k = keys();
  const scratch = fileScratch(testFn);
  let v010: ReleaseArtifacts | null = null;
  let v020: ReleaseArtifacts | null = null;
  testFn.before(async () => {
    v010 = await fixtureRelease(scratch(), '0.1.0', k.privatePem);
    v020 = await fixtureRelease(scratch(), '0.2.0', k.privatePem);
  });
  const built = (r: ReleaseArtifacts | null): ReleaseArtifacts => {
    if (!r) throw new Error('the fixture releases are built in test.before');
    return r;
  };
  return { k, scratch, get v010() { return built(v010); }, get v020() { return built(v020); } };
}
