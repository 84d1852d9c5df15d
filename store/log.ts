// RigLog: this node's append-only event log and its replicas of every peer's log.
//
// Growth over a season is bounded two ways:
// - Fewer blocks: status is appended only when it changed (coalesced to one per
//   statusMinIntervalMs), and a heartbeat only when nothing else was appended for heartbeatMs.
// - Old blocks cleared: every compactEvery blocks, the node restates its current state (latest
//   status, every manifest, and commands/acks/confirms younger than retentionMs) in one atomic
//   batch, stamps those blocks with base = where the batch begins, and clears everything below.
//   Readers that see a block with a newer base jump to it and clear their replica too, so disk
//   use stays at roughly compactEvery blocks plus the restated state per node.
//   Chosen over a side "snapshot" core because the log stays one core per node, and the
//   restated blocks are ordinary events the view already knows how to reduce.
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { isDeepStrictEqual } from 'node:util'
import {
  encodeBlock,
  RigEventSchema,
  type AckEvent,
  type Block,
  type CommandEvent,
  type ConfirmEvent,
  type ManifestEvent,
  type RigEvent,
  type SessionEvent,
  type StatusEvent
} from './events.js'
import { CoreReader } from './reader.js'
import { KnownCores } from './known-cores.js'
import { openCoreExchange, type Announcement, type CoreExchange, type CoreRef } from './core-exchange.js'
import type { ReceivedEvent } from './view.js'

export interface StoreLogger {
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

const silent: StoreLogger = { warn() {}, debug() {} }

export interface RigLogOptions {
  dataDir: string
  cameraId: string
  clock?: () => number
  logger?: StoreLogger
  /** Name of the own core inside the corestore. */
  coreName?: string
  /** A heartbeat is appended only when nothing else was appended for this long. */
  heartbeatMs?: number
  /** Run the heartbeat timer (default true); off for tests that drive heartbeat() by hand. */
  autoHeartbeat?: boolean
  /** At most one status block per this interval; changes in between are coalesced. */
  statusMinIntervalMs?: number
  /** Compact once this many blocks were appended since the last base. */
  compactEvery?: number
  /** Commands, acks and confirms older than this are not restated by a compaction. */
  retentionMs?: number
  /** How long a replica waits for one block before re-checking the tip. */
  readTimeoutMs?: number
}

export type LogErrorCode = 'LOG_NOT_OPEN' | 'LOG_CLOSED' | 'EVENT_INVALID'

export class RigLogError extends Error {
  constructor(
    readonly code: LogErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'RigLogError'
  }
}

export interface InvalidBlock {
  key: string
  index: number
  code: string
  message: string
}

export interface RigLogStats {
  key: string
  length: number
  base: number
  invalidBlocks: number
  invalidAnnouncements: number
  replicas: Array<{ key: string; cameraId: string; length: number; next: number; base: number }>
}

export type StatusAppend = 'appended' | 'deferred' | 'unchanged'

/** What this node has said, kept so a compaction can restate it. */
interface OwnState {
  status: StatusEvent | null
  manifests: Map<string, ManifestEvent>
  commands: Map<string, CommandEvent>
  acks: Map<string, AckEvent>
  confirms: Map<string, ConfirmEvent>
  sessions: Map<string, SessionEvent>
}

export interface RigLogEvents {
  event: [ReceivedEvent]
  invalid: [InvalidBlock]
  core: [CoreRef]
}

export class RigLog extends EventEmitter<RigLogEvents> {
  readonly cameraId: string
  private readonly opts: Required<Omit<RigLogOptions, 'logger' | 'clock'>>
  private readonly clock: () => number
  private readonly logger: StoreLogger
  private store: Corestore | null = null
  private own: Hypercore | null = null
  private ownReader: CoreReader | null = null
  private readonly replicas = new Map<string, { ref: CoreRef; core: Hypercore; reader: CoreReader }>()
  private readonly known: KnownCores
  private readonly exchanges = new Set<CoreExchange>()
  private readonly conns = new Set<Duplex>()
  private readonly state: OwnState = {
    status: null,
    manifests: new Map(),
    commands: new Map(),
    acks: new Map(),
    confirms: new Map(),
    sessions: new Map()
  }
  private base = 0
  private writing: Promise<unknown> = Promise.resolve()
  private lastAppendAt = 0
  private lastStatusAt = 0
  private pendingStatus: Record<string, unknown> | null = null
  private statusTimer: NodeJS.Timeout | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private invalidBlocks = 0
  private invalidAnnouncements = 0
  private phase: 'new' | 'open' | 'closing' | 'closed' = 'new'

