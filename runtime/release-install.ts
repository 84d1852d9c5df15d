import { access, mkdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { RigError } from './errors.js';
import { PARTIAL, currentVersion, switchCurrent, type Layout } from './release-layout.js';

/** The points of an apply where a test kills the process to prove each one leaves one whole version. */
export type ApplyStep = 'partial-created' | 'unpacked' | 'synced' | 'renamed' | 'trial-written' | 'switched';

export interface InstallOptions {
  layout: Layout;
  version: string;
  /** A verified tarball on disk. */
  tarball: string;
  /** Seconds since the epoch by which the new version must have committed itself. */
  deadlineS: number;
  maxAttempts: number;
  step?: (s: ApplyStep) => void | Promise<void>;
}

export interface Trial { version: string; previous: string; deadlineS: number; attempts: number; maxAttempts: number }

/**
 * Unpacks beside the running release and switches to it; the caller then exits so systemd
 * restarts into it. A crash at any point leaves `current` on one complete release: until the
 * rename the new one is only a .partial (the boot guard removes it), and the trial record is
 * written before the switch, so the boot guard can always tell the switch happened or not.
 */
export async function installRelease(o: InstallOptions): Promise<{ previous: string }> {
  const l = o.layout;
  const previous = await currentVersion(l);
  if (!previous) throw new RigError('NO_CURRENT', `${l.current} does not point at a release`);
  if (previous === o.version) throw new RigError('UP_TO_DATE', `${o.version} is already running`);
  const final = join(l.releases, o.version);
  const partial = `${final}${PARTIAL}`;
  // A leftover of the same version (an earlier try that was rolled back) is not what runs now.
  await rm(partial, { recursive: true, force: true });
  await rm(final, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await o.step?.('partial-created');
  try {
    const r = await execa('tar', ['-xzf', o.tarball, '-C', partial, '--no-same-owner'], { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) {
      const full = /No space left/i.test(r.stderr);
      throw new RigError(full ? 'DISK_FULL' : 'UNPACK_FAILED', `unpacking ${o.version} failed: ${r.stderr.split('\n')[0] ?? r.exitCode}`);
    }
    await o.step?.('unpacked');
    await checkUnpacked(partial, o.version);
    // syncfs of the file system holding the release: one call instead of an fsync per file.
    const s = await execa('sync', ['-f', partial], { reject: false });
    if (s.exitCode !== 0) throw new RigError('UNPACK_FAILED', `sync of ${partial} failed: ${s.stderr}`);
    await o.step?.('synced');
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
  await rename(partial, final);
  await fsyncDir(l.releases);
  await o.step?.('renamed');
  await writeTrial(l, { version: o.version, previous, deadlineS: o.deadlineS, attempts: 0, maxAttempts: o.maxAttempts });
  await o.step?.('trial-written');
  await switchCurrent(l, o.version);
  await o.step?.('switched');
  return { previous };
}

async function checkUnpacked(dir: string, version: string): Promise<void> {
  try {
    await access(join(dir, 'bin', 'soccer-rig'));
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string };
    if (pkg.version !== version) throw new RigError('RELEASE_MALFORMED', `the tarball of ${version} holds version ${pkg.version}`);
  } catch (err) {
    if (err instanceof RigError) throw err;
    throw new RigError('RELEASE_MALFORMED', `the tarball of ${version} is not a release (bin/soccer-rig or package.json missing)`);
  }
}

/** key=value lines: the boot guard reads them with sed, no JSON parser needed at boot. */
export async function writeTrial(l: Layout, t: Trial): Promise<void> {
  await mkdir(l.stateDir, { recursive: true });
  await writeFileAtomic(l.trialFile, [
    `VERSION=${t.version}`, `PREVIOUS=${t.previous}`, `DEADLINE=${t.deadlineS}`, `ATTEMPTS=${t.attempts}`, `MAX_ATTEMPTS=${t.maxAttempts}`, '',
  ].join('\n'));
}

export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export async function readTrial(l: Layout): Promise<Trial | null> {
  let text: string;
  try {
    text = await readFile(l.trialFile, 'utf8');
  } catch {
    return null;
  }
  const e = parseEnv(text);
  if (!e.VERSION || !e.PREVIOUS) return null;
  return { version: e.VERSION, previous: e.PREVIOUS, deadlineS: Number(e.DEADLINE), attempts: Number(e.ATTEMPTS), maxAttempts: Number(e.MAX_ATTEMPTS) };
}

/** The running version proved healthy: it stays. Removing the record is the commit. */
export async function commitTrial(l: Layout): Promise<void> {
  await unlink(l.trialFile);
  await fsyncDir(l.stateDir);
}
