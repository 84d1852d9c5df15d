import { createHmac, timingSafeEqual } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { networkInterfaces } from 'node:os'
import { EventEmitter } from 'node:events'

/**
 * LAN discovery without mDNS daemons: every node broadcasts a small signed datagram
 * ("I am CAM_L, my DHT is on port P, my HTTP on port H") every few seconds; a member that
 * hears a valid one learns the sender's current address. It complements the configured
 * peers: a Pi that got a new address from the field router is found again within one period.
 * The signature (HMAC-SHA256 with the rig secret) keeps strangers out of the routing table;
 * the timestamp bounds replays.
 */
export interface BeaconInfo {
  cameraId: string
  host: string
  dhtPort: number
  httpPort: number
}

export interface BeaconOptions {
  rigSecret: string
  cameraId: string
  dhtPort: number
  httpPort: number
  /** UDP port the beacons use (the same on every node). */
  port: number
  /** Address to listen on (default all). */
  bindHost?: string
  /** Where to send: "host:port" or "host" (then `port`). Default: every IPv4 broadcast address. */
  targets?: string[]
  intervalMs?: number
  maxAgeMs?: number
  clock?: () => number
}

interface Packet { v: 1; c: string; d: number; h: number; t: number; m: string }

export class LanBeacon extends EventEmitter<{ peer: [BeaconInfo]; invalid: [string] }> {
  private readonly opts: BeaconOptions
  private socket: Socket | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly clock: () => number

  constructor(opts: BeaconOptions) {
    super()
    this.opts = opts
    this.clock = opts.clock ?? Date.now
  }

  async open(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true })
    this.socket = socket
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo.address))
    socket.on('error', () => undefined) // a LAN without broadcast must not take the node down
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.opts.port, this.opts.bindHost ?? '0.0.0.0', () => {
        socket.off('error', reject)
        resolve()
      })
    })
    socket.setBroadcast(true)
    this.send()
    this.timer = setInterval(() => this.send(), this.opts.intervalMs ?? 2000)
    this.timer.unref()
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    const s = this.socket
    this.socket = null
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  /** The datagram this node sends (exported for tests of the format). */
  packet(): Buffer {
    const { cameraId: c, dhtPort: d, httpPort: h } = this.opts
    const t = this.clock()
    return Buffer.from(JSON.stringify({ v: 1, c, d, h, t, m: sign(this.opts.rigSecret, c, d, h, t) } satisfies Packet))
  }

  private send(): void {
    const s = this.socket
    if (!s) return
    const data = this.packet()
    for (const target of this.opts.targets ?? broadcastAddresses()) {
      const [host, port] = target.includes(':') ? [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))] : [target, this.opts.port]
      s.send(data, port, host, () => undefined)
    }
  }

  private receive(msg: Buffer, host: string): void {
    let p: Packet
    try {
      p = JSON.parse(msg.toString('utf8')) as Packet
    } catch {
      this.emit('invalid', 'not JSON')
      return
    }
    if (p?.v !== 1 || typeof p.c !== 'string' || !Number.isInteger(p.d) || !Number.isInteger(p.h) || typeof p.t !== 'number' || typeof p.m !== 'string') {
      this.emit('invalid', 'malformed')
      return
    }
    if (p.c === this.opts.cameraId) return // our own broadcast, looped back
    const expected = Buffer.from(sign(this.opts.rigSecret, p.c, p.d, p.h, p.t), 'hex')
    const got = Buffer.from(p.m, 'hex')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      this.emit('invalid', `bad signature from ${host}`)
      return
    }
    if (Math.abs(this.clock() - p.t) > (this.opts.maxAgeMs ?? 60_000)) {
      this.emit('invalid', `stale beacon from ${host}`)
      return
    }
    this.emit('peer', { cameraId: p.c, host, dhtPort: p.d, httpPort: p.h })
  }
}

function sign(secret: string, c: string, d: number, h: number, t: number): string {
  return createHmac('sha256', secret).update(`soccer-rig-beacon|${c}|${d}|${h}|${t}`).digest('hex')
}

/** The IPv4 broadcast address of every non-internal interface (wlan0 in mesh or AP mode, eth0). */
export function broadcastAddresses(): string[] {
  const out: string[] = []
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) {
      if (ni.family !== 'IPv4' || ni.internal) continue
      const a = ni.address.split('.').map(Number)
      const m = ni.netmask.split('.').map(Number)
      out.push(a.map((x, i) => (x | (~m[i]! & 255)) & 255).join('.'))
    }
  }
  return out
}