  constructor(opts: RigLogOptions) {
    super()
    this.cameraId = opts.cameraId
    this.clock = opts.clock ?? Date.now
    this.logger = opts.logger ?? silent
    this.opts = {
      dataDir: opts.dataDir,
      cameraId: opts.cameraId,
      coreName: opts.coreName ?? 'rig-events',
      // Every 1–1.5 s when idle: a silent node must read as stale within 5 s (view.ts).
      heartbeatMs: opts.heartbeatMs ?? 1000,
      autoHeartbeat: opts.autoHeartbeat ?? true,
      statusMinIntervalMs: opts.statusMinIntervalMs ?? 1000,
      compactEvery: opts.compactEvery ?? 2000,
      retentionMs: opts.retentionMs ?? 7 * 24 * 3600_000,
      readTimeoutMs: opts.readTimeoutMs ?? 5000
    }
    this.known = new KnownCores(join(opts.dataDir, 'store', 'known-cores.json'))
  }

  /** Hex key of this node's own core. */
  get key(): string {
    return this.requireOwn().key.toString('hex')
  }

  get isOpen(): boolean {
    return this.phase === 'open'
  }

  /**
   * Opens the store and replays every core from local disk (emitting 'event' with
   * receivedAt null) before returning; the network is not needed for any of it.
   */
  async open(): Promise<void> {
    if (this.phase !== 'new') throw new RigLogError('LOG_CLOSED', 'a RigLog opens once')
    this.phase = 'open'
    this.store = new Corestore(join(this.opts.dataDir, 'store', 'cores'))
    await this.store.ready()
    this.own = this.store.get({ name: this.opts.coreName })
    await this.own.ready()
    this.ownReader = this.makeReader(this.own, { key: this.key, cameraId: this.cameraId }, false)
    await this.ownReader.replayLocal()
    this.base = this.ownReader.base
    for (const ref of await this.known.load()) await this.openReplica(ref)
    this.ownReader.follow()
    for (const r of this.replicas.values()) r.reader.follow()
    if (this.opts.autoHeartbeat) {
      await this.heartbeat()
      this.heartbeatTimer = setInterval(() => {
        this.heartbeat().catch((err: Error) => this.logger.warn({ err }, 'heartbeat append failed'))
      }, Math.max(1, Math.floor(this.opts.heartbeatMs / 2)))
    }
  }

  /** Validates and appends one event; resolves with its block index. */
  append(event: RigEvent): Promise<number> {
    const parsed = RigEventSchema.safeParse(event)
    if (!parsed.success) {
      return Promise.reject(new RigLogError('EVENT_INVALID', parsed.error.message))
    }
    return this.write(async () => {
      const index = await this.appendBlocks([parsed.data])
      if (this.requireOwn().length - this.base >= this.opts.compactEvery) await this.compactNow()
      return index
    })
  }

  /**
   * Appends a status snapshot only if it differs from the last one, and at most once per
   * statusMinIntervalMs (a change in between is written when the interval ends).
   */
  async appendStatus(status: Record<string, unknown>): Promise<StatusAppend> {
    this.requireOpen()
    const last = this.pendingStatus ?? this.state.status?.status ?? null
    if (last !== null && isDeepStrictEqual(last, status)) return 'unchanged'
    const wait = this.lastStatusAt + this.opts.statusMinIntervalMs - this.clock()
    if (wait > 0) {
      this.pendingStatus = status
      if (!this.statusTimer) {
        this.statusTimer = setTimeout(() => {
          this.statusTimer = null
          const pending = this.pendingStatus
          this.pendingStatus = null
          if (pending && this.isOpen) {
            this.writeStatus(pending).catch((err: Error) => this.logger.warn({ err }, 'status append failed'))
          }
        }, wait)
      }
      return 'deferred'
    }
    await this.writeStatus(status)
    return 'appended'
  }

