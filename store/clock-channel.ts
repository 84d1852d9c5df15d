// Measures the clock offset to one peer over the rig's own authenticated connection: a protomux
// channel beside hypercore's replication on the same muxer (Protomux.from(conn) returns the mux
// corestore.replicate(conn) already attached). NTP's four timestamps:
//   request {seq, t1}            t1 = our clock when sent
//   reply   {seq, t1, t2, t3}    t2 = peer's clock on receipt, t3 = peer's clock when replying
//   t4 = our clock on receipt of the reply
//   offset = ((t2 − t1) + (t3 − t4)) / 2   (peer minus us)    rtt = (t4 − t1) − (t3 − t2)
// Both ends probe and both answer. Requests go one at a time within a burst (a queued request
// would measure the queue), a burst right after the channel opens (i.e. after every
// (re)connect), then one every burstIntervalMs. Choosing among the samples is the estimator's job.
import Protomux, { type Channel, type Encoding, type EncodingState } from 'protomux'
import type { Duplex } from 'node:stream'

export const CLOCK_PROTOCOL = 'soccer-rig/clock/v1'

const REQUEST = 0
const REPLY = 1
const REQUEST_BYTES = 1 + 4 + 8
const REPLY_BYTES = 1 + 4 + 8 * 3

type Frame =
  | { kind: typeof REQUEST, seq: number, t1: number }
  | { kind: typeof REPLY, seq: number, t1: number, t2: number, t3: number }

// Fixed-size binary frames: float64 keeps epoch milliseconds to ~0.2 µs. A malformed frame
// decodes to null (counted, ignored): a peer must not be able to throw inside the muxer.
const frameEncoding: Encoding<Frame | null> = {
  preencode (state: EncodingState, f: Frame | null) {
    state.end += f?.kind === REPLY ? REPLY_BYTES : REQUEST_BYTES
  },
  encode (state: EncodingState, f: Frame | null) {
    if (f === null) return
    const b = state.buffer
    let at = b.writeUInt8(f.kind, state.start)
    at = b.writeUInt32LE(f.seq, at)
    at = b.writeDoubleLE(f.t1, at)
    if (f.kind === REPLY) {
      at = b.writeDoubleLE(f.t2, at)
      at = b.writeDoubleLE(f.t3, at)
    }
    state.start = at
  },
  decode (state: EncodingState): Frame | null {
    const b = state.buffer
    const len = state.end - state.start
    const at = state.start
    state.start = state.end
    if (len === REQUEST_BYTES && b[at] === REQUEST) {
      return { kind: REQUEST, seq: b.readUInt32LE(at + 1), t1: b.readDoubleLE(at + 5) }
    }
    if (len === REPLY_BYTES && b[at] === REPLY) {
      return { kind: REPLY, seq: b.readUInt32LE(at + 1), t1: b.readDoubleLE(at + 5), t2: b.readDoubleLE(at + 13), t3: b.readDoubleLE(at + 21) }
    }
    return null
  }
}

export interface ClockSample {
  seq: number
  t1: number
  t2: number
  t3: number
  t4: number
  /** Peer clock minus ours, ms. */
  offsetMs: number
  rttMs: number
  /** Our clock when the sample was complete (= t4), for its age. */
  at: number
}

export interface ClockChannelStats {
  requestsSent: number
  repliesSent: number
  samples: number
  /** Requests whose reply did not come within replyTimeoutMs. */
  lost: number
  /** Frames that were malformed or answered no request of ours. */
  invalid: number
}

export interface ClockChannelOptions {
  /** This node's clock, ms (fractional): the same clock the Sync actor ages samples with. */
  now: () => number
  onSample: (sample: ClockSample) => void
  onOpen?: () => void
  onClose?: () => void
  burstSize?: number
  burstIntervalMs?: number
  /** Pause between the requests of a burst (lets both event loops drain). */
  gapMs?: number
  replyTimeoutMs?: number
}

export function sampleFrom (seq: number, t1: number, t2: number, t3: number, t4: number): ClockSample {
  return { seq, t1, t2, t3, t4, offsetMs: ((t2 - t1) + (t3 - t4)) / 2, rttMs: (t4 - t1) - (t3 - t2), at: t4 }
}

