// RigMesh: the rig's own little network. Each node runs a DHT node at a fixed address (there
// is no internet, so the rig's nodes bootstrap each other) and a Hyperswarm on top of it.
// Peers are found two ways at once, because either alone has failed in the field:
// - dialling every member's public key directly (keys are derived from the rig secret), which
//   hyperswarm retries with the backoffs given here, and this mesh again every redialMs while
//   a member is missing (hyperswarm's own retries back off to 10 s);
// - a topic derived from the rig secret, refreshed every refreshMs (hyperswarm's own refresh
//   is ~10 minutes, too slow for nodes that boot at slightly different times).
// Only members pass the firewall; refusals are counted for the status page.
// Two things make a rig mesh in well under a second, even when all nodes boot at once:
// - a member whose address is known (config peers with a cameraId, LAN beacons) is dialled
//   straight at its own DHT node, which answers for the servers it hosts, so no lookup;
// - requests to a silent address are retried every 100–300 ms, not after dht-rpc's fixed 1 s.
//   A dial still in flight blocks the other side's dial to us (hyperswarm keeps the
//   connection the higher key initiates), so a node that boots while its peer's dial is
//   pending is reached on that dial's next retry, a few hundred ms later at most.
import type HyperDHT from 'hyperdht'
import type { KeyPair } from 'hyperdht'
import Hyperswarm, { type PeerDiscovery, type SwarmConnection } from 'hyperswarm'
import { memberKeys, nodeKeyPair, rigTopic } from './identity.js'
import { PeerNames, type Resolve } from './peer-names.js'
import { silentLogger, type StoreLogger } from './logger.js'
import { TypedResource } from './resource.js'
import { LAN_TIMEOUTS, RigDHT, assertPortFree, type PeerAddress } from './rig-dht.js'

export { LAN_TIMEOUTS, type PeerAddress }

/** A peer's DHT address, and which member sits there when the config says so. */
export interface KnownPeer extends PeerAddress {
  cameraId?: string
}

export interface RigMeshOptions {
  rigSecret: string
  cameraId: string
  /** cameraIds of every rig member (this node included); their keys pass the firewall. */
  members: readonly string[]
  /** Extra hex public keys allowed in (e.g. a laptop); optional. */
  allowKeys?: readonly string[]
  /** This node's DHT address; port 0 picks one (tests only: peers could not bootstrap to it). */
  host: string
  port: number
  /** The other nodes' DHT addresses: the bootstrap list of this private DHT. */
  peers: readonly KnownPeer[]
  /** Overrides the derived key pair (e.g. one stored on disk). */
  keyPair?: KeyPair
  /** Every accepted connection is handed here (RigLog.attach). */
  onConnection(conn: SwarmConnection, peer: ConnectedPeer): void
  /** Topic refresh period. */
  refreshMs?: number
  /** How often a missing member is dialled again (ms; default 1000: a few UDP packets each). */
  redialMs?: number
  /**
   * Resolves a peer's host name (e.g. cam-c.local over mDNS) to an IPv4 address: UDP sends
   * need one. Defaults to the system resolver.
   */
  resolve?: Resolve
  /** Hyperswarm's retry backoffs for lost peers; the last one repeats for members. */
  backoffs?: [number, number, number, number]
  clock?: () => number
  logger?: StoreLogger
}

export interface ConnectedPeer {
  publicKey: string
  /** null for an allowKeys peer that is not a derived member. */
  cameraId: string | null
  since: number
}

export interface Refusals {
  count: number
  lastKey: string | null
  lastAt: number | null
}

export interface MeshStatus {
  publicKey: string
  cameraId: string
  address: PeerAddress | null
  connected: ConnectedPeer[]
  missing: string[]
  refusals: Refusals
}

export type MeshErrorCode = 'MESH_PORT_IN_USE' | 'MESH_BIND_FAILED' | 'MESH_NOT_MEMBER'

export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'MeshError'
  }
}

export interface RigMeshEvents {
  connect: [ConnectedPeer]
  disconnect: [ConnectedPeer]
  refused: [{ publicKey: string; at: number }]
}

function bindError(host: string, port: number, err: Error): MeshError {
  const code = (err as { code?: string }).code === 'EADDRINUSE' ? 'MESH_PORT_IN_USE' : 'MESH_BIND_FAILED'
  return new MeshError(code, `cannot bind DHT to ${host}:${port}: ${err.message}`, { cause: err })
}

/** The mesh's life: ready() binds the DHT and starts finding members; close() leaves the rig. */
export class RigMesh extends TypedResource<RigMeshEvents> {
  readonly cameraId: string
  readonly keyPair: KeyPair
  private readonly opts: RigMeshOptions
  private readonly clock: () => number
  private readonly logger: StoreLogger
  /** hex key -> cameraId (null for allowKeys extras). */
  private readonly allowed = new Map<string, string | null>()
  private readonly peers = new Map<string, { peer: ConnectedPeer; conn: SwarmConnection }>()
  private readonly refusals: Refusals = { count: 0, lastKey: null, lastAt: null }
  /** hex key -> the member's DHT address, from the config or its latest beacon. */
  private readonly addresses = new Map<string, PeerAddress>()
  private readonly names: PeerNames
  private dht: HyperDHT | null = null
  private swarm: Hyperswarm | null = null
  private discovery: PeerDiscovery | null = null
  private refreshTimer: NodeJS.Timeout | null = null
  private redialTimer: NodeJS.Timeout | null = null
  private listening: Promise<void> | null = null
  private phase: 'new' | 'open' | 'closed' = 'new'

