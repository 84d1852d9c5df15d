import { EventEmitter } from 'node:events';
import type { Config } from '../../runtime/config/schema.js';
import type { StatusBoard } from '../../runtime/status.js';
import type { Logger } from '../../runtime/logging.js';
import { Serial } from '../../runtime/serial.js';
import { errorMessage } from '../../runtime/errors.js';
import { bytesPerMinute } from '../health.js';
import { listRecordings } from '../recorder/library.js';
import { deleteOffloaded, deleteOneOffloaded, type CleanupResult } from '../recorder/offload.js';
import { planRetention, type DeletionReason, type RetentionConfig, type RetentionPlan } from './retention.js';

/** reason: the retention rule, or 'operator' for a "delete offloaded" from the dashboard or the API. */
export interface RetentionDeletion { file: string; bytes: number; reason: DeletionReason | 'operator' }

export interface RetentionDeps {
  config: () => Config;
  board: StatusBoard;
  /** Free space of the data directory now (statfs), not the housekeeper's last sample: a pass must see what the previous one freed. */
  disk: (dir: string) => Promise<{ freeBytes: number; totalBytes: number }>;
  log: Logger;
  now?: () => number;
  /** Every deletion, for the rig log. */
  onDeleted?: (d: RetentionDeletion) => void;
}

const WARNING_SOURCE = 'retention';

/**
 * Runs the retention rules on this node: on a timer (housekeeping.intervalMs) and whenever
 * `kick()` is called (e.g. right after a confirmation). Passes never overlap. Emits
 * 'deleted' with `{file, bytes, reason}` for each deletion and logs it with a code; when the
 * room stays below `minFreeMinutes` with nothing left to delete, it warns in status
 * (DISK_NO_RECLAIM) and in the log, once per change.
 */
export class Retention extends EventEmitter {
  readonly #d: RetentionDeps;
  readonly #serial = new Serial();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #warning = false;

  constructor(deps: RetentionDeps) {
    super();
    this.#d = deps;
    if (deps.onDeleted) this.on('deleted', deps.onDeleted);
  }

  start(): this {
    const loop = (): void => {
      if (this.#stopped) return;
      void this.kick().finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(loop, this.#d.config().housekeeping.intervalMs);
        this.#timer.unref();
      });
    };
    loop();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#serial.idle();
  }

  /** One pass now (queued behind a running one); never rejects, a failure is a logged warning. */
  kick(): Promise<RetentionPlan | null> {
    return this.#serial.run(() => this.#pass().catch((err: unknown) => {
      this.#d.log.warn({ code: 'RETENTION_FAILED', err }, `retention pass failed: ${errorMessage(err)}`);
      return null;
    }));
  }

  /**
   * The operator's "delete offloaded files" (DELETE /recordings/offloaded): the same path as a
   * pass, serialised with it, each deletion logged and emitted for the rig log.
   */
  deleteOffloaded(): Promise<CleanupResult> {
    return this.#serial.run(async () => {
      const r = await deleteOffloaded(this.#d.config().storage.dataDir, this.#d.now ?? Date.now);
      for (const d of r.deleted) this.#deleted({ file: d.file, bytes: d.sizeBytes, reason: 'operator' });
      return r;
    });
  }

  #deleted(deletion: RetentionDeletion): void {
    this.#d.log.info({ code: 'RETENTION_DELETED', ...deletion }, `deleted ${deletion.file} (${(deletion.bytes / 1e9).toFixed(2)} GB freed, ${deletion.reason})`);
    this.emit('deleted', deletion);
  }

  async #pass(): Promise<RetentionPlan> {
    const cfg = this.#d.config();
    const rules: RetentionConfig = cfg.retention;
    const dir = cfg.storage.dataDir;
    const bpm = bytesPerMinute(cfg.video.bitrateMbps);
    const freeBytes = (await this.#d.disk(dir)).freeBytes;
    if (!rules.deleteAfterConfirm && freeBytes / bpm >= rules.minFreeMinutes) {
      // Room enough and nothing to delete on confirmation: no need to read every manifest on the
      // disk (this runs every few seconds, through a whole recording).
      const plan = planRetention({ files: [], freeBytes, bytesPerMinute: bpm, config: rules });
      this.#warn(null);
      return plan;
    }
    const { recordings } = await listRecordings(dir);
    const status = this.#d.board.snapshot();
    const writing = status.state === 'recording' || status.state === 'armed' || status.state === 'stopping' ? status.recording.file : null;
    const live = recordings.filter((m) => !m.deletedAt);
    const plan = planRetention({
      files: live.map((m) => ({
        file: m.file, sizeBytes: m.sizeBytes, startAt: m.startAt, confirmed: m.offloaded,
        recording: m.inProgress === true || m.file === writing,
      })),
      freeBytes,
      bytesPerMinute: bpm,
      config: rules,
    });
    const now = this.#d.now ?? Date.now;
    let keptUnderPressure = false;
    for (const d of plan.delete) {
      const m = live.find((x) => x.file === d.file)!;
      const r = await deleteOneOffloaded(dir, m, now);
      if ('kept' in r) {
        // Rechecked at the moment of deletion (it may have changed since the listing).
        if (d.reason === 'minFreeMinutes') keptUnderPressure = true;
        this.#d.log.warn({ code: 'RETENTION_KEPT', file: d.file, reason: r.kept }, `retention kept ${d.file}: ${r.kept}`);
        continue;
      }
      this.#deleted({ file: d.file, bytes: r.freedBytes, reason: d.reason });
    }
    this.#warn(plan.unreclaimable || keptUnderPressure
      ? `only ${plan.minutesAfter} min of recording room left (below retention.minFreeMinutes ${rules.minFreeMinutes}) and no confirmed recording left to delete: offload and confirm, or free space by hand`
      : null);
    return plan;
  }

  #warn(message: string | null): void {
    this.#d.board.setWarnings(WARNING_SOURCE, message ? [{ code: 'DISK_NO_RECLAIM', message }] : []);
    // Logged when it starts (the status carries the live minutes); not on every pass.
    if (message && !this.#warning) this.#d.log.warn({ code: 'DISK_NO_RECLAIM' }, message);
    this.#warning = message !== null;
  }
}
