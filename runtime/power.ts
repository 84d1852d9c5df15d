// Powering the machine off after the node stopped (POST /shutdown with power.shutdownCommand).
// The command runs before the process exits (it used to be launched after the exit had begun,
// so it never ran). A failure must not look like success: it is logged with POWER_OFF_FAILED,
// the process exits non-zero so systemd restarts the node, and the next boot shows it as a
// status warning, because by then the only place the operator looks is the page.
import { join } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import type { ProcessRunner } from '../actors/recorder/runner.js';
import type { Warning } from './status.js';

export type PowerOffOutcome = { ok: true } | { ok: false; code: 'POWER_OFF_FAILED'; message: string };

/** Runs the configured command (argv) to completion: exit 0 is success, anything else is reported. */
export async function powerOff(command: readonly string[], runner: ProcessRunner, timeoutMs = 30_000): Promise<PowerOffOutcome> {
  const [file, ...args] = command;
  if (file === undefined) return { ok: false, code: 'POWER_OFF_FAILED', message: 'the shutdown command is empty' };
  const r = await runner.run({ file, args }, { timeoutMs });
  if (r.code === 0) return { ok: true };
  const why = r.spawnError ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`);
  const stderr = r.stderr.trim().slice(-500);
  return { ok: false, code: 'POWER_OFF_FAILED', message: `shutdown command ${command.join(' ')} failed (${why})${stderr ? `: ${stderr}` : ''}` };
}

const FILE = '.power-off-failed.json';

/** Leaves the failure for the next boot to show (best effort: the disk may be what failed). */
export async function rememberPowerOffFailure(dataDir: string, failure: { message: string }, at: number): Promise<void> {
  await writeFileAtomic(join(dataDir, FILE), JSON.stringify({ at, message: failure.message })).catch(() => undefined);
}

/** The failure the previous run left, as a status warning; read once, then cleared. */
export async function takePowerOffFailure(dataDir: string): Promise<Warning | null> {
  const path = join(dataDir, FILE);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  await rm(path, { force: true });
  let message = 'the last shutdown did not power the machine off';
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') message = `${message}: ${parsed.message}`;
  } catch { /* a damaged note still says that power-off failed */ }
  return { code: 'POWER_OFF_FAILED', message };
}