  constructor(opts: RigMeshOptions) {
    super()
    this.opts = opts
    this.cameraId = opts.cameraId
    this.clock = opts.clock ?? Date.now
    this.logger = opts.logger ?? silentLogger
    this.names = new PeerNames({ clock: this.clock, logger: this.logger, ...(opts.resolve ? { resolve: opts.resolve } : {}) })
    this.keyPair = opts.keyPair ?? nodeKeyPair(opts.rigSecret, opts.cameraId)
    for (const [key, id] of memberKeys(opts.rigSecret, opts.members)) this.allowed.set(key, id)
    for (const key of opts.allowKeys ?? []) if (!this.allowed.has(key)) this.allowed.set(key, null)
    this.allowed.delete(this.publicKey)
    for (const p of opts.peers) if (p.cameraId) this.learn(p.cameraId, p.host, p.port)
  }

  get publicKey(): string {
    return this.keyPair.publicKey.toString('hex')
  }

  /**
   * Binds the DHT socket (failing fast if the port is taken) and starts finding peers.
   * Does not wait for the DHT to bootstrap: with the other nodes still down that takes
   * seconds, and connections arrive as 'connect' events whenever they come.
   */
  protected override async _open(): Promise<void> {
    this.phase = 'open'
    const { host, port } = this.opts
    await assertPortFree(host, port).catch(async (err: Error) => {
      this.phase = 'closed'
      throw bindError(host, port, err)
    })
    // The first dials go straight to members named in the config if their names resolve now;
    // a slow resolver (no mDNS on this network) is not waited for beyond 300 ms.
    await Promise.race([this.resolveNames(), new Promise((r) => setTimeout(r, 300).unref())])
    const dht = new RigDHT(
      {
        host,
        port,
        bootstrap: this.opts.peers.map((p) => ({ host: p.host, port: p.port })),
        ephemeral: false,
        firewalled: false,
        // Without this a taken port silently becomes another one nobody bootstraps to.
        anyPort: false,
        adaptiveTimeout: { ...LAN_TIMEOUTS, fallback: [...LAN_TIMEOUTS.fallback] }
      },
      (publicKey) => this.directAddress(publicKey.toString('hex'))
    )
    this.dht = dht
    try {
      await dht.bind()
    } catch (err) {
      // Only if another process took the port since the check above. hyperdht cannot be fully
      // destroyed after a failed bind (its interface watcher stays), so the process should exit.
      this.phase = 'closed'
      await dht.destroy({ force: true }).catch(() => {})
      throw bindError(host, port, err as Error)
    }
    const [b0, b1, b2, b3] = this.opts.backoffs ?? [500, 2000, 5000, 10_000]
    const swarm = new Hyperswarm({
      dht,
      keyPair: this.keyPair,
      firewall: (remotePublicKey) => this.refuse(remotePublicKey),
      backoffs: [b0, b1, b2, b3],
      jitter: Math.min(500, b0)
    })
    this.swarm = swarm
    swarm.on('connection', (conn, _info) => this.onConnection(conn))
    this.discovery = swarm.join(rigTopic(this.opts.rigSecret), { server: true, client: true })
    this.dialMissing()
    // Dials made before the DHT bootstrapped tend to fail and back off; once listening, the
    // peers are dialled (and the topic refreshed) again at once.
    this.listening = swarm.listen().then(
      () => this.refresh(),
      (err: Error) => {
        if (this.phase === 'open') this.logger.warn({ err }, 'swarm listen failed')
      }
    )
    const refreshMs = this.opts.refreshMs ?? 15_000
    this.refreshTimer = setInterval(() => this.refresh(), refreshMs)
    // A member that is missing is dialled every redialMs, so one that comes back (Wi-Fi healed,
    // node rebooted) is connected within about that long, not at the next topic refresh.
    this.redialTimer = setInterval(() => this.dialMissing(), this.opts.redialMs ?? 1000)
    this.redialTimer.unref?.()
  }

  /** Resolves once pending announces and dials have settled (hyperswarm's flush). */
  async flush(): Promise<void> {
    await this.swarm?.flush()
  }

  /** Resolves once this node accepts incoming connections (after the DHT bootstrapped). */
  async whenListening(): Promise<void> {
    await this.listening
  }

  address(): PeerAddress | null {
    if (!this.dht || this.phase !== 'open') return null
    const { host, port } = this.dht.address()
    return { host, port }
  }

  connected(): ConnectedPeer[] {
    return [...this.peers.values()].map((p) => ({ ...p.peer }))
  }