  /** Appends a heartbeat unless something was appended within heartbeatMs. */
  async heartbeat(): Promise<boolean> {
    if (!this.isOpen) return false
    if (this.lastAppendAt > 0 && this.clock() - this.lastAppendAt < this.opts.heartbeatMs) return false
    await this.append({ type: 'heartbeat', at: this.clock() })
    return true
  }

  /** Restates the current state and clears everything older (see the file comment). */
  compact(): Promise<void> {
    return this.write(() => this.compactNow())
  }

  /**
   * Called by the mesh for every accepted connection: replicates all cores over it and opens
   * the core-announcement channel beside it.
   */
  attach(conn: Duplex, peer: { publicKey: string; cameraId: string | null }): void {
    const store = this.requireStore()
    store.replicate(conn)
    this.conns.add(conn)
    conn.once('close', () => this.conns.delete(conn))
    const exchange = openCoreExchange(conn, this.announcement(), {
      onAnnouncement: (a) => {
        for (const ref of a.cores) {
          this.addPeerCore(ref).catch((err: Error) => this.logger.warn({ err, ref }, 'cannot open peer core'))
        }
      },
      onInvalid: (code, message) => {
        this.invalidAnnouncements++
        this.logger.warn({ code, message, peer }, 'invalid core announcement')
      }
    })
    if (!exchange) return
    this.exchanges.add(exchange)
    conn.once('close', () => this.exchanges.delete(exchange))
  }

  /** Learns a peer core (persisted), replays what is on disk and follows it live. */
  async addPeerCore(ref: CoreRef): Promise<boolean> {
    if (!this.isOpen || ref.key === this.key || this.replicas.has(ref.key)) return false
    if (!(await this.known.add(ref))) return false
    if (!this.isOpen || this.replicas.has(ref.key)) return false
    const replica = await this.openReplica(ref)
    replica?.follow()
    this.emit('core', ref)
    const announcement = this.announcement()
    for (const ex of this.exchanges) ex.send(announcement)
    return true
  }

  peerCores(): CoreRef[] {
    return this.known.list()
  }

  stats(): RigLogStats {
    const own = this.requireOwn()
    return {
      key: this.key,
      length: own.length,
      base: this.base,
      invalidBlocks: this.invalidBlocks,
      invalidAnnouncements: this.invalidAnnouncements,
      replicas: [...this.replicas.values()].map((r) => ({
        key: r.ref.key,
        cameraId: r.ref.cameraId,
        length: r.core.length,
        next: r.reader.next,
        base: r.reader.base
      }))
    }
  }

  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return
    const wasOpen = this.phase === 'open'
    this.phase = 'closing'
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    if (this.statusTimer) clearTimeout(this.statusTimer)
    if (wasOpen) await this.writing.catch(() => {})
    for (const ex of this.exchanges) ex.close()
    this.exchanges.clear()
    // Replication that is mid-verify when the store closes ends in an unhandled rejection
    // inside hypercore ("RocksDB session is closed"): end the streams, let them settle, then close.
    await Promise.all([...this.conns].map((c) => new Promise<void>((resolve) => {
      if (c.destroyed) return resolve()
      const t = setTimeout(resolve, 1000)
      c.once('close', () => { clearTimeout(t); resolve() })
      c.destroy()
    })))
    this.conns.clear()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await this.ownReader?.close()
    for (const r of this.replicas.values()) await r.reader.close()
    this.replicas.clear()
    await this.store?.close()
    this.phase = 'closed'
  }

  private announcement(): Announcement {
    return { v: 1, cores: [{ key: this.key, cameraId: this.cameraId }, ...this.known.list()].slice(0, 64) }
  }

  private async openReplica(ref: CoreRef): Promise<CoreReader | null> {
    const core = this.requireStore().get({ key: Buffer.from(ref.key, 'hex') })
    await core.ready()
    if (!this.isOpen) {
      await core.close()
      return null
    }
    const reader = this.makeReader(core, ref, true)
    this.replicas.set(ref.key, { ref, core, reader })
    await reader.replayLocal()
    return reader
  }