export class ClockChannel {
  readonly stats: ClockChannelStats = { requestsSent: 0, repliesSent: 0, samples: 0, lost: 0, invalid: 0 }
  readonly #conn: Duplex
  readonly #o: Required<Omit<ClockChannelOptions, 'onOpen' | 'onClose'>> & Pick<ClockChannelOptions, 'onOpen' | 'onClose'>
  #channel: Channel | null = null
  #seq = 0
  #pending: { seq: number, t1: number } | null = null
  #left = 0
  #timer: NodeJS.Timeout | null = null
  #closed = false
  // protomux marks a channel opened only after onopen returns; the burst starts inside onopen.
  #open = false

  constructor (conn: Duplex, options: ClockChannelOptions) {
    this.#conn = conn
    this.#o = { burstSize: 8, burstIntervalMs: 5000, gapMs: 5, replyTimeoutMs: 1000, ...options }
  }

  /** Opens the channel on the connection's muxer; false when one is already open there. */
  open (): boolean {
    if (this.#channel !== null || this.#closed) return false
    const channel = Protomux.from(this.#conn).createChannel({
      protocol: CLOCK_PROTOCOL,
      unique: true,
      messages: [{ encoding: frameEncoding as Encoding<unknown>, onmessage: (f) => this.#receive(f as Frame | null) }],
      onopen: () => {
        this.#open = true
        this.#o.onOpen?.()
        this.burst()
      },
      onclose: () => this.#shutdown()
    })
    if (channel === null) return false
    this.#channel = channel
    channel.open()
    return true
  }

  close (): void {
    this.#shutdown()
  }

  get opened (): boolean {
    return this.#open && !this.#closed
  }

  /** Starts a burst now (unless one is running); the periodic bursts continue from its end. */
  burst (): void {
    if (!this.opened || this.#left > 0 || this.#pending !== null) return
    this.#clearTimer()
    this.#left = this.#o.burstSize
    this.#next()
  }

  #next (): void {
    this.#clearTimer()
    if (!this.opened) return
    if (this.#left <= 0) {
      this.#schedule(() => this.burst(), this.#o.burstIntervalMs)
      return
    }
    this.#left -= 1
    this.#seq = (this.#seq + 1) >>> 0
    const t1 = this.#o.now()
    this.#pending = { seq: this.#seq, t1 }
    this.#send({ kind: REQUEST, seq: this.#seq, t1 })
    this.stats.requestsSent += 1
    this.#schedule(() => {
      this.#pending = null
      this.stats.lost += 1
      this.#next()
    }, this.#o.replyTimeoutMs)
  }

  #receive (f: Frame | null): void {
    if (f === null) {
      this.stats.invalid += 1
      return
    }
    if (f.kind === REQUEST) {
      const t2 = this.#o.now()
      this.#send({ kind: REPLY, seq: f.seq, t1: f.t1, t2, t3: this.#o.now() })
      this.stats.repliesSent += 1
      return
    }
    const t4 = this.#o.now()
    const p = this.#pending
    // The echoed t1 must be the one we sent (NTP's origin check): a late or replayed reply is not a sample.
    if (p === null || f.seq !== p.seq || f.t1 !== p.t1) {
      this.stats.invalid += 1
      return
    }
    this.#pending = null
    this.stats.samples += 1
    this.#o.onSample(sampleFrom(f.seq, f.t1, f.t2, f.t3, t4))
    this.#schedule(() => this.#next(), this.#o.gapMs)
  }

  #send (f: Frame): void {
    this.#channel?.messages[0]?.send(f)
  }

  #schedule (fn: () => void, ms: number): void {
    this.#clearTimer()
    this.#timer = setTimeout(fn, ms)
    this.#timer.unref()
  }

  #clearTimer (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #shutdown (): void {
    if (this.#closed) return
    this.#closed = true
    this.#open = false
    this.#clearTimer()
    this.#pending = null
    this.#left = 0
    const channel = this.#channel
    if (channel !== null && !channel.closed) channel.close()
    this.#o.onClose?.()
  }
}
