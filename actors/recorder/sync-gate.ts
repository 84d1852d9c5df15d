import type { Config } from '../../runtime/config/schema.js';
import type { Warning } from '../../runtime/status.js';
import type { RigClock } from '../sync/rig-clock.js';

/**
 * The sync gate (config sync.gate): a start is refused while a member's clock is further from
 * rig time than thresholds.syncOffsetMs, naming that member. The rule itself (who drifts, by how
 * much) is the Sync actor's (actors/sync/view.ts); this only reads its latest verdict. A node
 * whose offsets are unknown is not refused: it starts and flags SYNC_UNKNOWN instead, because a
 * camera that records unsynchronised is better than one that does not record.
 */
export function syncBlocker(cfg: Config, clock: Pick<RigClock, 'known' | 'drift'>): Warning | null {
  if (!cfg.sync.gate || !clock.known) return null;
  const d = clock.drift;
  if (!d || Math.abs(d.vsRigMs) <= cfg.thresholds.syncOffsetMs) return null;
  return {
    code: 'SYNC_DRIFT',
    message: `${d.cameraId}'s clock is ${Math.abs(d.vsRigMs).toFixed(1)} ms ${d.vsRigMs > 0 ? 'ahead of' : 'behind'} rig time (± ${d.errorMs.toFixed(1)} ms; limit ${cfg.thresholds.syncOffsetMs} ms)`,
  };
}
