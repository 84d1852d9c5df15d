import { randomBytes } from 'node:crypto';
import { readdir, readlink, rename, symlink, unlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './atomic-write.js';

/**
 * The install layout shared by the field install and the updater (docs/release-layout.md).
 * Everything hangs off two injectable directories so tests run in temp dirs.
 */
export interface Layout {
  root: string;
  releases: string;
  current: string;
  /** Lives outside releases/: the boot guard must not come from the release being tried. */
  guard: string;
  stateDir: string;
  trialFile: string;
  historyFile: string;
  downloads: string;
}

export function releaseLayout(root = '/opt/soccer-rig', stateDir = '/var/lib/soccer-rig'): Layout {
  return {
    root,
    releases: join(root, 'releases'),
    current: join(root, 'current'),
    guard: join(root, 'boot-guard.sh'),
    stateDir,
    trialFile: join(stateDir, 'update-trial.env'),
    historyFile: join(stateDir, 'update-history.json'),
    downloads: join(stateDir, 'downloads'),
  };
}

export const PARTIAL = '.partial';

/** The version `current` points at, or null when there is no (readable) link. */
export async function currentVersion(l: Layout): Promise<string | null> {
  try {
    const target = await readlink(l.current);
    const m = /^releases\/([^/]+)$/.exec(target);
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

/** Complete releases on disk (a directory is complete once renamed from its .partial name). */
export async function completeReleases(l: Layout): Promise<string[]> {
  const names = await readdir(l.releases).catch(() => [] as string[]);
  return names.filter((n) => !n.endsWith(PARTIAL) && !n.startsWith('.'));
}

/**
 * Points `current` at releases/<version> atomically: a temp symlink renamed over the old one
 * (rename replaces a symlink in one step; unlink-then-symlink would leave a moment without one),
 * then the directory is fsynced so the switch survives a power cut.
 */
export async function switchCurrent(l: Layout, version: string): Promise<void> {
  const tmp = join(l.root, `.current.${randomBytes(4).toString('hex')}.tmp`);
  await symlink(join('releases', version), tmp);
  try {
    await rename(tmp, l.current);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(l.root);
}

/** Removes what an interrupted apply leaves: half-unpacked releases and temp links. */
export async function cleanLeftovers(l: Layout): Promise<string[]> {
  const removed: string[] = [];
  for (const n of await readdir(l.releases).catch(() => [] as string[])) {
    if (n.endsWith(PARTIAL)) { await rm(join(l.releases, n), { recursive: true, force: true }); removed.push(join('releases', n)); }
  }
  for (const n of await readdir(l.root).catch(() => [] as string[])) {
    if (/^\.current\..*\.tmp$/.test(n)) { await unlink(join(l.root, n)).catch(() => undefined); removed.push(n); }
  }
  return removed;
}
