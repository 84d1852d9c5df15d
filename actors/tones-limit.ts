/**
 * When a health tone may sound, pure and clock-injected. Tones should inform, not nag:
 * - the same degradation sounds at most once per `repeatMs` (a temperature hovering around
 *   its threshold flaps the warning every few seconds; the operator needs to hear it once);
 * - degradations sound at least `gapMs` apart: a burst (power loss takes battery, network
 *   and sync down together) gives one tone, and the dashboard lists the rest;
 * - the operator's own actions (recording started / stopped) always sound and never use up
 *   the budget of a degradation.
 */
export interface LimiterOptions { now: () => number; repeatMs?: number; gapMs?: number }

export class ToneLimiter {
  #last = new Map<string, number>();
  #lastDegraded = -Infinity;
  readonly #repeatMs: number;
  readonly #gapMs: number;

  constructor(private readonly opts: LimiterOptions) {
    this.#repeatMs = opts.repeatMs ?? 300_000;
    this.#gapMs = opts.gapMs ?? 10_000;
  }

  /** Records the tone as played when it answers true. */
  allow(kind: string, operatorAction = false): boolean {
    if (operatorAction) return true;
    const t = this.opts.now();
    if (t - this.#lastDegraded < this.#gapMs) return false;
    if (t - (this.#last.get(kind) ?? -Infinity) < this.#repeatMs) return false;
    this.#last.set(kind, t);
    this.#lastDegraded = t;
    return true;
  }
}
