import { CONFIG_VERSION } from './schema.js';

/**
 * Config files are migrated one version at a time, so a node that was switched
 * off for a season still starts with today's software. Each step takes the raw
 * object of version N and returns version N+1; it never validates (the schema
 * does that after the last step) and never drops a key it does not understand,
 * so the schema can name it.
 */
type Raw = Record<string, unknown>;
type Step = (raw: Raw) => Raw;

const steps: Record<number, Step> = {
  // Version 0 was the flat prototype format (cameraId, port, dataDir, resolution "WxH", bitrate).
  0: (raw) => {
    const { cameraId, position, port, dataDir, resolution, fps, codec, bitrate, ...rest } = raw;
    const out: Raw = { ...rest, version: 1 };
    const camera: Raw = { ...(isObject(rest.camera) ? rest.camera : {}) };
    if (cameraId !== undefined) camera.id = cameraId;
    if (position !== undefined) camera.position = position;
    out.camera = camera;
    if (port !== undefined) out.http = { ...(isObject(rest.http) ? rest.http : {}), port };
    if (dataDir !== undefined) out.storage = { ...(isObject(rest.storage) ? rest.storage : {}), dataDir };
    const video: Raw = { ...(isObject(rest.video) ? rest.video : {}) };
    if (typeof resolution === 'string') {
      const m = /^(\d+)x(\d+)$/.exec(resolution);
      if (m) { video.width = Number(m[1]); video.height = Number(m[2]); } else video.resolution = resolution;
    }
    if (fps !== undefined) video.fps = fps;
    if (codec !== undefined) video.codec = codec;
    if (bitrate !== undefined) video.bitrateMbps = bitrate;
    if (Object.keys(video).length > 0) out.video = video;
    return out;
  },
};

export interface MigrationResult {
  raw: Raw;
  fromVersion: number;
  migrated: boolean;
}

export function migrate(input: unknown): MigrationResult {
  if (!isObject(input)) return { raw: input as Raw, fromVersion: CONFIG_VERSION, migrated: false };
  const declared = input.version;
  let version = declared === undefined ? 0 : declared;
  if (typeof version !== 'number' || !Number.isInteger(version) || version > CONFIG_VERSION || version < 0) {
    // Leave it for the schema to report ("version: expected 1").
    return { raw: input, fromVersion: typeof version === 'number' ? version : -1, migrated: false };
  }
  const fromVersion = version;
  let raw: Raw = input;
  while (version < CONFIG_VERSION) {
    const step = steps[version];
    if (!step) throw new Error(`no config migration from version ${version}`);
    raw = step(raw);
    version += 1;
  }
  return { raw, fromVersion, migrated: fromVersion !== CONFIG_VERSION };
}

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
