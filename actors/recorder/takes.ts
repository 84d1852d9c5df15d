import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestSchema, safeId, takeOfManifestName, type Manifest } from './manifest.js';

/**
 * Takes: a session id may be recorded more than once on a node (a restart after a false
 * start, a phone that reuses the id). Every take keeps its own manifest, numbered in the order
 * they were made (manifest.ts names them); the mp4 names already differ by their start time.
 * A start-all numbers its take for the whole rig (coordinator.ts rigTake), so a node may skip
 * numbers: its take 2 is the rig's second start even if it missed the first.
 */

/** The `{SESSION}_{CAM}` prefix every manifest name of this session and camera starts with. */
export const takePrefix = (sessionId: string, cameraId: string): string => `${safeId(sessionId)}_${safeId(cameraId)}`;

/** One more than the highest take whose manifest is among `names` (1 when there is none). */
export function nextTakeAmong(names: readonly string[], prefix: string): number {
  let max = 0;
  for (const n of names) max = Math.max(max, takeOfManifestName(n, prefix) ?? 0);
  return max + 1;
}

/** The take number a new recording of this session on this camera gets. */
export async function nextTake(dataDir: string, sessionId: string, cameraId: string): Promise<number> {
  const names = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return nextTakeAmong(names, takePrefix(sessionId, cameraId));
}

/** Where the manifest of this session's recording `file` is, with it; null if no take has it. */
export async function findTakeManifest(
  dataDir: string,
  sessionId: string,
  cameraId: string,
  file: string,
): Promise<{ path: string; manifest: Manifest } | null> {
  const prefix = takePrefix(sessionId, cameraId);
  const names = (await readdir(dataDir).catch(() => [] as string[])).filter((n) => takeOfManifestName(n, prefix) !== null);
  for (const name of names) {
    const path = join(dataDir, name);
    const parsed = await readFile(path, 'utf8').then((text) => ManifestSchema.safeParse(JSON.parse(text)), () => null);
    if (parsed?.success && parsed.data.file === file) return { path, manifest: parsed.data };
  }
  return null;
}