  status(): MeshStatus {
    const members = [...this.allowed.entries()].filter(([, id]) => id !== null)
    return {
      publicKey: this.publicKey,
      cameraId: this.cameraId,
      address: this.address(),
      connected: this.connected(),
      missing: members.filter(([key]) => !this.peers.has(key)).map(([, id]) => id as string),
      refusals: { ...this.refusals }
    }
  }

  /**
   * A member announced itself at a (possibly new) address on the LAN: dial it there, and put
   * it in the private DHT's routing table, so a node whose address changed is found at once.
   */
  addAddress(host: string, port: number, cameraId?: string): void {
    if (cameraId) this.learn(cameraId, host, port)
    if (this.phase !== 'open' || !this.dht) return
    this.dht.addNode({ host, port })
    this.refresh()
  }

  /** Re-announces and re-dials now (e.g. after the Wi-Fi came back). */
  refresh(): void {
    if (this.phase !== 'open') return
    this.discovery?.refresh().catch((err: Error) => this.logger.debug({ err }, 'topic refresh failed'))
    this.dialMissing()
  }

  protected override async _close(): Promise<void> {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    if (this.redialTimer) clearInterval(this.redialTimer)
    for (const { conn } of this.peers.values()) conn.destroy()
    // force: skip unannouncing the topic, which waits on DHT round trips (seconds when peers
    // are already gone) and buys nothing: members find each other by key anyway.
    // The DHT goes first for the same reason: swarm.destroy() closes its server, which
    // unannounces and, with peers gone, waits seconds for answers that cannot come.
    await this.dht?.destroy({ force: true })
    // force skips destroying the topic discovery, whose ~10-minute refresh timer would then
    // keep the process alive; with the DHT gone its unannounce fails at once.
    await this.swarm?.clear()
    await this.swarm?.destroy({ force: true })
    for (const { peer } of this.peers.values()) this.emit('disconnect', peer)
    this.peers.clear()
  }

  /**
   * The IPv4 address a peer's host name last resolved to (the name itself when it is an IP or
   * not resolved yet), so HTTP relays to that peer need no lookup of their own.
   */
  ipOf(host: string): string {
    return this.names.ip(host) ?? host
  }

  /** A member's address as an IP (names resolved in the background); null: use the DHT. */
  private directAddress(key: string): PeerAddress | null {
    const a = this.addresses.get(key)
    const ip = a ? this.names.ip(a.host) : null
    return a && ip ? { host: ip, port: a.port } : null
  }

  private resolveNames(): Promise<unknown> {
    return this.names.refresh([...this.addresses.values()].map((a) => a.host))
  }

  private dialMissing(): void {
    const swarm = this.swarm
    if (!swarm) return
    if (this.missingMembers() > 0) void this.resolveNames()
    for (const [key, id] of this.allowed) {
      // Only derived members are dialled; extras (laptops) come to us.
      if (id === null || this.peers.has(key)) continue
      // joinPeer queues a dial now even when hyperswarm's own retry is backing off (its last
      // step, 10 s, repeats for explicit peers): redialMs bounds how late a member returns.
      swarm.joinPeer(Buffer.from(key, 'hex'))
    }
  }

  private missingMembers(): number {
    let n = 0
    for (const [key, id] of this.allowed) if (id !== null && !this.peers.has(key)) n++
    return n
  }

  private learn(cameraId: string, host: string, port: number): void {
    for (const [key, id] of this.allowed) if (id === cameraId) this.addresses.set(key, { host, port })
  }

  /** The firewall: true means refuse. */
  private refuse(remotePublicKey: Buffer): boolean {
    const key = remotePublicKey.toString('hex')
    if (this.allowed.has(key)) return false
    const at = this.clock()
    this.refusals.count++
    this.refusals.lastKey = key
    this.refusals.lastAt = at
    this.logger.warn({ publicKey: key }, 'refused a peer that is not a rig member')
    this.emit('refused', { publicKey: key, at })
    return true
  }

  private onConnection(conn: SwarmConnection): void {
    const key = conn.remotePublicKey.toString('hex')
    conn.on('error', (err: Error) => this.logger.debug({ err, publicKey: key }, 'peer connection error'))
    const prev = this.peers.get(key)
    // Hyperswarm may swap a duplicate connection for a newer one: same peer, still connected.
    const peer: ConnectedPeer = prev?.peer ?? {
      publicKey: key,
      cameraId: this.allowed.get(key) ?? null,
      since: this.clock()
    }
    this.peers.set(key, { peer, conn })
    conn.once('close', () => {
      if (this.peers.get(key)?.conn !== conn) return
      this.peers.delete(key)
      if (this.phase === 'open') {
        this.emit('disconnect', peer)
        // hyperswarm re-dials explicit peers itself; this covers a peer that dialled us.
        this.dialMissing()
      }
    })
    try {
      this.opts.onConnection(conn, peer)
    } catch (err) {
      this.logger.warn({ err, publicKey: key }, 'connection handler failed')
    }
    if (!prev) this.emit('connect', peer)
  }
}
