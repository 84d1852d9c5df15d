import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { dispatch, spawnStateless, start, stop, type Ref } from 'nact';
import type { RecorderMsg } from '../../actors/recorder/actor.js';

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

/**
 * A recorder that answers at once with what the real one answers plus fields this layer does
 * not know: the routes' answers must keep them. (The real recorder behind these routes is
 * proven in test/actors/recorder/node.test.ts.)
 */
export function fakeRecorder(t: ExecutionContext): { ref: Ref<RecorderMsg>; seen: RecorderMsg[] } {
  const system = start();
  t.teardown(() => stop(system));
  const seen: RecorderMsg[] = [];
  const ref = spawnStateless(system, (msg: RecorderMsg) => {
    seen.push(msg);
    if (msg.type === 'start') {
      const reply = { ok: true as const, sessionId: msg.sessionId, file: `${msg.sessionId}_CAM_L_20261125_143000.mp4`, startAt: msg.startAt, firstFrameAt: msg.startAt + 30, codec: 'h265', codecFallbackReason: null, firstFrameAtPrecise: msg.startAt + 30.25 };
      dispatch(msg.replyTo, reply);
    }
    if (msg.type === 'stop' && msg.replyTo) {
      const manifest = { file: 'S1_CAM_L_20261125_143000.mp4', sessionId: 'S1', take: 2, futureField: { nested: true } };
      const reply = { ok: true as const, wasRecording: true, sessionId: 'S1', manifest, warnings: [{ code: 'FINALISE_SLOW', message: 'x' }] };
      // A manifest of a later release: wider than this build's type, which is the point.
      const to: Ref<unknown> = msg.replyTo;
      dispatch(to, reply);
    }
  });
  return { ref, seen };
}
