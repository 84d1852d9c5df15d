import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RigError, errorCode, errorMessage } from '../../runtime/errors.js';
import { installRelease, readTrial, type ApplyStep } from '../../runtime/release-install.js';
import type { Layout } from '../../runtime/release-layout.js';
import { verifyPublished } from '../../runtime/release-verify.js';
import type { StatusBoard, UpdateStatus } from '../../runtime/status.js';
import type { UpdaterConfig } from './config.js';
import { download, fetchLatest, fetchSmall, type Fetch } from './github.js';
import type { HistoryEntry, UpdateHistory } from './history.js';
import { compareVersions } from './semver.js';

export interface UpdaterCoreDeps {
  config: () => UpdaterConfig;
  board: StatusBoard;
  history: UpdateHistory;
  layout: Layout;
  /** The version this process runs (runtime/version.ts). */
  running: string;
  fetch?: Fetch;
  now?: () => number;
  /** Called at each step of an apply; tests kill the process there. */
  step?: (s: ApplyStep | 'downloaded' | 'verified') => void | Promise<void>;
}

export interface CheckResult { current: string; latest: string; newer: boolean }
export interface ApplyResult { from: string; to: string }

/**
 * Check and apply, one at a time (the actor serialises them). Every outcome lands in the
 * history; a refusal throws a RigError with its code after removing what it downloaded, so a
 * refused update changes nothing but the history.
 */
export class UpdaterCore {
  readonly #now: () => number;
  readonly #fetch: Fetch;
  #latest: string | null = null;

  constructor(private readonly deps: UpdaterCoreDeps) {
    this.#now = deps.now ?? Date.now;
    this.#fetch = deps.fetch ?? fetch;
    this.status({ state: 'idle', progress: null });
  }

  status(patch: Partial<UpdateStatus>): void {
    const cur = this.deps.board.snapshot().update;
    this.deps.board.patch({ update: { state: 'idle', progress: null, latest: this.#latest, current: this.deps.running, ...cur, ...patch } });
  }

  record(kind: HistoryEntry['kind'], to: string | null, message: string, code: string | null = null): Promise<void> {
    return this.deps.history.append({ at: this.#now(), kind, from: this.deps.running, to, code, message });
  }

  async check(): Promise<CheckResult> {
    this.status({ state: 'checking' });
    try {
      const latest = await this.#latestRelease();
      const newer = compareVersions(latest.version, this.deps.running) > 0;
      await this.record('check', latest.version, newer ? `${latest.version} is available` : `up to date (latest published is ${latest.version})`);
      return { current: this.deps.running, latest: latest.version, newer };
    } catch (err) {
      await this.record('failed', null, `check failed: ${errorMessage(err)}`, errorCode(err) ?? 'CHECK_FAILED');
      throw err;
    } finally {
      this.status({ state: 'idle', progress: null });
    }
  }

  async apply(opts: { force: boolean }): Promise<ApplyResult> {
    const cfg = this.deps.config();
    let to: string | null = null;
    let file: string | null = null;
    try {
      const trial = await readTrial(this.deps.layout);
      if (trial) throw new RigError('TRIAL_IN_PROGRESS', `${trial.version} is still on trial (not yet committed); try again once it is`);
      if (!cfg.publicKey) throw new RigError('NO_PUBLIC_KEY', 'no updater.publicKey is configured: updates are refused until one is installed');
      const latest = await this.#latestRelease();
      to = latest.version;
      const order = compareVersions(latest.version, this.deps.running);
      if (order === 0) throw new RigError('UP_TO_DATE', `${latest.version} is already running`);
      if (order < 0 && !opts.force) {
        throw new RigError('DOWNGRADE', `the latest release ${latest.version} is older than the running ${this.deps.running}; send force: true to install it anyway`);
      }
      if (!latest.tarball) throw new RigError('ASSET_MISSING', `release ${latest.tag} has no soccer-rig-${latest.version}.tar.gz`);
      file = join(this.deps.layout.downloads, latest.tarball.name);
      this.status({ state: 'downloading', progress: 0 });
      const got = await download(latest.tarball.url, file, this.#fetch, (received, total) => {
        const size = total ?? latest.tarball?.size ?? null;
        this.status({ progress: size ? Math.min(1, Math.round((received / size) * 1000) / 1000) : null });
      });
      await this.deps.step?.('downloaded');
      this.status({ state: 'verifying', progress: null });
      const [sha256File, sig] = await Promise.all([fetchSmall(latest.sha256Url, this.#fetch), fetchSmall(latest.sigUrl, this.#fetch)]);
      verifyPublished({
        tarballName: latest.tarball.name, sha256: got.sha256, bytes: await readFile(file),
        sha256File: sha256File ? sha256File.toString('utf8') : null, sig,
      }, cfg.publicKey);
      await this.deps.step?.('verified');
      this.status({ state: 'installing' });
      const { previous } = await installRelease({
        layout: this.deps.layout, version: latest.version, tarball: file,
        deadlineS: Math.floor(this.#now() / 1000) + cfg.trialDeadlineS, maxAttempts: cfg.maxAttempts,
        ...(this.deps.step ? { step: this.deps.step } : {}),
      });
      await this.record('apply', latest.version, `installed ${latest.version} beside ${previous}; restarting into it`);
      this.status({ state: 'restarting', progress: null });
      return { from: previous, to: latest.version };
    } catch (err) {
      const code = errorCode(err);
      const known = err instanceof RigError;
      await this.record(known ? 'refused' : 'failed', to, errorMessage(err), code ?? 'APPLY_FAILED');
      this.status({ state: known ? 'idle' : 'failed', progress: null });
      throw err;
    } finally {
      if (file) await rm(file, { force: true });
    }
  }

  async #latestRelease() {
    const cfg = this.deps.config();
    if (!cfg.repo) throw new RigError('NOT_CONFIGURED', 'updater.repo is not set: this node has no release source');
    const latest = await fetchLatest(cfg.apiBase, cfg.repo, this.#fetch);
    this.#latest = latest.version;
    this.status({ latest: latest.version });
    return latest;
  }
}
