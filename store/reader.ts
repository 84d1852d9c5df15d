// Reads one core in order: first what is on local disk (no network), then live as blocks
// arrive. It honours the `base` every block carries: blocks below the newest base were
// restated by a compaction and may be cleared everywhere, so the reader jumps over them
// instead of waiting for blocks nobody has any more.
import type Hypercore from 'hypercore'
import type { Download } from 'hypercore'
import { decodeBlock, type Block } from './events.js'

export interface CoreReaderOptions {
  /** Peer replicas: download live from `base` on, and clear local copies below it. */
  replica: boolean
  /** How long one block may take to arrive before the reader re-checks the tip. */
  readTimeoutMs: number
  /** How far back from the tip to look for a local block when replaying from disk. */
  scanLimit?: number
  onBlock(index: number, block: Block, live: boolean): void
  onInvalid(index: number, code: string, message: string): void
  onError(err: Error): void
}

export class CoreReader {
  /** Next block index to deliver. */
  next = 0
  base = 0
  private cleared = 0
  private pumping = false
  private again = false
  private closed = false
  private download: Download | null = null
  private retry: NodeJS.Timeout | null = null
  /** The block the pump is waiting for, so an append can cancel a wait that became moot. */
  private waiting: { index: number; requests: unknown[] } | null = null
  private checkingTip = false
  private readonly onAppend = (): void => {
    this.kick()
    this.checkTipWhileWaiting()
  }

  constructor(
    readonly core: Hypercore,
    private readonly opts: CoreReaderOptions
  ) {}

  /** Delivers what is on local disk, without touching the network. */
  async replayLocal(): Promise<void> {
    const length = this.core.length
    if (length === 0) return
    const floor = Math.max(0, length - 1 - (this.opts.scanLimit ?? 10_000))
    for (let i = length - 1; i >= floor; i--) {
      const tip = await this.localBlock(i)
      if (tip) {
        this.advanceBase(tip.base)
        break
      }
    }
    for (let i = this.next; i < length && !this.closed; i++) {
      const bytes = await this.core.get(i, { wait: false })
      // A gap means a download was cut short; the live pump fetches from here.
      if (bytes === null) break
      this.deliver(i, bytes, false)
    }
  }

  /** Starts following the core live. */
  follow(): void {
    this.core.on('append', this.onAppend)
    if (this.opts.replica) this.restartDownload()
    this.kick()
  }

  kick(): void {
    if (this.closed) return
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    void this.pump()
  }

  async close(): Promise<void> {
    this.closed = true
    // A block still awaited is cancelled here, before the store closes: hypercore resolves pending
    // block requests from storage when an append lands, and one landing while the store closes
    // would read from a closed RocksDB session with nobody left to catch it.
    if (this.waiting) this.core.clearRequests(this.waiting.requests)
    this.waiting = null
    this.core.off('append', this.onAppend)
    if (this.retry) clearTimeout(this.retry)
    this.download?.destroy()
    this.download = null
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false
        await this.drain()
      } while (this.again && !this.closed)
    } catch (err) {
      if (!this.closed) this.opts.onError(err as Error)
    } finally {
      this.pumping = false
    }
  }

  private async drain(): Promise<void> {
    let checkedLength = -1
    while (!this.closed && this.next < this.core.length) {
      // Behind by more than one block and the core grew since we last looked: the tip may
      // announce a newer base to jump to.
      if (checkedLength !== this.core.length && this.core.length - 1 > this.next) {
        checkedLength = this.core.length
        const tip = await this.fetch(this.core.length - 1)
        if (tip) {
          const decoded = decodeBlock(tip)
          if (decoded.ok) this.advanceBase(decoded.block.base)
        }
        continue
      }
      const index = this.next
      const waiting = { index, requests: [] as unknown[] }
      this.waiting = waiting
      const bytes = await this.fetch(index, waiting.requests)
      this.waiting = null
      if (this.closed) return
      if (this.next !== index) continue // a newer base made this block moot
      if (bytes === null) {
        // Nobody delivered it in time (peer gone, or cleared by a compaction we have not
        // seen yet): try again later rather than block the pump forever.
        this.scheduleRetry()
        return
      }
      if (this.next === index) this.deliver(index, bytes, true)
    }
  }

  // While the pump waits for a block, the writer may compact and clear it: the new tip then
  // says so, and the wait is cancelled instead of running into its timeout.
  private checkTipWhileWaiting(): void {
    const waiting = this.waiting
    if (!waiting || this.checkingTip || this.core.length - 1 <= waiting.index) return
    this.checkingTip = true
    this.fetch(this.core.length - 1)
      .then((tip) => {
        const decoded = tip ? decodeBlock(tip) : null
        if (decoded?.ok) this.advanceBase(decoded.block.base)
        if (this.waiting === waiting && this.next > waiting.index) this.core.clearRequests(waiting.requests)
      })
      .catch((err: Error) => {
        if (!this.closed) this.opts.onError(err)
      })
      .finally(() => {
        this.checkingTip = false
      })
  }

  private async fetch(index: number, activeRequests?: unknown[]): Promise<Buffer | null> {
    try {
      return await this.core.get(index, {
        timeout: this.opts.readTimeoutMs,
        ...(activeRequests ? { activeRequests } : {})
      })
    } catch (err) {
      if (this.closed) return null
      const code = (err as { code?: string }).code
      if (code === 'REQUEST_TIMEOUT' || code === 'REQUEST_CANCELLED') return null
      throw err
    }
  }

  private async localBlock(index: number): Promise<Block | null> {
    const bytes = await this.core.get(index, { wait: false })
    if (bytes === null) return null
    const decoded = decodeBlock(bytes)
    return decoded.ok ? decoded.block : null
  }

  private deliver(index: number, bytes: Buffer, live: boolean): void {
    this.next = index + 1
    const decoded = decodeBlock(bytes)
    if (!decoded.ok) {
      this.opts.onInvalid(index, decoded.code, decoded.message)
      return
    }
    this.advanceBase(decoded.block.base)
    this.opts.onBlock(index, decoded.block, live)
  }

  private advanceBase(base: number): void {
    // A base beyond the length is a lie from a broken peer; never skip blocks that exist.
    if (base <= this.base || base > this.core.length) return
    this.base = base
    if (this.next < base) this.next = base
    if (this.opts.replica) {
      if (this.download) this.restartDownload()
      this.clearBelowBase()
    }
  }

  private restartDownload(): void {
    this.download?.destroy()
    // end: -1 keeps the range open, so new appends are fetched (and stored) as they happen.
    this.download = this.core.download({ start: this.base, end: -1 })
    this.download.done().catch(() => {})
  }

  private clearBelowBase(): void {
    if (this.cleared >= this.base) return
    const [start, end] = [this.cleared, this.base]
    this.cleared = this.base
    this.core.clear(start, end).catch((err: Error) => {
      if (!this.closed) this.opts.onError(err)
    })
  }

  private scheduleRetry(): void {
    if (this.retry || this.closed) return
    this.retry = setTimeout(() => {
      this.retry = null
      this.kick()
    }, this.opts.readTimeoutMs)
    this.retry.unref()
  }
}
