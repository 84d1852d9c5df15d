import type { Logger } from './logging.js';
import type { RigApi } from '../actors/rig/rig-api.js';
import type { Retention, RetentionDeletion } from '../actors/housekeeper/retention-run.js';
import type { NoteEvent } from '../store/events.js';

/**
 * What happens on this node that the whole rig should read in its log (issue 11 item 13, issue
 * 12): every deletion with what it freed, and every network change. A note that cannot be
 * appended is logged here with a code; it never stops what it reports on.
 */
const PENDING_KEPT = 50;

export function rigNotes(d: { rig: RigApi; cameraId: string; log: Logger; now?: () => number }) {
  const now = d.now ?? Date.now;
  // The rig log opens after boot (and not at all without rig.secret): notes from before wait
  // for it, the newest PENDING_KEPT of them; each is in this node's own log file meanwhile.
  const pending: NoteEvent[] = [];
  const write = (event: NoteEvent): void => {
    void d.rig.note(event).catch((err: unknown) => d.log.warn({ err, code: 'RIG_NOTE_FAILED', note: event.type }, `could not write a ${event.type} note to the rig log`));
  };
  const flush = (): void => {
    if (!d.rig.snapshot().mesh.enabled) return;
    d.rig.off('change', flush);
    for (const e of pending.splice(0)) write(e);
  };
  d.rig.on('change', flush);
  const append = (event: NoteEvent): void => {
    if (d.rig.snapshot().mesh.enabled) { write(event); return; }
    pending.push(event);
    if (pending.length > PENDING_KEPT) pending.shift();
  };
  return {
    /** Each deletion into the rig log, and the manifest (now deleted) republished. */
    followDeletions(retention: Retention): void {
      retention.on('deleted', (x: RetentionDeletion) => {
        append({ type: 'deletion', at: now(), cameraId: d.cameraId, file: x.file, bytes: x.bytes, reason: x.reason });
        void d.rig.publishManifests().catch(() => undefined); // a failed one is retried at the next change
      });
    },
    network(from: string, to: string, reason: string): void {
      append({ type: 'network', at: now(), cameraId: d.cameraId, from, to, reason });
    },
  };
}
