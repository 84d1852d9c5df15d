// The materialized rig view: a pure reducer over the events of every node's core, plus a thin
// RigView holder that adds the two impure inputs (the clock and which peers are connected).
// Events can arrive in any order across cores and twice (a compaction restates state, a
// restart replays the disk), so every rule here is idempotent and order-tolerant.
import type {
  AckEvent,
  ArmedEvent,
  BeepEvent,
  CommandEvent,
  ManifestRecord,
  NoteEvent,
  RigEvent,
  SessionMeta
} from './events.js'

/** One event as the log hands it over. */
export interface ReceivedEvent {
  /** Hex key of the author's core. */
  key: string
  /** The author's cameraId (from the block envelope). */
  cameraId: string
  /** Block index in the author's core. */
  index: number
  event: RigEvent
  /** Local clock when it arrived live; null when replayed from disk (time of receipt unknown). */
  receivedAt: number | null
}

/** Position of an event, used to decide which of two versions of a thing is newer. */
interface Stamp {
  key: string
  index: number
  at: number
}

// Within one core the block order is the truth (a node's clock may step back); across cores
// (a re-imaged node gets a new core) only the event time can decide.
function newer(a: Stamp, b: Stamp | null): boolean {
  if (b === null) return true
  if (a.key === b.key) return a.index > b.index
  if (a.at !== b.at) return a.at > b.at
  return a.key > b.key
}

export interface NodeState {
  cameraId: string
  key: string
  status: Record<string, unknown> | null
  statusStamp: Stamp | null
  manifests: ReadonlyMap<string, { manifest: ManifestRecord; stamp: Stamp }>
  lastEventAt: number
  lastReceivedAt: number | null
}

export interface CommandState {
  commandId: string
  command: CommandEvent | null
  issuerCameraId: string | null
  acks: ReadonlyMap<string, AckEvent>
  /** Members armed for this command, by camera id (before its instant; see events.ts ArmedEvent). */
  armed: ReadonlyMap<string, ArmedEvent>
  /** The start beep played for it, if any. */
  beep: BeepEvent | null
}

export interface Confirmation {
  sha256: string
  at: number
  by: string
}

export interface SessionNotes {
  meta: SessionMeta
  stamp: Stamp
  by: string
}

export interface RigState {
  nodes: ReadonlyMap<string, NodeState>
  commands: ReadonlyMap<string, CommandState>
  /** Operator notes per session id (teams, venue, notes); the newest edit from any node wins. */
  sessions: ReadonlyMap<string, SessionNotes>
  /** Offload confirmations by `${cameraId}/${file}`. */
  confirmations: ReadonlyMap<string, Confirmation>
  /** Deletions and network changes of every node, oldest first, the newest NOTES_KEPT of them. */
  notes: ReadonlyArray<RigNote>
}

export interface RigNote {
  /** `${key}:${index}`: the same block read twice (replay, restatement) is one note. */
  id: string
  by: string
  event: NoteEvent
}

export const NOTES_KEPT = 200

export function emptyRigState(): RigState {
  return { nodes: new Map(), commands: new Map(), confirmations: new Map(), sessions: new Map(), notes: [] }
}

function withNote(notes: ReadonlyArray<RigNote>, rec: ReceivedEvent, event: NoteEvent): ReadonlyArray<RigNote> {
  // A compaction restates a note under a new index: same author, time and content is the same note.
  const same = (n: RigNote) => n.by === rec.cameraId && JSON.stringify({ ...n.event, seq: 0 }) === JSON.stringify({ ...event, seq: 0 })
  if (notes.some(same)) return notes
  const next = [...notes, { id: `${rec.key}:${rec.index}`, by: rec.cameraId, event }]
  next.sort((a, b) => a.event.at - b.event.at)
  return next.slice(-NOTES_KEPT)
}

