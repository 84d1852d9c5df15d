import { open, readFile, realpath, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../runtime/config/schema.js';
import type { Warning } from '../../runtime/status.js';
import { errorMessage } from '../../runtime/errors.js';
import type { ProcessRunner } from '../recorder/runner.js';
import { mountOf, parseMountinfo, smartDevice, type MountEntry } from './mountinfo.js';
import { driveWarnings, parseNvmeSmartLog, parseSmartctl, type DriveHealth } from './smart.js';

export interface StorageDeps {
  /** The kernel's mount table; tests play back captured ones. */
  mountinfo?: () => Promise<string>;
  runner?: ProcessRunner;
  smartctlPath?: string;
  nvmePath?: string;
  /**
   * Read SMART through `sudo -n` (the node runs as `soccer`; the drive's device is root's, and
   * install-pi.sh allows exactly smartctl and nvme in sudoers). Default: when not root.
   */
  sudo?: boolean;
}

const readMountinfo = () => readFile('/proc/self/mountinfo', 'utf8');

/** The nearest existing ancestor, resolved: a missing data dir is judged by where it would be created. */
async function existingReal(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    try {
      return await realpath(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      p = dirname(p);
    }
  }
}

export async function dataMount(dataDir: string, deps: StorageDeps = {}): Promise<MountEntry | null> {
  return mountOf(parseMountinfo(await (deps.mountinfo ?? readMountinfo)()), await existingReal(dataDir));
}

/** Creates, fsyncs and deletes a probe file: a read-only remount (ext4 errors=remount-ro) fails here, not mid-match. */
async function probeWrite(dir: string): Promise<void> {
  const file = resolve(dir, `.soccer-rig-write-probe-${process.pid}`);
  const fh = await open(file, 'w');
  try {
    await fh.writeFile('probe');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await unlink(file);
}

/**
 * The storage start gate: every reason a recording must not start because of where it would
 * be written. Unmounted (dataDir is not on storage.mountPoint) and unwritable both block.
 */
export async function storageGate(storage: Config['storage'], deps: StorageDeps = {}): Promise<Warning[]> {
  const reasons: Warning[] = [];
  if (storage.mountPoint !== null) {
    try {
      const m = await dataMount(storage.dataDir, deps);
      const want = resolve(storage.mountPoint);
      if (m?.mountPoint !== want) {
        reasons.push({
          code: 'STORAGE_NOT_MOUNTED',
          message: `${storage.dataDir} is on ${m ? `${m.mountPoint} (${m.source})` : 'no known mount'}, not on ${want}: is the drive mounted?`,
        });
      }
    } catch (err) {
      reasons.push({ code: 'STORAGE_NOT_MOUNTED', message: `cannot tell which mount ${storage.dataDir} is on: ${errorMessage(err)}` });
    }
  }
  try {
    await probeWrite(storage.dataDir);
  } catch (err) {
    reasons.push({ code: 'STORAGE_UNWRITABLE', message: `cannot write to ${storage.dataDir} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})` });
  }
  return reasons;
}

/**
 * SMART health of the drive under dataDir, with smartctl when installed, else nvme-cli.
 * Neither installed, or an SD card: nothing to say (an empty list, not a guess).
 */
export async function driveHealth(dataDir: string, deps: StorageDeps & { runner: ProcessRunner }): Promise<{ device: string; health: DriveHealth } | null> {
  const m = await dataMount(dataDir, deps).catch(() => null);
  const device = m ? smartDevice(m.source) : null;
  if (!device) return null;
  const sudo = deps.sudo ?? process.getuid?.() !== 0;
  const json = async (file: string, args: string[]): Promise<unknown> => {
    const r = await deps.runner.run(sudo ? { file: 'sudo', args: ['-n', file, ...args] } : { file, args }, { timeoutMs: 15_000 });
    if (r.spawnError) return undefined;
    // smartctl's exit status is a bit mask (e.g. 8 = failing): its JSON is still the answer.
    try { return JSON.parse(r.stdout); } catch { return undefined; }
  };
  const s = await json(deps.smartctlPath ?? 'smartctl', ['-j', '-a', device]);
  if (s !== undefined) return { device, health: parseSmartctl(s) };
  if (!device.startsWith('/dev/nvme')) return null;
  const n = await json(deps.nvmePath ?? 'nvme', ['smart-log', device, '-o', 'json']);
  return n === undefined ? null : { device, health: parseNvmeSmartLog(n) };
}

export async function driveHealthWarnings(dataDir: string, deps: StorageDeps & { runner: ProcessRunner }): Promise<Warning[]> {
  const d = await driveHealth(dataDir, deps);
  return d ? driveWarnings(d.device, d.health) : [];
}
