import type { NodeStatus } from '../runtime/status.js';
import { Serial } from '../runtime/serial.js';
import type { TonePlayer, ToneSpec } from './recorder/tone.js';
import { ToneLimiter } from './tones-limit.js';

/**
 * Health tones: the node speaks up through its speaker when recording starts or stops and
 * when something degrades, so an operator standing at the camera hears it without a phone.
 * Each meaning has its own pattern (README "On the field" lists them). Rising = recording
 * started, falling = stopped; degradations are low, and differ by rhythm and pitch.
 */

export type ToneKind = 'recording-started' | 'recording-stopped'
  | 'temperature' | 'battery' | 'camera' | 'disk' | 'sync' | 'network';
export type Degradation = Exclude<ToneKind, 'recording-started' | 'recording-stopped'>;

const beep = (frequencyHz: number, durationMs: number): ToneSpec => ({ frequencyHz, durationMs, volume: 0.6 });
const pause = (durationMs: number): ToneSpec => ({ frequencyHz: 0, durationMs, volume: 0 });

export const TONES: Record<ToneKind, ToneSpec[]> = {
  'recording-started': [beep(660, 120), beep(880, 120), beep(1320, 200)],
  'recording-stopped': [beep(1320, 120), beep(880, 120), beep(660, 200)],
  temperature: [beep(1000, 80), pause(80), beep(1000, 80), pause(80), beep(1000, 80)],
  battery: [beep(440, 400), pause(150), beep(440, 400)],
  camera: [beep(330, 700)],
  disk: [beep(520, 100), pause(60), beep(520, 100), pause(60), beep(520, 100), pause(60), beep(520, 100)],
  sync: [beep(990, 150), beep(660, 150), beep(990, 150), beep(660, 150)],
  network: [beep(600, 150), pause(100), beep(400, 500)],
};

const CODES: Record<Degradation, readonly string[]> = {
  temperature: ['TEMP_HIGH', 'TEMP_CRITICAL'],
  battery: ['BATTERY_LOW', 'BATTERY_CRITICAL'],
  camera: ['CAMERA_MISSING'],
  disk: ['DISK_LOW', 'DISK_CRITICAL', 'INSUFFICIENT_SPACE', 'DATA_DIR_UNAVAILABLE', 'STORAGE_NOT_MOUNTED',
    'STORAGE_UNWRITABLE', 'STORAGE_WORN', 'STORAGE_FAILING', 'STORAGE_CRITICAL_WARNING', 'STORAGE_MEDIA_ERRORS'],
  sync: ['SYNC_DRIFT'],
  network: ['NETWORK_AP'],
};

/** The degradations a status shows. Network: the own access point came up, or the mesh was lost (a node that boots alone and is still looking is not news). */
export function degradations(s: NodeStatus, syncLimitMs: number, wasMeshed: boolean): Set<Degradation> {
  const codes = new Set(s.warnings.map((w) => w.code));
  const out = new Set<Degradation>();
  for (const [kind, list] of Object.entries(CODES) as [Degradation, readonly string[]][]) {
    if (list.some((c) => codes.has(c))) out.add(kind);
  }
  if (s.recording.error !== null || s.state === 'error') out.add('camera');
  if (s.sync.offsetMs !== null && Math.abs(s.sync.offsetMs) > syncLimitMs) out.add('sync');
  if (wasMeshed && s.network.mode !== 'mesh') out.add('network');
  return out;
}

export interface HealthTonesDeps {
  player: () => Promise<TonePlayer>;
  now?: () => number;
  syncLimitMs: () => number;
  limiter?: ToneLimiter;
  onError?: (err: unknown) => void;
}

/**
 * Feed it every StatusBoard snapshot (`board.on('change', (s) => tones.observe(s))`).
 * Tones are played one after another, never over each other.
 */
export class HealthTones {
  #prev: { recording: boolean; degraded: Set<Degradation> } | null = null;
  #wasMeshed = false;
  #serial = new Serial();
  readonly #limiter: ToneLimiter;
  readonly played: ToneKind[] = [];

  constructor(private readonly deps: HealthTonesDeps) {
    this.#limiter = deps.limiter ?? new ToneLimiter({ now: deps.now ?? Date.now });
  }

  observe(s: NodeStatus): void {
    if (s.network.mode === 'mesh') this.#wasMeshed = true;
    const recording = s.state === 'recording';
    const degraded = degradations(s, this.deps.syncLimitMs(), this.#wasMeshed);
    const prev = this.#prev ?? { recording: false, degraded: new Set<Degradation>() };
    this.#prev = { recording, degraded };
    if (recording && !prev.recording) this.#play('recording-started', true);
    if (!recording && prev.recording) this.#play('recording-stopped', true);
    for (const d of degraded) if (!prev.degraded.has(d)) this.#play(d, false);
  }

  /** Resolves once every tone asked for so far has played. */
  idle(): Promise<void> { return this.#serial.idle(); }

  #play(kind: ToneKind, operatorAction: boolean): void {
    if (!this.#limiter.allow(kind, operatorAction)) return;
    this.played.push(kind);
    void this.#serial.run(async () => {
      const player = await this.deps.player();
      for (const spec of TONES[kind]) await player.play(spec);
    }).catch((err: unknown) => this.deps.onError?.(err));
  }
}
