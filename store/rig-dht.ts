// The rig's private DHT: a HyperDHT that dials a member at its own DHT node when its address is
// known (no lookup), with LAN request timeouts; and the plain-socket port check run before it binds.
import { createSocket } from 'node:dgram'
import HyperDHT, { type ConnectOptions, type HyperDHTOptions } from 'hyperdht'

export interface PeerAddress {
  host: string
  port: number
}

/**
 * Request timeouts of the rig's DHT. Unknown addresses get 100–300 ms per try (a LAN answers in
 * a few ms, a Pi on busy Wi-Fi in tens); known ones adapt to their measured round trip.
 */
export const LAN_TIMEOUTS = { fallback: [100, 150, 200, 250, 300], min: 50, max: 2000, jitter: 32 } as const

/** A HyperDHT that dials a member at its own DHT node first when its address is known. */
export class RigDHT extends HyperDHT {
  constructor(
    opts: HyperDHTOptions,
    private readonly directAddress: (publicKey: Buffer) => PeerAddress | null
  ) {
    super(opts)
  }

  override connect(publicKey: Buffer, opts: ConnectOptions = {}): unknown {
    const direct = this.directAddress(publicKey)
    if (!direct) return super.connect(publicKey, opts)
    const others = (opts.relayAddresses ?? []).filter((a) => a.host !== direct.host || a.port !== direct.port)
    return super.connect(publicKey, { ...opts, relayAddresses: [direct, ...others] })
  }
}

/**
 * Checks the UDP port with a plain socket first: a hyperdht that failed to bind cannot be
 * destroyed cleanly, and a clear error beats a leaked handle.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, host, () => resolve())
    })
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve())
      } catch {
        resolve() // never bound: nothing to close
      }
    })
  }
}
