import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SESSION = '20261125-143000';
export const VIDEO = `${SESSION}_CAM_L_20261125_143000.mp4`;
export const MANIFEST = `${SESSION}_CAM_L.json`;

/** A finished recording as the recorder leaves it: the video and its manifest (with the real checksum). */
export async function writeRecording(dataDir: string, over: Record<string, unknown> = {}): Promise<{ bytes: Buffer; sha256: string; manifest: Record<string, unknown> }> {
  await mkdir(dataDir, { recursive: true });
  const bytes = Buffer.alloc(100_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
  await writeFile(join(dataDir, VIDEO), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifest = {
    file: VIDEO, sessionId: SESSION, cameraId: 'CAM_L', cameraPosition: 'left', startAt: 1, firstFrameAt: 2,
    offsetMs: null, durationS: 1, video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 }, droppedFrames: 0,
    sha256, sizeBytes: bytes.length, snapshot: null, softwareVersion: 't', offloaded: false, incomplete: false, ...over,
  };
  await writeFile(join(dataDir, MANIFEST), JSON.stringify(manifest));
  return { bytes, sha256, manifest };
}