function touchNode(prev: NodeState | undefined, rec: ReceivedEvent): NodeState {
  const node: NodeState = prev
    ? { ...prev }
    : {
        cameraId: rec.cameraId,
        key: rec.key,
        status: null,
        statusStamp: null,
        manifests: new Map(),
        lastEventAt: rec.event.at,
        lastReceivedAt: null
      }
  if (rec.event.at >= node.lastEventAt) {
    node.lastEventAt = rec.event.at
    node.key = rec.key
  }
  if (rec.receivedAt !== null && (node.lastReceivedAt === null || rec.receivedAt > node.lastReceivedAt)) {
    node.lastReceivedAt = rec.receivedAt
  }
  return node
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(map)
  next.set(key, value)
  return next
}

function commandEntry(state: RigState, commandId: string): CommandState {
  return (
    state.commands.get(commandId) ?? { commandId, command: null, issuerCameraId: null, acks: new Map(), armed: new Map(), beep: null }
  )
}

/** Pure: returns a new state (sharing untouched parts), never mutates its input. */
export function reduceRig(state: RigState, rec: ReceivedEvent): RigState {
  const node = touchNode(state.nodes.get(rec.cameraId), rec)
  const stamp: Stamp = { key: rec.key, index: rec.index, at: rec.event.at }
  let { commands, confirmations, sessions, notes } = state
  const ev = rec.event

  switch (ev.type) {
    case 'status':
      if (newer(stamp, node.statusStamp)) {
        node.status = ev.status
        node.statusStamp = stamp
      }
      break
    case 'manifest': {
      const prev = node.manifests.get(ev.manifest.file)
      if (newer(stamp, prev ? prev.stamp : null)) {
        node.manifests = withEntry(node.manifests, ev.manifest.file, { manifest: ev.manifest, stamp })
      }
      break
    }
    case 'command': {
      const entry = commandEntry(state, ev.commandId)
      // A commandId is written once by its issuer; a restated copy carries the same content.
      if (entry.command === null) {
        commands = withEntry(commands, ev.commandId, { ...entry, command: ev, issuerCameraId: rec.cameraId })
      }
      break
    }
    case 'ack': {
      const entry = commandEntry(state, ev.commandId)
      const prev = entry.acks.get(rec.cameraId)
      // The latest word of a node about a command wins (e.g. ok:false after a failed start).
      if (!prev || ev.at >= prev.at) {
        commands = withEntry(commands, ev.commandId, { ...entry, acks: withEntry(entry.acks, rec.cameraId, ev) })
      }
      break
    }
    case 'armed': {
      const entry = commandEntry(state, ev.commandId)
      if (!entry.armed.has(rec.cameraId)) commands = withEntry(commands, ev.commandId, { ...entry, armed: withEntry(entry.armed, rec.cameraId, ev) })
      break
    }
    case 'beep': {
      const entry = commandEntry(state, ev.commandId)
      if (entry.beep === null) commands = withEntry(commands, ev.commandId, { ...entry, beep: ev })
      break
    }
    case 'confirm': {
      const k = `${ev.cameraId}/${ev.file}`
      const prev = confirmations.get(k)
      if (!prev || ev.at > prev.at) {
        confirmations = withEntry(confirmations, k, { sha256: ev.sha256, at: ev.at, by: rec.cameraId })
      }
      break
    }
    case 'session': {
      const prev = sessions.get(ev.sessionId)
      if (newer(stamp, prev ? prev.stamp : null)) {
        sessions = withEntry(sessions, ev.sessionId, { meta: ev.meta, stamp, by: rec.cameraId })
      }
      break
    }
    case 'deletion':
    case 'network':
      notes = withNote(notes, rec, ev)
      break
    case 'heartbeat':
      break
  }

  return { nodes: withEntry(state.nodes, rec.cameraId, node), commands, confirmations, sessions, notes }
}

export interface SnapshotInput {
  now: number
  /** cameraIds with a live connection right now. */
  connected: ReadonlySet<string>
  /** This node's cameraId: it needs no connection to itself to be reachable. */
  self: string
  staleAfterMs: number
}

export interface ManifestView extends ManifestRecord {
  confirmed: Confirmation | null
}

export interface NodeSnapshot {
  cameraId: string
  key: string
  self: boolean
  status: Record<string, unknown> | null
  manifests: ManifestView[]
  lastEventAt: number
  /** now minus the last live receipt; falls back to the author's event time after a restart. */
  lastSeenMs: number
  connected: boolean
  reachable: boolean
}

