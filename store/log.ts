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
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { encodeBlock, RigEventSchema, type Block, type RigEvent } from './events.js'
import { CoreReader } from './reader.js'
import { KnownCores } from './known-cores.js'
import { openCoreExchange, type Announcement, type CoreExchange, type CoreRef } from './core-exchange.js'
import type { ReceivedEvent } from './view.js'
import { silentLogger, type StoreLogger } from './logger.js'
import { TypedResource } from './resource.js'
import { OwnState } from './own-state.js'
import { StatusGate, type StatusAppend } from './status-gate.js'
import { endConnections } from './connections.js'

import { RigLogError, type InvalidBlock, type RigLogOptions, type RigLogStats } from './log-types.js'

export { RigLogError, type InvalidBlock, type RigLogOptions, type RigLogStats }
export type { StoreLogger, StatusAppend }

export interface RigLogEvents {
  event: [ReceivedEvent]
  invalid: [InvalidBlock]
  core: [CoreRef]
  /** A status change could not be appended (so the rig does not see it); code STATUS_APPEND_FAILED. */
  'status-failed': [Error]
}

export class RigLog extends TypedResource<RigLogEvents> {
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
  private readonly state = new OwnState()
  private readonly statusGate: StatusGate
  private base = 0
  private writing: Promise<unknown> = Promise.resolve()
  private lastAppendAt = 0
  private heartbeatTimer: NodeJS.Timeout | null = null
  private invalidBlocks = 0
  private invalidAnnouncements = 0
  private phase: 'new' | 'open' | 'closing' | 'closed' = 'new'

  constructor(opts: RigLogOptions) {
    super()
    this.cameraId = opts.cameraId
    this.clock = opts.clock ?? Date.now
    this.logger = opts.logger ?? silentLogger
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
    this.known = new KnownCores(join(opts.dataDir, 'store', 'known-cores.json'), this.logger)
    this.statusGate = new StatusGate({
      minIntervalMs: this.opts.statusMinIntervalMs,
      clock: this.clock,
      last: () => this.state.status?.status ?? null,
      write: (status) => this.append({ type: 'status', at: this.clock(), cameraId: this.cameraId, status }),
      writable: () => this.isOpen,
      onDeferredFailure: (err) => this.statusFailed(err)
    })
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
   * receivedAt null) before ready() resolves; the network is not needed for any of it.
   * A failure closes what was opened, so the RocksDB lock is free for the next try.
   */
  protected override async _open(): Promise<void> {
    this.phase = 'open'
    try {
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
          this.heartbeat().catch((err: Error) => this.logger.warn({ err, code: 'HEARTBEAT_APPEND_FAILED' }, 'heartbeat append failed'))
        }, Math.max(1, Math.floor(this.opts.heartbeatMs / 2)))
      }
    } catch (err) {
      await this.release()
      throw err
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
    try {
      return await this.statusGate.offer(status)
    } catch (err) {
      this.statusFailed(err as Error)
      throw err
    }
  }

  /** Appends a heartbeat unless something was appended within heartbeatMs. */
  async heartbeat(): Promise<boolean> {
    if (!this.isOpen) return false
    if (this.lastAppendAt > 0 && this.clock() - this.lastAppendAt < this.opts.heartbeatMs) return false
    await this.append({ type: 'heartbeat', at: this.clock() })
    return true
  }

  /**
   * Resolves once every append so far is written, a deferred status change included, and every
   * peer replicating this node's core holds all of it; false when a peer still lacked blocks at
   * the deadline. A node that stops waits for this, so its last words (final manifest, idle
   * status) reach the rig before it leaves.
   */
  async flushed(timeoutMs = 3000, everyMs = 20): Promise<boolean> {
    if (!this.isOpen) return false
    await this.statusGate.flushNow()
    await this.writing.catch(() => {})
    const own = this.requireOwn()
    const deadline = this.clock() + timeoutMs
    const done = () => own.peers.every((p) => p.remoteContiguousLength >= own.length)
    while (!done()) {
      if (this.clock() >= deadline || !this.isOpen) return false
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
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

  protected override async _close(): Promise<void> {
    await this.release()
  }

  /** Releases whatever is open, in any phase: the one teardown for close() and a failed open. */
  private async release(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return
    const wasOpen = this.phase === 'open'
    this.phase = 'closing'
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.statusGate.cancel()
    if (wasOpen) await this.writing.catch(() => {})
    for (const ex of this.exchanges) ex.close()
    this.exchanges.clear()
    await endConnections(this.conns)
    await this.ownReader?.close()
    // Each replica's reader, then its core session, before the store: nothing of ours is left
    // reading when RocksDB closes.
    for (const r of this.replicas.values()) {
      await r.reader.close()
      await r.core.close().catch((err: Error) => this.logger.warn({ err, key: r.ref.key }, 'closing a peer core failed'))
    }
    this.replicas.clear()
    await this.store?.close()
    this.phase = 'closed'
  }

  private statusFailed(err: Error): void {
    this.logger.warn({ err, code: 'STATUS_APPEND_FAILED' }, 'status append failed: the rig does not see this node\'s latest status')
    this.emit('status-failed', err)
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
        if (own) this.state.remember(block.event)
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
    for (const e of events) this.state.remember(e)
    this.lastAppendAt = this.clock()
    return length - 1
  }

  private async compactNow(): Promise<void> {
    const own = this.requireOwn()
    const oldBase = this.base
    const restated = this.state.restate(this.clock() - this.opts.retentionMs, this.clock())
    this.base = own.length
    // One append call is one atomic batch: a crash leaves either no restatement or all of it.
    await this.appendBlocks(restated)
    await own.clear(oldBase, this.base)
    this.logger.debug({ oldBase, base: this.base, restated: restated.length }, 'compacted own core')
  }

  private requireOpen(): void {
    if (this.phase === 'new') throw new RigLogError('LOG_NOT_OPEN', 'RigLog.ready() first')
    if (this.phase !== 'open') throw new RigLogError('LOG_CLOSED', 'RigLog is closed')
  }

  private requireStore(): Corestore {
    this.requireOpen()
    return this.store as Corestore
  }

  private requireOwn(): Hypercore {
    if (!this.own) throw new RigLogError('LOG_NOT_OPEN', 'RigLog.ready() first')
    return this.own
  }
}

export type { Block }
