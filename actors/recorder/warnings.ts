import type { StatusBoard, Warning } from '../../runtime/status.js';

/**
 * The Recorder's warnings in status, one per code: each says what the operator must act on
 * (a codec fallback, an encoder that cannot keep up, no space for the final manifest, a
 * manifest that could not be written). Kept per code so raising one never hides another.
 */
export class RecorderWarnings {
  readonly #byCode = new Map<string, Warning>();

  constructor(private readonly board: StatusBoard, private readonly source = 'recorder') {}

  set(code: string, message: string): void {
    const cur = this.#byCode.get(code);
    if (cur?.message === message) return;
    this.#byCode.set(code, { code, message });
    this.publish();
  }

  clear(...codes: string[]): void {
    let changed = false;
    for (const c of codes) changed = this.#byCode.delete(c) || changed;
    if (changed) this.publish();
  }

  has(code: string): boolean {
    return this.#byCode.has(code);
  }

  private publish(): void {
    this.board.setWarnings(this.source, [...this.#byCode.values()]);
  }
}
