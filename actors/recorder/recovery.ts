import { createHash } from 'node:crypto';
import { trimPartialFragment } from './fmp4.js';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../../runtime/atomic-write.js';
import { ManifestSchema, parseRecordingFileName, takeManifestName, type Manifest } from './manifest.js';
import { nextTakeAmong } from './takes.js';
import { probeMedia } from './probe.js';
import type { ProcessRunner } from './runner.js';

/**
 * Start-up repair after a crash or power cut: every recording whose manifest is missing or
 * still says "in progress" gets a real one, marked incomplete. The fragmented MP4 is playable
 * up to its last complete fragment, so only the hash and duration need recomputing.
 */

export interface RecoveryDeps {
  runner: ProcessRunner;
  now: () => number;
  /** This node's camera id: needed to split `{SESSION}_{CAM}` when the manifest is missing. */
  cameraId: string;
  cameraPosition?: string;
  softwareVersion: string;
  ffprobePath?: string;
}

export interface RecoveredFile {
  file: string;
  manifestPath: string;
  manifest: Manifest | null;
  /** Set when the file could not be repaired (e.g. nothing decodable in it). */
  error: string | null;
}

export async function recoverDataDir(dataDir: string, deps: RecoveryDeps): Promise<RecoveredFile[]> {
  const names = await readdir(dataDir);
  // Every take has its own manifest (takes.ts): a recording's manifest is the one naming it.
  const byFile = new Map<string, { path: string; manifest: Manifest }>();
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    const manifest = await readManifest(join(dataDir, name));
    if (manifest) byFile.set(manifest.file, { path: join(dataDir, name), manifest });
  }
  const taken = [...names];
  const out: RecoveredFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.mp4')).sort()) {
    const parsed = parseRecordingFileName(name, deps.cameraId);
    if (!parsed) continue; // not ours (e.g. a file someone copied here)
    const existing = byFile.get(name) ?? null;
    if (existing && !existing.manifest.inProgress) continue;
    // No manifest names this file: it gets the next free take of its session.
    const prefix = parsed.manifestName.replace(/\.json$/, '');
    const take = existing?.manifest.take ?? nextTakeAmong(taken, prefix);
    const manifestPath = existing?.path ?? join(dataDir, takeManifestName(prefix, take));
    taken.push(basename(manifestPath));
    try {
      const manifest = await rebuild(join(dataDir, name), name, parsed, existing?.manifest ?? null, deps);
      await writeJsonAtomic(manifestPath, { ...manifest, take });
      out.push({ file: name, manifestPath, manifest: { ...manifest, take }, error: null });
    } catch (err) {
      out.push({ file: name, manifestPath, manifest: null, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

async function rebuild(
  path: string,
  name: string,
  parsed: { sessionId: string | null; startedAtMs: number },
  prev: Manifest | null,
  deps: RecoveryDeps,
): Promise<Manifest> {
  // A crash leaves the last fragment half-written: cut it off, so the file decodes cleanly to
  // its end and the checksum names what the analyst will get.
  const trimmedBytes = await trimPartialFragment(path);
  const empty = (await stat(path)).size === 0;
  // An armed node starts its encoder before the instant; one that went down before its first
  // frame leaves an empty file. Nothing was recorded, but the manifest still says so.
  const [sha256, info, st] = [
    await sha256File(path),
    empty ? { codec: null, width: null, height: null, durationS: 0, frameCount: 0 } : await probeMedia(deps.runner, path, deps.ffprobePath),
    await stat(path),
  ];
  const codec = info.codec === 'hevc' ? 'h265' : info.codec === 'h264' ? 'h264' : (prev?.video.codec ?? 'h264');
  return {
    ...(prev ?? {}),
    file: name,
    sessionId: prev?.sessionId ?? parsed.sessionId ?? name.replace(/\.mp4$/, ''),
    cameraId: prev?.cameraId ?? deps.cameraId,
    cameraPosition: prev?.cameraPosition ?? deps.cameraPosition ?? '',
    startAt: prev?.startAt ?? parsed.startedAtMs,
    firstFrameAt: prev?.firstFrameAt ?? null,
    offsetMs: prev?.offsetMs ?? null,
    durationS: info.durationS ?? 0,
    video: {
      width: info.width ?? prev?.video.width ?? 1,
      height: info.height ?? prev?.video.height ?? 1,
      fps: prev?.video.fps ?? (info.durationS && info.frameCount ? Math.round(info.frameCount / info.durationS) : 30),
      codec,
      bitrateMbps: prev?.video.bitrateMbps ?? Math.max(0.001, (st.size * 8) / 1e6 / Math.max(1, info.durationS ?? 1)),
    },
    droppedFrames: prev?.droppedFrames ?? 0,
    // The in-progress manifest's encoder figures are a snapshot from its first second: the file
    // itself says how many frames it holds; the rates over the take are not known any more.
    encoder: { avgFps: null, speed: null, frames: info.frameCount ?? null },
    sha256,
    sizeBytes: st.size,
    snapshot: prev?.snapshot ?? null,
    softwareVersion: prev?.softwareVersion ?? deps.softwareVersion,
    offloaded: false,
    incomplete: true,
    inProgress: false,
    stopReason: prev?.stopReason ?? (empty ? 'down-before-first-frame' : 'recovered-after-crash'),
    recoveredAt: deps.now(),
    ...(trimmedBytes > 0 ? { recoveryTrimmedBytes: trimmedBytes } : {}),
  };
}

async function readManifest(path: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null; // missing: recovery writes one
  }
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // torn or hand-edited JSON is treated like a missing manifest
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
