import type { Logger } from './logging.js';
import type { RigApi } from '../actors/rig/rig-api.js';
import type { Retention, RetentionDeletion } from '../actors/housekeeper/retention-run.js';
import type { NoteEvent } from '../store/events.js';

/**
 * What happens on this node that the whole rig should read in its log (issue 11 item 13, issue
 * 12): every deletion with what it freed, and every network change. A note that cannot be
 * appended is logged here with a code; it never stops what it reports on.
 */
export function rigNotes(d: { rig: RigApi; cameraId: string; log: Logger; now?: () => number }) {
  const now = d.now ?? Date.now;
  const append = (event: NoteEvent): void => {
    void d.rig.note(event).catch((err: unknown) => d.log.warn({ err, code: 'RIG_NOTE_FAILED', note: event.type }, `could not write a ${event.type} note to the rig log`));
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
