// Status blocks are the bulk of a log: one is written only when the status changed, and at most
// one per minIntervalMs; a change in between waits for the interval's end, and only the last
// change of the interval is written.
import { isDeepStrictEqual } from 'node:util'

export type StatusAppend = 'appended' | 'deferred' | 'unchanged'

export interface StatusGateOptions {
  minIntervalMs: number
  clock: () => number
  /** The last status written (from the log), to compare a new one against. */
  last(): Record<string, unknown> | null
  /** Appends one status block. */
  write(status: Record<string, unknown>): Promise<unknown>
  /** Whether writing is still possible when a deferred change comes due. */
  writable(): boolean
  /** A deferred write failed: nobody awaits it, so it is reported here. */
  onDeferredFailure(err: Error): void
}

export class StatusGate {
  private lastWriteAt = 0
  private pending: Record<string, unknown> | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly o: StatusGateOptions) {}

  async offer(status: Record<string, unknown>): Promise<StatusAppend> {
    const last = this.pending ?? this.o.last()
    if (last !== null && isDeepStrictEqual(last, status)) return 'unchanged'
    const wait = this.lastWriteAt + this.o.minIntervalMs - this.o.clock()
    if (wait > 0) {
      this.pending = status
      this.timer ??= setTimeout(() => this.flush(), wait)
      return 'deferred'
    }
    await this.write(status)
    return 'appended'
  }

  /** Writes a deferred change now instead of at the interval's end (the node is stopping). */
  async flushNow(): Promise<void> {
    if (!this.timer) return
    clearTimeout(this.timer)
    this.timer = null
    const pending = this.pending
    this.pending = null
    if (pending && this.o.writable()) await this.write(pending).catch((err: Error) => this.o.onDeferredFailure(err))
  }

  /** Drops a deferred change (the log is closing). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.pending = null
  }

  private flush(): void {
    this.timer = null
    const pending = this.pending
    this.pending = null
    if (pending && this.o.writable()) this.write(pending).catch((err: Error) => this.o.onDeferredFailure(err))
  }

  private write(status: Record<string, unknown>): Promise<unknown> {
    this.lastWriteAt = this.o.clock()
    return this.o.write(status)
  }
}
