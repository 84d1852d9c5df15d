import type { Config } from '../../runtime/config/schema.js';
import type { Warning } from '../../runtime/status.js';
import { execaRunner } from '../recorder/runner.js';
import { driveHealthWarnings, storageGate, type StorageDeps } from './storage.js';

export interface StorageWatchOptions {
  now?: () => number;
  /** The write probe fsyncs; every minute is enough between start gates (which always probe afresh). */
  gateEveryMs?: number;
  /** SMART changes slowly and smartctl wakes the drive: every ten minutes. */
  smartEveryMs?: number;
}

/** Paces the storage checks for the housekeeper and keeps their last answers. */
export class StorageWatch {
  #gate: Warning[] = [];
  #smart: Warning[] = [];
  #gateAt = -Infinity;
  #smartAt = -Infinity;
  readonly #now: () => number;

  constructor(private readonly deps: StorageDeps = {}, private readonly opts: StorageWatchOptions = {}) {
    this.#now = opts.now ?? Date.now;
  }

  /** fresh: a start gate asks, so mount and write are probed now whatever the pace. */
  async check(storage: Config['storage'], fresh: boolean): Promise<{ warnings: Warning[]; blocks: Warning[] }> {
    const t = this.#now();
    if (fresh || t - this.#gateAt >= (this.opts.gateEveryMs ?? 60_000)) {
      this.#gate = await storageGate(storage, this.deps);
      this.#gateAt = t;
    }
    if (t - this.#smartAt >= (this.opts.smartEveryMs ?? 600_000)) {
      this.#smart = await driveHealthWarnings(storage.dataDir, { ...this.deps, runner: this.deps.runner ?? execaRunner });
      this.#smartAt = t;
    }
    return { warnings: [...this.#gate, ...this.#smart], blocks: [...this.#gate] };
  }
}
