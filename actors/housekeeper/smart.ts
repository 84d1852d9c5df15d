import type { Warning } from '../../runtime/status.js';

/**
 * Drive health from `smartctl -j -a` or `nvme smart-log -o json`. The NVMe health log is
 * the same in both (NVMe spec, log page 02h); only the field names differ. A worn or
 * failing drive is a warning, not a start gate: the match may still be recorded, but the
 * operator should replace the drive before the next one.
 */

export interface DriveHealth {
  /** false when the drive itself reports a failing self-assessment. */
  passed: boolean | null;
  criticalWarning: number | null;
  availableSpare: number | null;
  spareThreshold: number | null;
  percentUsed: number | null;
  mediaErrors: number | null;
}

/** nvme-cli ≥ 2.9 prints "100%" where older ones printed 100. */
const num = (v: unknown): number | null => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)%?$/.exec(v.trim()) : null;
  return m ? Number(m[1]) : null;
};

/** nvme-cli ≥ 2.9 prints critical_warning as an object with its bits; older ones as a number. */
const critical = (v: unknown): number | null =>
  v !== null && typeof v === 'object' ? num((v as { value?: unknown }).value) : num(v);

export function parseSmartctl(json: unknown): DriveHealth {
  const j = (json ?? {}) as Record<string, any>;
  const log = (j.nvme_smart_health_information_log ?? {}) as Record<string, unknown>;
  return {
    passed: typeof j.smart_status?.passed === 'boolean' ? j.smart_status.passed : null,
    criticalWarning: num(log.critical_warning),
    availableSpare: num(log.available_spare),
    spareThreshold: num(log.available_spare_threshold),
    percentUsed: num(log.percentage_used),
    mediaErrors: num(log.media_errors),
  };
}

export function parseNvmeSmartLog(json: unknown): DriveHealth {
  const j = (json ?? {}) as Record<string, unknown>;
  return {
    passed: null,
    criticalWarning: critical(j.critical_warning),
    availableSpare: num(j.avail_spare),
    spareThreshold: num(j.spare_thresh),
    percentUsed: num(j.percent_used),
    mediaErrors: num(j.media_errors),
  };
}

/** NVMe rates its own endurance; past 90 % the drive is near the end of its rated writes. */
export const WORN_PERCENT = 90;

export function driveWarnings(device: string, h: DriveHealth): Warning[] {
  const w: Warning[] = [];
  if (h.passed === false) w.push({ code: 'STORAGE_FAILING', message: `${device} reports its SMART self-assessment as FAILED: replace it` });
  if (h.criticalWarning) w.push({ code: 'STORAGE_CRITICAL_WARNING', message: `${device} raises critical warning 0x${h.criticalWarning.toString(16)} (spare, temperature, reliability or read-only)` });
  const lowSpare = h.availableSpare !== null && h.spareThreshold !== null && h.availableSpare <= h.spareThreshold;
  if ((h.percentUsed !== null && h.percentUsed >= WORN_PERCENT) || lowSpare) {
    w.push({ code: 'STORAGE_WORN', message: `${device} is worn: ${h.percentUsed ?? '?'} % of its rated life used, ${h.availableSpare ?? '?'} % spare left` });
  }
  if (h.mediaErrors) w.push({ code: 'STORAGE_MEDIA_ERRORS', message: `${device} has ${h.mediaErrors} media error(s): data may have been lost` });
  return w;
}
