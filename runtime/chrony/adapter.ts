import { execa } from 'execa';
import { errorCode, errorMessage } from '../errors.js';
import { LOCAL_REFID, parseSources, parseTracking, type Source, type Tracking } from './parse.js';
import type { ChronyStatus } from './schema.js';

/**
 * Reads chrony's state through `chronyc -c tracking` and `chronyc -c sources`. A missing
 * chronyc, a daemon that is not running, output it cannot read, or an unsynchronised clock
 * are states with a warning code, never a throw: the node records with or without chrony.
 */

export interface RunResult { exitCode: number; stdout: string; stderr: string }
/** Runs a command; rejects only when it cannot be started (err.code ENOENT when it is missing). */
export type CommandRunner = (file: string, args: string[]) => Promise<RunResult>;

export const execaRunner = (timeoutMs = 3000): CommandRunner => async (file, args) => {
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  // execa does not reject with reject:false; a spawn failure (ENOENT) comes back as r.code.
  if (r.failed && r.exitCode === undefined) throw Object.assign(new Error(r.message), { code: (r as { code?: string }).code });
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
};

export interface ChronyReaderOptions {
  run?: CommandRunner;
  chronyc?: string;
  /** A command socket (chronyd's bindcmdaddress), e.g. in tests; default chronyc's own. */
  socket?: string;
}

export type ChronyReader = () => Promise<ChronyStatus>;

export function createChronyReader(o: ChronyReaderOptions = {}): ChronyReader {
  const run = o.run ?? execaRunner();
  const chronyc = o.chronyc ?? 'chronyc';
  const base = o.socket ? ['-h', o.socket, '-c'] : ['-c'];
  return async () => {
    try {
      const tracking = await run(chronyc, [...base, 'tracking']);
      if (tracking.exitCode !== 0) {
        return unavailable('CHRONY_NOT_RUNNING', `chronyc could not talk to chronyd: ${(tracking.stderr || tracking.stdout).trim() || `exit ${tracking.exitCode}`}`);
      }
      const sources = await run(chronyc, [...base, 'sources']);
      return chronyStatus(parseTracking(tracking.stdout), sources.exitCode === 0 ? parseSources(sources.stdout) : []);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return unavailable('CHRONY_MISSING', `${chronyc} is not installed: the clock is not disciplined by chrony`);
      if (errorCode(err) === 'CHRONY_PARSE') return unavailable('CHRONY_UNREADABLE', errorMessage(err));
      return unavailable('CHRONY_NOT_RUNNING', `chronyc failed: ${errorMessage(err)}`);
    }
  };
}

export function chronyStatus(t: Tracking, sources: Source[]): ChronyStatus {
  // Reachable: answered at least one of the last three polls. chrony keeps a dead source
  // selected ('*') for a while; a selected source that stopped answering is holdover.
  const reachable = sources.filter((s) => (s.reach & 0b111) !== 0 && s.state !== 'unusable');
  const selected = reachable.find((s) => s.state === 'selected')?.name ?? null;
  const leader = t.refId === LOCAL_REFID;
  const tracked = t.leap !== 'Not synchronised' && t.stratum > 0;
  const state: ChronyStatus['state'] = !tracked ? 'unsynchronised' : leader || selected !== null ? 'synchronised' : 'holdover';
  const common = {
    state,
    synchronised: state === 'synchronised',
    sources: { total: sources.length, reachable: reachable.length, selected },
    leap: t.leap,
  };
  if (!tracked) {
    const why = sources.length === 0 ? 'chrony has no time sources configured' : `none of chrony's ${sources.length} sources is usable yet`;
    return { ...common, stratum: null, reference: null, offsetMs: null, estimatedErrorMs: null, warning: { code: 'CHRONY_UNSYNCHRONISED', message: `chrony is not synchronised: ${why}` } };
  }
  return {
    ...common,
    stratum: t.stratum,
    reference: leader ? 'local' : t.refName || t.refId,
    // chrony's sign is "positive = slow"; status says this clock minus the reference.
    offsetMs: -t.systemOffsetS * 1000,
    estimatedErrorMs: (t.rootDelayS / 2 + t.rootDispersionS) * 1000,
    warning: state === 'holdover'
      ? { code: 'CHRONY_HOLDOVER', message: `chrony lost its reference ${t.refName || t.refId}: the clock free-runs until a source is reachable again` }
      : null,
  };
}

function unavailable(code: string, message: string): ChronyStatus {
  return {
    state: 'unavailable', synchronised: false, stratum: null, reference: null, offsetMs: null, estimatedErrorMs: null, leap: null,
    sources: { total: 0, reachable: 0, selected: null }, warning: { code, message },
  };
}
