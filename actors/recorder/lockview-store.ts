import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../runtime/atomic-write.js';

/**
 * The Lock View waiting for the next recording, kept on disk beside the recordings: it is taken
 * minutes before kick-off, and a node restarted in between (a power-bank swap, a crash) must not
 * forget it while the phone still shows it. Written atomically; cleared once a recording took it.
 */
const fileOf = (dataDir: string): string => join(dataDir, '.lockview.json');

export async function saveLockView(dataDir: string, snapshot: string, at: number): Promise<void> {
  await writeFileAtomic(fileOf(dataDir), JSON.stringify({ snapshot, at }));
}

/** The waiting snapshot, or null (none, or a file that is not one: it is not worth a failure). */
export async function loadLockView(dataDir: string): Promise<string | null> {
  try {
    const v = JSON.parse(await readFile(fileOf(dataDir), 'utf8')) as { snapshot?: unknown };
    return typeof v.snapshot === 'string' && v.snapshot.length > 0 ? v.snapshot : null;
  } catch {
    return null;
  }
}

export async function clearLockView(dataDir: string): Promise<void> {
  await unlink(fileOf(dataDir)).catch(() => undefined);
}
