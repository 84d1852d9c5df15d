// Wires log, mesh and view together in the one order that is correct: the log opens and
// replays the disk into the view first, so the rig view is whole before (or without) any
// network; only then does the mesh start and feed connections to the log.
// Its own open fails whole: when the mesh cannot open, the log it opened is closed again.
import { RigLog, type RigLogOptions } from './log.js'
import { RigMesh, type RigMeshOptions } from './mesh.js'
import { RigView, STALE_AFTER_MS } from './view.js'
import { ReadyResource } from './resource.js'
import { attachClock, type ClockEvent, type ClockTuning } from './clock-attach.js'

/** The clock channel every member connection carries (issue 10): the node's wall clock and where samples go. */
export interface ClockSync {
  now: () => number
  send: (event: ClockEvent) => void
  tuning?: ClockTuning
}

export interface RigStoreOptions {
  log: RigLogOptions
  mesh: Omit<RigMeshOptions, 'onConnection' | 'cameraId' | 'clock' | 'logger'>
  staleAfterMs?: number
  clock?: () => number
  /** false: open the log and view only (no network), e.g. for offline tools. */
  network?: boolean
  /** Measure clock offsets over every member connection (beside the replication); absent: none. */
  clockSync?: ClockSync
}

export class RigStore extends ReadyResource {
  readonly log: RigLog
  readonly mesh: RigMesh
  readonly view: RigView
  private readonly network: boolean

  constructor(opts: RigStoreOptions) {
    super()
    const clock = opts.clock ?? Date.now
    const cameraId = opts.log.cameraId
    this.network = opts.network !== false
    this.log = new RigLog({ clock, ...opts.log })
    this.view = new RigView({ self: cameraId, clock, staleAfterMs: opts.staleAfterMs ?? STALE_AFTER_MS })
    this.mesh = new RigMesh({
      ...opts.mesh,
      cameraId,
      clock,
      ...(opts.log.logger ? { logger: opts.log.logger } : {}),
      onConnection: (conn, peer) => {
        this.log.attach(conn, peer)
        // On the same muxer as the replication, once it is attached; only a member's offset
        // means anything to rig time (a laptop's allowKeys connection is not a member).
        const clock = opts.clockSync
        if (clock && peer.cameraId) attachClock(conn, peer.cameraId, clock.now, clock.send, clock.tuning)
      }
    })
    this.log.on('event', (e) => this.view.apply(e))
    this.mesh.on('connect', (p) => p.cameraId && this.view.setConnected(p.cameraId, true))
    this.mesh.on('disconnect', (p) => p.cameraId && this.view.setConnected(p.cameraId, false))
  }

  protected override async _open(): Promise<void> {
    await this.log.ready()
    if (!this.network) return
    try {
      await this.mesh.ready()
    } catch (err) {
      await this.log.close()
      throw err
    }
  }

  protected override async _close(): Promise<void> {
    if (this.network) await this.mesh.close()
    await this.log.close()
  }
}
