import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';
import { migrate } from './migrate.js';

export interface Problem { path: string; message: string }

export type Validation =
  | { ok: true; config: Config; notices: string[]; migratedFrom: number | null }
  | { ok: false; problems: Problem[] };

const FOUR_K_PIXELS = 3840 * 2160;

/** Migrates, validates and normalises a raw config object. Never throws on bad input. */
export function validateConfig(input: unknown): Validation {
  let migrated;
  try {
    migrated = migrate(input);
  } catch (err) {
    return { ok: false, problems: [{ path: 'version', message: (err as Error).message }] };
  }
  const retiredNotices = retire(migrated.raw);
  const parsed = ConfigSchema.safeParse(migrated.raw);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const config = parsed.data;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) return { ok: false, problems };
  const notices = [...retiredNotices, ...normalise(config)];
  return { ok: true, config, notices, migratedFrom: migrated.migrated ? migrated.fromVersion : null };
}

export function zodProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      // Name each unknown key as its own path so the user sees exactly which line is wrong.
      return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_type' && message.includes('received undefined')) message = 'required';
    return [{ path: formatPath(issue.path), message }];
  }).flat();
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

function crossFieldProblems(c: Config): Problem[] {
  const out: Problem[] = [];
  const t = c.thresholds;
  if (t.diskBlockPercent > t.diskWarnPercent) {
    out.push({ path: 'thresholds.diskBlockPercent', message: `must not exceed diskWarnPercent (${t.diskWarnPercent})` });
  }
  if (t.batteryBlockPercent > t.batteryWarnPercent) {
    out.push({ path: 'thresholds.batteryBlockPercent', message: `must not exceed batteryWarnPercent (${t.batteryWarnPercent})` });
  }
  if (t.temperatureWarnC > t.temperatureBlockC) {
    out.push({ path: 'thresholds.temperatureWarnC', message: `must not exceed temperatureBlockC (${t.temperatureBlockC})` });
  }
  if (c.camera.source === 'v4l2' && !c.camera.device) {
    out.push({ path: 'camera.device', message: 'required for a v4l2 camera (e.g. /dev/video0)' });
  }
  if (c.camera.source !== 'v4l2' && c.camera.inputCodec !== 'raw') {
    out.push({ path: 'camera.inputCodec', message: 'only a v4l2 camera can deliver encoded video' });
  }
  if (c.video.width % 2 !== 0 || c.video.height % 2 !== 0) {
    out.push({ path: c.video.width % 2 !== 0 ? 'video.width' : 'video.height', message: 'must be even (4:2:0 video)' });
  }
  return out;
}

/** Fills derived defaults and applies clamps, returning a human-readable notice for each. */
function normalise(c: Config): string[] {
  const notices: string[] = [];
  c.network.apSsid ??= `SOCCER_CAM_${c.camera.id.slice(4)}`;
  if (c.video.width * c.video.height >= FOUR_K_PIXELS) {
    const clamped = Math.min(35, Math.max(25, c.video.bitrateMbps));
    if (clamped !== c.video.bitrateMbps) {
      notices.push(`video.bitrateMbps: ${c.video.bitrateMbps} Mbps clamped to ${clamped} Mbps (4K recordings use 25–35 Mbps)`);
      c.video.bitrateMbps = clamped;
    }
  }
  return notices;
}

/**
 * Keys that once existed and now mean nothing are dropped with a notice, so a node whose
 * config predates them still starts (the strict schema would refuse an unknown key).
 */
function retire(raw: unknown): string[] {
  const notices: string[] = [];
  const updater = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).updater : undefined;
  if (typeof updater === 'object' && updater !== null && 'source' in updater) {
    delete (updater as Record<string, unknown>).source;
    notices.push('updater.source: retired (nothing read it); updates come from updater.repo, verified with updater.publicKey');
  }
  return notices;
}
