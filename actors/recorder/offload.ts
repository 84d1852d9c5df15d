import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RigError } from '../../runtime/errors.js';
import { writeJsonAtomic } from '../../runtime/atomic-write.js';
import { ManifestSchema, manifestFileName, type Manifest } from './manifest.js';
import { listRecordings } from './library.js';
import { findTakeManifest } from './takes.js';

export interface Confirmation { sessionId: string; cameraId: string; file: string; sha256: string }

/**
 * An offload tool copied a recording and hashed its copy. Only when that hash equals the
 * manifest's is the recording marked offloaded, which is what later allows deleting it:
 * the rig never deletes anything that was not verified off the rig.
 */
export async function confirmOffload(dataDir: string, c: Confirmation, now: () => number): Promise<Manifest> {
  // Each take of a session has its own manifest: the one naming this file (takes.ts).
  const found = await findTakeManifest(dataDir, c.sessionId, c.cameraId, c.file).catch(() => null);
  const path = found?.path ?? join(dataDir, manifestFileName(c.sessionId, c.cameraId));
  let manifest: Manifest;
  try {
    manifest = found?.manifest ?? ManifestSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    throw new RigError('NOT_FOUND', `no manifest for session ${c.sessionId} on ${c.cameraId}`, { field: 'sessionId' });
  }
  if (manifest.file !== c.file) throw new RigError('NOT_FOUND', `session ${c.sessionId} has no file ${c.file}`, { field: 'file' });
  if (manifest.inProgress) throw new RigError('RECORDING_IN_PROGRESS', `${c.file} is still being recorded`, { field: 'file' });
  if (!manifest.sha256) throw new RigError('CHECKSUM_UNKNOWN', `${c.file} has no checksum yet`, { field: 'file' });
  if (manifest.sha256 !== c.sha256) {
    throw new RigError('CHECKSUM_MISMATCH', `the copy's sha256 ${c.sha256.slice(0, 12)}… differs from the recording's ${manifest.sha256.slice(0, 12)}…; copy it again`, { field: 'checksum.value' });
  }
  if (manifest.offloaded) return manifest;
  const next: Manifest = { ...manifest, offloaded: true, offloadedAt: now() };
  await writeJsonAtomic(path, next);
  return next;
}

export interface CleanupResult {
  deleted: Array<{ file: string; sizeBytes: number }>;
  kept: Array<{ file: string; reason: string }>;
  freedBytes: number;
}

/** Deletes the video of every recording confirmed as offloaded (the manifests stay, marked deleted). */
export async function deleteOffloaded(dataDir: string, now: () => number): Promise<CleanupResult> {
  const out: CleanupResult = { deleted: [], kept: [], freedBytes: 0 };
  for (const m of (await listRecordings(dataDir)).recordings) {
    if (m.deletedAt) continue;
    const r = await deleteOneOffloaded(dataDir, m, now);
    if ('kept' in r) { out.kept.push({ file: m.file, reason: r.kept }); continue; }
    out.deleted.push({ file: m.file, sizeBytes: r.freedBytes });
    out.freedBytes += r.freedBytes;
  }
  return out;
}

/**
 * The one place a recording's video is deleted (the button, and retention): only when it is
 * confirmed as offloaded, not being recorded, and still the size that was verified. The
 * manifest stays, marked deleted.
 */
export async function deleteOneOffloaded(dataDir: string, m: Manifest, now: () => number): Promise<{ freedBytes: number } | { kept: string }> {
  if (!m.offloaded) return { kept: 'not confirmed as offloaded' };
  if (m.inProgress) return { kept: 'still recording' };
  const video = join(dataDir, m.file);
  const size = await stat(video).then((s) => s.size, () => null);
  if (size === null) return { kept: 'video already gone' };
  // The file changed since it was verified (should never happen): keep it, someone must look.
  if (size !== m.sizeBytes) return { kept: `size ${size} differs from the verified ${m.sizeBytes}` };
  await unlink(video);
  await writeJsonAtomic(join(dataDir, manifestFileName(m.sessionId, m.cameraId, m.take)), { ...m, deletedAt: now() });
  return { freedBytes: size };
}
