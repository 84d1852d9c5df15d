import type { Config } from '../runtime/config/schema.js';
import type { Warning } from '../runtime/status.js';

export interface HealthSample {
  disk: { freeBytes: number; totalBytes: number } | { error: string };
  temperatureC: number | null;
  loadPercent: number | null;
  batteryPercent: number | null | { error: string };
}

export interface HealthAssessment {
  storage: { freeBytes: number | null; totalBytes: number | null; minutesLeft: number | null };
  temperatureC: number | null;
  batteryPercent: number | null;
  loadPercent: number | null;
  warnings: Warning[];
  /** Reasons a recording must not start now (the same codes the gates answer with). */
  blocks: Warning[];
}

/** Bytes per minute a recording needs at a bitrate (video plus ~1 % container and audio overhead). */
export function bytesPerMinute(bitrateMbps: number): number {
  return (bitrateMbps * 1e6 / 8) * 60 * 1.01;
}

/** Pure: turns one sample into the status fields, warnings and start blockers. */
export function assessHealth(sample: HealthSample, cfg: Pick<Config, 'thresholds' | 'video' | 'storage'>): HealthAssessment {
  const t = cfg.thresholds;
  const warnings: Warning[] = [];
  const blocks: Warning[] = [];
  let storage: HealthAssessment['storage'] = { freeBytes: null, totalBytes: null, minutesLeft: null };

  if ('error' in sample.disk) {
    const w = { code: 'DATA_DIR_UNAVAILABLE', message: `data directory ${cfg.storage.dataDir}: ${sample.disk.error}` };
    warnings.push(w);
    blocks.push(w);
  } else {
    const { freeBytes, totalBytes } = sample.disk;
    const minutesLeft = Math.floor(freeBytes / bytesPerMinute(cfg.video.bitrateMbps));
    storage = { freeBytes, totalBytes, minutesLeft };
    const freePct = totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 0;
    const pct = freePct.toFixed(1);
    if (freePct < t.diskBlockPercent) {
      const w = { code: 'DISK_CRITICAL', message: `only ${pct} % free (${minutesLeft} min); recording is blocked below ${t.diskBlockPercent} %` };
      warnings.push(w);
      blocks.push(w);
    } else if (freePct < t.diskWarnPercent) {
      warnings.push({ code: 'DISK_LOW', message: `only ${pct} % free (${minutesLeft} min left at ${cfg.video.bitrateMbps} Mbps)` });
    }
  }

  let batteryPercent: number | null = null;
  if (sample.batteryPercent !== null && typeof sample.batteryPercent === 'object') {
    warnings.push({ code: 'BATTERY_UNKNOWN', message: `battery level unreadable: ${sample.batteryPercent.error}` });
  } else if (sample.batteryPercent !== null) {
    batteryPercent = sample.batteryPercent;
    if (batteryPercent < t.batteryBlockPercent) {
      const w = { code: 'BATTERY_CRITICAL', message: `battery at ${batteryPercent} %; recording is blocked below ${t.batteryBlockPercent} %` };
      warnings.push(w);
      blocks.push(w);
    } else if (batteryPercent < t.batteryWarnPercent) {
      warnings.push({ code: 'BATTERY_LOW', message: `battery at ${batteryPercent} %` });
    }
  }

  const temp = sample.temperatureC;
  if (temp !== null) {
    if (temp >= t.temperatureBlockC) {
      const w = { code: 'TEMP_CRITICAL', message: `CPU at ${temp} °C; recording is blocked from ${t.temperatureBlockC} °C` };
      warnings.push(w);
      blocks.push(w);
    } else if (temp >= t.temperatureWarnC) {
      warnings.push({ code: 'TEMP_HIGH', message: `CPU at ${temp} °C (throttling starts at 80 °C)` });
    }
  }

  return { storage, temperatureC: temp, batteryPercent, loadPercent: sample.loadPercent, warnings, blocks };
}