export interface CommandSnapshot {
  commandId: string
  command: CommandEvent | null
  issuerCameraId: string | null
  acks: Record<string, AckEvent>
  armed: string[]
  beep: BeepEvent | null
}

export interface RigSnapshot {
  at: number
  nodes: NodeSnapshot[]
  commands: CommandSnapshot[]
}

/** A node's liveness: the one rule for `reachable`, used by snapshots and single lookups. */
function liveness(n: { cameraId: string; lastEventAt: number; lastReceivedAt: number | null }, input: SnapshotInput) {
  const seen = n.lastReceivedAt ?? n.lastEventAt
  const lastSeenMs = Math.max(0, input.now - seen)
  const connected = n.cameraId === input.self || input.connected.has(n.cameraId)
  return { lastSeenMs, connected, reachable: connected && lastSeenMs <= input.staleAfterMs }
}

export function snapshotRig(state: RigState, input: SnapshotInput): RigSnapshot {
  const nodes = [...state.nodes.values()]
    .sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : 0))
    .map((n): NodeSnapshot => {
      const self = n.cameraId === input.self
      const { lastSeenMs, connected, reachable } = liveness(n, input)
      const manifests = [...n.manifests.values()]
        .map(({ manifest }) => ({
          ...manifest,
          confirmed: state.confirmations.get(`${manifest.cameraId}/${manifest.file}`) ?? null
        }))
        .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
      return {
        cameraId: n.cameraId,
        key: n.key,
        self,
        status: n.status,
        manifests,
        lastEventAt: n.lastEventAt,
        lastSeenMs,
        connected,
        reachable
      }
    })
  const commands = [...state.commands.values()]
    .sort((a, b) => (a.command?.issuedAt ?? 0) - (b.command?.issuedAt ?? 0) || (a.commandId < b.commandId ? -1 : 1))
    .map((c) => ({
      commandId: c.commandId,
      command: c.command,
      issuerCameraId: c.issuerCameraId,
      acks: Object.fromEntries(c.acks),
      armed: [...c.armed.keys()].sort(),
      beep: c.beep
    }))
  return { at: input.now, nodes, commands }
}

export interface RigViewOptions {
  self: string
  clock?: () => number
  staleAfterMs?: number
}

/**
 * A node is stale once nothing was heard from it for this long. The promise is "stale within
 * 5 s of going silent": its last receipt is at most one heartbeat (1–1.5 s) before that, so 4 s
 * keeps the promise with room for polling, and still spans two missed heartbeats on busy Wi-Fi.
 */
export const STALE_AFTER_MS = 4000

/** Holds the reduced state and the impure inputs; feed it from RigLog and RigMesh events. */
export class RigView {
  readonly self: string
  readonly staleAfterMs: number
  private readonly clock: () => number
  private current: RigState = emptyRigState()
  private readonly connected = new Set<string>()

  constructor(opts: RigViewOptions) {
    this.self = opts.self
    this.clock = opts.clock ?? Date.now
    this.staleAfterMs = opts.staleAfterMs ?? STALE_AFTER_MS
  }

  get state(): RigState {
    return this.current
  }

  apply(rec: ReceivedEvent): void {
    this.current = reduceRig(this.current, rec)
  }

  setConnected(cameraId: string, connected: boolean): void {
    if (connected) this.connected.add(cameraId)
    else this.connected.delete(cameraId)
  }

  snapshot(): RigSnapshot {
    return snapshotRig(this.current, this.input())
  }

  /** Whether one node is reachable, without building the whole snapshot (start/stop poll it). */
  reachable(cameraId: string): boolean {
    const n = this.current.nodes.get(cameraId)
    return n ? liveness(n, this.input()).reachable : false
  }

  private input(): SnapshotInput {
    return { now: this.clock(), connected: this.connected, self: this.self, staleAfterMs: this.staleAfterMs }
  }

  node(cameraId: string): NodeSnapshot | undefined {
    return this.snapshot().nodes.find((n) => n.cameraId === cameraId)
  }
}
