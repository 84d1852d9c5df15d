import { z } from 'zod';

/**
 * Retention: which recordings a node may delete on its own, and when. Pure: the runner
 * (retention-run.ts) gathers the facts, this decides, and the deletion itself goes through
 * the one home for deleting an offloaded video (actors/recorder/offload.ts).
 *
 * Rules, in order of precedence:
 * 1. Never a file that is not confirmed as offloaded (sha256 verified off the rig), nor one
 *    being recorded, under any pressure.
 * 2. deleteAfterConfirm: every confirmed file goes as soon as it is confirmed.
 * 3. Below minFreeMinutes of recording room (at the configured bitrate), confirmed files
 *    go oldest first, and only until the room is back above the threshold.
 * 4. When the room stays below it and nothing more can be freed, say so (`unreclaimable`).
 */

export const RetentionConfigSchema = z.strictObject({
  deleteAfterConfirm: z.boolean().default(false)
    .describe('Delete a recording\'s video as soon as an offload tool confirmed a verified copy'),
  minFreeMinutes: z.number().min(0).max(6000).default(30)
    .describe('Below this many minutes of recording room (at video.bitrateMbps), delete confirmed recordings oldest first'),
}).default({ deleteAfterConfirm: false, minFreeMinutes: 30 });
export type RetentionConfig = z.infer<typeof RetentionConfigSchema>;

export interface RetentionFile {
  file: string;
  sizeBytes: number;
  /** Age order: the rig-agreed start instant (epoch ms). */
  startAt: number;
  /** Confirmed as offloaded with a matching checksum. */
  confirmed: boolean;
  /** Being recorded (in-progress manifest, or the file the recorder writes now). */
  recording: boolean;
}

export interface RetentionInput {
  files: readonly RetentionFile[];
  freeBytes: number;
  bytesPerMinute: number;
  config: RetentionConfig;
}

export type DeletionReason = 'deleteAfterConfirm' | 'minFreeMinutes';

export interface RetentionPlan {
  delete: Array<{ file: string; bytes: number; reason: DeletionReason }>;
  /** Minutes of room once the planned deletions are done. */
  minutesAfter: number;
  /** Still below minFreeMinutes after deleting everything that may be deleted. */
  unreclaimable: boolean;
}

/** Minutes of recording room in `freeBytes` (the same floor the housekeeper's minutesLeft uses). */
export function minutesOf(freeBytes: number, bytesPerMinute: number): number {
  return bytesPerMinute > 0 ? Math.floor(Math.max(0, freeBytes) / bytesPerMinute) : Number.POSITIVE_INFINITY;
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const eligible = input.files
    .filter((f) => f.confirmed && !f.recording)
    .slice()
    .sort((a, b) => a.startAt - b.startAt || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const out: RetentionPlan['delete'] = [];
  let free = input.freeBytes;
  let i = 0;
  if (input.config.deleteAfterConfirm) {
    for (; i < eligible.length; i++) {
      out.push({ file: eligible[i]!.file, bytes: eligible[i]!.sizeBytes, reason: 'deleteAfterConfirm' });
      free += eligible[i]!.sizeBytes;
    }
  }
  for (; i < eligible.length && minutesOf(free, input.bytesPerMinute) < input.config.minFreeMinutes; i++) {
    out.push({ file: eligible[i]!.file, bytes: eligible[i]!.sizeBytes, reason: 'minFreeMinutes' });
    free += eligible[i]!.sizeBytes;
  }
  const minutesAfter = minutesOf(free, input.bytesPerMinute);
  return { delete: out, minutesAfter, unreclaimable: minutesAfter < input.config.minFreeMinutes };
}
