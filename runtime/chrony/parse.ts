import { RigError } from '../errors.js';

/**
 * Parsers of chronyc's machine-readable output (`chronyc -c`, chrony 4.x): pure, on text.
 * A line that is not what chronyc prints throws RigError('CHRONY_PARSE'); the adapter turns
 * that into a warning.
 */

export interface Tracking {
  /** Hex reference id; 7F7F0101 is chrony's own `local` clock (an orphan-mode leader). */
  refId: string;
  /** The source's name or address, '' when none. */
  refName: string;
  stratum: number;
  refTimeS: number;
  /** chrony's sign: positive = the system clock is slow (behind the reference). */
  systemOffsetS: number;
  lastOffsetS: number;
  rmsOffsetS: number;
  frequencyPpm: number;
  residualFreqPpm: number;
  skewPpm: number;
  rootDelayS: number;
  rootDispersionS: number;
  updateIntervalS: number;
  /** 'Normal', 'Insert second', 'Delete second' or 'Not synchronised'. */
  leap: string;
}

export const LOCAL_REFID = '7F7F0101';

const num = (field: string, what: string): number => {
  const n = Number(field);
  if (field.trim() === '' || !Number.isFinite(n)) throw new RigError('CHRONY_PARSE', `chronyc tracking: ${what} is not a number: ${JSON.stringify(field)}`);
  return n;
};

export function parseTracking(text: string): Tracking {
  const line = text.trim().split('\n')[0] ?? '';
  const f = line.split(',');
  if (f.length !== 14) throw new RigError('CHRONY_PARSE', `chronyc tracking: expected 14 CSV fields, got ${f.length}: ${JSON.stringify(line.slice(0, 200))}`);
  if (!/^[0-9A-F]{8}$/i.test(f[0]!)) throw new RigError('CHRONY_PARSE', `chronyc tracking: bad reference id ${JSON.stringify(f[0])}`);
  return {
    refId: f[0]!.toUpperCase(),
    refName: f[1]!,
    stratum: num(f[2]!, 'stratum'),
    refTimeS: num(f[3]!, 'ref time'),
    systemOffsetS: num(f[4]!, 'system offset'),
    lastOffsetS: num(f[5]!, 'last offset'),
    rmsOffsetS: num(f[6]!, 'RMS offset'),
    frequencyPpm: num(f[7]!, 'frequency'),
    residualFreqPpm: num(f[8]!, 'residual frequency'),
    skewPpm: num(f[9]!, 'skew'),
    rootDelayS: num(f[10]!, 'root delay'),
    rootDispersionS: num(f[11]!, 'root dispersion'),
    updateIntervalS: num(f[12]!, 'update interval'),
    leap: f[13]!,
  };
}

export interface Source {
  /** chronyc's first column: '^' server, '=' peer, '#' reference clock (GPS, PPS). */
  mode: 'server' | 'peer' | 'refclock';
  /** '*' selected, '+' combined, '-' not combined, '?' unreachable/unusable, 'x' falseticker, '~' too variable. */
  state: 'selected' | 'combined' | 'not-combined' | 'unusable' | 'falseticker' | 'variable';
  name: string;
  stratum: number;
  reach: number;
  /** Seconds since the last sample; null when never (chronyc prints 4294967295). */
  lastRxS: number | null;
  /** The last sample's offset, chrony's sign for sources (positive: the local clock is ahead of the source), seconds. */
  offsetS: number;
  errorS: number;
}

const MODES: Record<string, Source['mode']> = { '^': 'server', '=': 'peer', '#': 'refclock' };
const STATES: Record<string, Source['state']> = { '*': 'selected', '+': 'combined', '-': 'not-combined', '?': 'unusable', x: 'falseticker', '~': 'variable' };

export function parseSources(text: string): Source[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((line) => {
    const f = line.split(',');
    if (f.length !== 10) throw new RigError('CHRONY_PARSE', `chronyc sources: expected 10 CSV fields, got ${f.length}: ${JSON.stringify(line.slice(0, 200))}`);
    const mode = MODES[f[0]!];
    const state = STATES[f[1]!];
    if (!mode || !state) throw new RigError('CHRONY_PARSE', `chronyc sources: unknown mode/state ${JSON.stringify(`${f[0]}${f[1]}`)}`);
    const lastRx = Number(f[6]);
    return {
      mode,
      state,
      name: f[2]!,
      stratum: Number(f[3]),
      reach: Number.parseInt(f[5]!, 8),
      lastRxS: lastRx >= 0xffffffff || !Number.isFinite(lastRx) ? null : lastRx,
      offsetS: Number(f[7]),
      errorS: Number(f[9]),
    };
  });
}
