// The one call that joins a rig connection to the Sync actor: opens the connection's clock
// channel and reports connect, every sample and disconnect as the actor's own messages. The
// peer's camera id must be known (the mesh learns it from the member's public key) so the
// samples land on the right estimator.
import type { Duplex } from 'node:stream'
import { ClockChannel, type ClockChannelOptions, type ClockSample } from './clock-channel.js'

export type ClockEvent =
  | { type: 'connected', peer: string }
  | { type: 'sample', peer: string, sample: ClockSample }
  | { type: 'disconnected', peer: string }

export type ClockTuning = Omit<ClockChannelOptions, 'now' | 'onSample' | 'onOpen' | 'onClose'>

/**
 * Returns the channel (close it when the connection is dropped on purpose), or null when this
 * connection already carries a clock channel. `send` is typically `(m) => dispatch(syncRef, m)`.
 */
export function attachClock (conn: Duplex, peer: string, now: () => number, send: (event: ClockEvent) => void, tuning: ClockTuning = {}): ClockChannel | null {
  const channel = new ClockChannel(conn, {
    ...tuning,
    now,
    onOpen: () => send({ type: 'connected', peer }),
    onSample: (sample) => send({ type: 'sample', peer, sample }),
    onClose: () => send({ type: 'disconnected', peer })
  })
  return channel.open() ? channel : null
}
