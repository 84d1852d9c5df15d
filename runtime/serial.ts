/**
 * Runs async tasks one after another, in the order they were given. A failed task fails its own
 * caller and does not stop the ones queued after it. Used wherever two callers must not interleave:
 * config saves from two phones, rig commands decided in order, metadata file writes.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has settled. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