  private makeReader(core: Hypercore, ref: CoreRef, replica: boolean): CoreReader {
    const own = !replica
    return new CoreReader(core, {
      replica,
      readTimeoutMs: this.opts.readTimeoutMs,
      onBlock: (index, block, live) => {
        if (own) this.remember(block.event)
        const event = { ...block.event, seq: index }
        this.emit('event', {
          key: ref.key,
          cameraId: block.cameraId,
          index,
          event,
          receivedAt: live ? this.clock() : null
        })
      },
      onInvalid: (index, code, message) => {
        this.invalidBlocks++
        this.logger.warn({ key: ref.key, index, code, message }, 'skipped invalid block')
        this.emit('invalid', { key: ref.key, index, code, message })
      },
      onError: (err) => this.logger.warn({ err, key: ref.key }, 'core reader failed')
    })
  }

  private writeStatus(status: Record<string, unknown>): Promise<number> {
    this.lastStatusAt = this.clock()
    return this.append({ type: 'status', at: this.lastStatusAt, cameraId: this.cameraId, status })
  }

  /** Runs writes one at a time, so a compaction never interleaves with an append. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.requireOpen()
    } catch (err) {
      return Promise.reject(err)
    }
    const run = this.writing.then(fn)
    this.writing = run.catch(() => {})
    return run
  }

  private async appendBlocks(events: RigEvent[]): Promise<number> {
    const own = this.requireOwn()
    const blocks = events.map((event) => encodeBlock({ v: 1, cameraId: this.cameraId, base: this.base, event }))
    const { length } = await own.append(blocks)
    for (const e of events) this.remember(e)
    this.lastAppendAt = this.clock()
    return length - 1
  }

  private async compactNow(): Promise<void> {
    const own = this.requireOwn()
    const oldBase = this.base
    const cutoff = this.clock() - this.opts.retentionMs
    const young = <T extends { at: number }>(m: Map<string, T>): T[] => [...m.values()].filter((e) => e.at >= cutoff)
    const restated: RigEvent[] = [
      ...(this.state.status ? [this.state.status] : []),
      ...this.state.manifests.values(),
      // Session notes live as long as the recordings they describe: kept like manifests.
      ...this.state.sessions.values(),
      ...young(this.state.commands),
      ...young(this.state.acks),
      ...young(this.state.confirms),
      // Ends the batch with a fresh block, so a tip is never older than the compaction.
      { type: 'heartbeat', at: this.clock() }
    ]
    for (const m of [this.state.commands, this.state.acks, this.state.confirms]) {
      for (const [k, e] of m) if (e.at < cutoff) m.delete(k)
    }
    this.base = own.length
    // One append call is one atomic batch: a crash leaves either no restatement or all of it.
    await this.appendBlocks(restated.map(({ seq: _seq, ...e }) => e as RigEvent))
    await own.clear(oldBase, this.base)
    this.logger.debug({ oldBase, base: this.base, restated: restated.length }, 'compacted own core')
  }

  private remember(event: RigEvent): void {
    switch (event.type) {
      case 'status':
        this.state.status = event
        break
      case 'manifest':
        this.state.manifests.set(event.manifest.file, event)
        break
      case 'command':
        this.state.commands.set(event.commandId, event)
        break
      case 'ack':
        this.state.acks.set(event.commandId, event)
        break
      case 'confirm':
        this.state.confirms.set(`${event.cameraId}/${event.file}`, event)
        break
      case 'session':
        this.state.sessions.set(event.sessionId, event)
        break
      case 'heartbeat':
        break
    }
  }

  private requireOpen(): void {
    if (this.phase === 'new') throw new RigLogError('LOG_NOT_OPEN', 'RigLog.open() first')
    if (this.phase !== 'open') throw new RigLogError('LOG_CLOSED', 'RigLog is closed')
  }

  private requireStore(): Corestore {
    this.requireOpen()
    return this.store as Corestore
  }

  private requireOwn(): Hypercore {
    if (!this.own) throw new RigLogError('LOG_NOT_OPEN', 'RigLog.open() first')
    return this.own
  }
}

export type { Block }
