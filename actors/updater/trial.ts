import { chmod, copyFile, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../runtime/atomic-write.js';
import { commitTrial, parseEnv, readTrial } from '../../runtime/release-install.js';
import { completeReleases, type Layout } from '../../runtime/release-layout.js';
import type { UpdateHistory } from './history.js';

/**
 * The boot guard (a shell script, no node) leaves a note per rollback; the node that came back
 * puts them into its history, where the operator sees them.
 */
export async function ingestRollbackNotes(l: Layout, history: UpdateHistory, running: string): Promise<number> {
  const notes = (await readdir(l.stateDir).catch(() => [] as string[])).filter((n) => /^update-rollback-\d+\.env$/.test(n)).sort();
  for (const n of notes) {
    const e = parseEnv(await readFile(join(l.stateDir, n), 'utf8'));
    const reason = e.REASON === 'ATTEMPTS_EXCEEDED'
      ? `it did not become healthy in ${e.ATTEMPTS ?? '?'} starts`
      : 'it did not become healthy before its deadline';
    await history.append({
      at: Number(e.AT) * 1000 || Date.now(), kind: 'rollback', from: running, to: e.VERSION ?? null,
      code: e.REASON ?? 'ROLLED_BACK', message: `rolled back from ${e.VERSION ?? '?'} to ${e.PREVIOUS ?? running}: ${reason}`,
    });
    await unlink(join(l.stateDir, n));
  }
  if (notes.length > 0) await fsyncDir(l.stateDir);
  return notes.length;
}

export interface TrialDeps {
  layout: Layout;
  history: UpdateHistory;
  running: string;
  /** HTTP answering and the actors running: what "healthy" means for a new version. */
  healthy: () => Promise<boolean>;
  /** Ends the process so systemd restarts it; the boot guard then rolls back. */
  fail: (reason: string) => void;
  now?: () => number;
  pollMs?: number;
  signal?: AbortSignal;
}

export type TrialOutcome = 'none' | 'committed' | 'failed' | 'aborted';

/**
 * When this process is the version on trial: commit it as soon as it is healthy, or give up at
 * the deadline (the boot guard rolls back on the next start, and also catches a version that
 * never gets this far: it counts starts).
 */
export async function superviseTrial(d: TrialDeps): Promise<TrialOutcome> {
  const now = d.now ?? Date.now;
  const trial = await readTrial(d.layout);
  if (!trial || trial.version !== d.running) return 'none';
  for (;;) {
    if (d.signal?.aborted) return 'aborted';
    const ok = await d.healthy().catch(() => false);
    if (ok) {
      await commitTrial(d.layout);
      await d.history.append({ at: now(), kind: 'success', from: trial.previous, to: trial.version, code: null, message: `${trial.version} is healthy and committed (was ${trial.previous})` });
      await refreshGuard(d.layout);
      await pruneReleases(d.layout, [trial.version, trial.previous]);
      return 'committed';
    }
    if (now() / 1000 > trial.deadlineS) {
      await d.history.append({ at: now(), kind: 'failed', from: trial.previous, to: trial.version, code: 'HEALTH_DEADLINE', message: `${trial.version} was not healthy by its deadline; restarting so the boot guard rolls back to ${trial.previous}` });
      d.fail(`update trial of ${trial.version} failed`);
      return 'failed';
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, d.pollMs ?? 1000);
      d.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }
}

/**
 * A committed version may bring a fixed boot guard; only a version that proved healthy gets to
 * replace it, and atomically (a half-written guard would stop every start).
 */
async function refreshGuard(l: Layout): Promise<void> {
  const src = join(l.current, 'scripts', 'boot-guard.sh');
  const tmp = `${l.guard}.tmp`;
  try {
    await copyFile(src, tmp);
  } catch {
    return;
  }
  await chmod(tmp, 0o755);
  await rename(tmp, l.guard);
  await fsyncDir(l.root);
}

/** Keeps the running release and the one before it (a manual way back); older ones only take space. */
async function pruneReleases(l: Layout, keep: string[]): Promise<void> {
  for (const v of await completeReleases(l)) {
    if (!keep.includes(v)) await rm(join(l.releases, v), { recursive: true, force: true });
  }
}
