import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { NoteEvent, SessionMeta } from '../../store/events.js';
import type { RigNote } from '../../store/view.js';
import { query, type Ref } from 'nact';
import { Serial } from '../../runtime/serial.js';
import { SessionNotes, type Unreadable } from './session-notes.js';
import type { Config } from '../../runtime/config/schema.js';
import type { NodeStatus, StatusBoard } from '../../runtime/status.js';
import type { Logger } from '../../runtime/logging.js';
import type { RigStore } from '../../store/rig-store.js';
import { openDiscovery, type LanDiscovery } from './discovery.js';
import { listRecordings } from '../recorder/library.js';
import type { RecorderMsg, StartReply, StopReply } from '../recorder/actor.js';
import { RigCoordinator, ownClock, type LocalRecorder, type NodeResult, type StartAllResult } from './coordinator.js';
import { StartBeep } from './start-beep.js';
import { createRigClock, type RigClock } from '../sync/rig-clock.js';
import type { ClockSync } from '../../store/rig-store.js';
import type { TonePlayer } from '../recorder/tone.js';
import { rigPort, fieldOrder } from './rig-port.js';
import { CAMERA_IDS } from '../../runtime/cameras.js';
import { disagreements, type Disagreement } from './disagreements.js';
import type { SessionBeep } from './session-report.js';

export interface RigNodeEntry {
  cameraId: string;
  self: boolean;
  reachable: boolean;
  lastSeenMs: number | null;
  status: NodeStatus | Record<string, unknown> | null;
  /** Where this node reaches the member's HTTP API (beacon, else config); null for itself or when unknown. The offload tool tries it directly. */
  httpAddress: { host: string; port: number } | null;
}

export interface RigApiView {
  self: string;
  at: number;
  nodes: RigNodeEntry[];
  disagreements: Disagreement[];
  mesh: { enabled: boolean; connected: string[]; refusals: { count: number; lastKey: string | null; lastAt: number | null } };
}

/** Every recording the rig knows, the notes on each session, and what on disk could not be read. */
export interface RigLibrary {
  recordings: Array<Record<string, unknown>>;
  sessions: Record<string, SessionMeta>;
  unreadable: Unreadable[];
}

export interface StopAllResult { results: NodeResult[] }

export interface Confirmation { sessionId: string; cameraId: string; file: string; sha256: string }

export interface RigMembershipEvents {
  change: [RigApiView];
  /** open() completed: commands can be carried out. */
  opened: [];
}

export interface RigMembershipDeps {
  config: Config;
  board: StatusBoard;
  recorder: Ref<RecorderMsg>;
  log: Logger;
  now?: () => number;
  /** Rig time (written by the Sync actor); absent: the node's own clock, unknown. */
  rigClock?: RigClock;
  /** Where each member connection's clock samples go (the Sync actor); absent: not measured. */
  clockSync?: ClockSync;
  /** The start beep's player (audio.startBeep). */
  tone?: () => Promise<TonePlayer>;
  /** Test seams for the store's timings. */
  store?: { heartbeatMs?: number; statusMinIntervalMs?: number; refreshMs?: number };
}

/**
 * This node as a member of the rig: publishes its status and manifests into its own log,
 * follows the others', and runs leaderless start/stop through the coordinator. Without a
 * rig secret the node is a rig of one (start-all starts just itself), so a single camera
 * still works with the same buttons.
 */
export class RigMembership extends EventEmitter<RigMembershipEvents> {
  readonly #d: RigMembershipDeps;
  readonly #now: () => number;
  #store: RigStore | null = null;
  #opened = false;
  #discovery: LanDiscovery | null = null;
  #coordinator: RigCoordinator | null = null;
  #beep: StartBeep | null = null;
  readonly #rig: RigClock;
  #offBoard: (() => void) | null = null;
  #published = new Map<string, string>();
  #changeTimer: NodeJS.Timeout | null = null;
  #lastState: string | null = null;
  /** One publication at a time: two at once would append the same manifest twice. */
  readonly #publishing = new Serial();
  readonly #notes: SessionNotes;
  readonly #warnedUnreadable = new Set<string>();

  constructor(deps: RigMembershipDeps) {
    super();
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#rig = deps.rigClock ?? createRigClock(this.#now);
    this.#notes = new SessionNotes(deps.config.storage.dataDir, deps.log);
  }

  get networked(): boolean {
    return this.#d.config.rig.secret !== null;
  }

  async open(): Promise<void> {
    const cfg = this.#d.config;
    const localRecorder = this.#localRecorder();
    if (cfg.rig.secret) {
      // Loaded only by nodes that are part of a rig: hypercore, corestore and hyperswarm are
      // a large part of a node's memory, and a stand-alone camera needs none of them.
      const { RigStore } = await import('../../store/rig-store.js');
      const store = new RigStore({
        log: {
          dataDir: join(cfg.storage.dataDir, '.rig'), cameraId: cfg.camera.id, clock: this.#now,
          logger: this.#d.log.child({ actor: 'peer' }),
          ...(this.#d.store?.heartbeatMs ? { heartbeatMs: this.#d.store.heartbeatMs } : {}),
          // A status change goes out at once (at most one block per 10 ms): the board already
          // coalesces a burst into one change, and the rig sees a change within milliseconds.
          statusMinIntervalMs: this.#d.store?.statusMinIntervalMs ?? 10,
        },
        mesh: {
          rigSecret: cfg.rig.secret, members: [...CAMERA_IDS], host: cfg.rig.dhtHost, port: cfg.rig.dhtPort,
          peers: cfg.peers.map((p) => ({ host: p.host, port: p.port, ...(p.cameraId ? { cameraId: p.cameraId } : {}) })),
          ...(this.#d.store?.refreshMs ? { refreshMs: this.#d.store.refreshMs } : {}),
        },
        clock: this.#now,
        ...(this.#d.clockSync ? { clockSync: this.#d.clockSync } : {}),
      });
      // A failed open releases what it opened (the store's RocksDB lock): the supervisor's retry can open it again.
      await store.ready();
      this.#store = store;
      store.log.on('status-failed', (err) => this.#statusFailed(err));
      const expected = cfg.peers.flatMap((p) => (p.cameraId ? [p.cameraId] : []));
      const port = rigPort(store, cfg.camera.id, () => expected);
      // Commands are timed on rig time unless sync.rigTime is off (then each node's own clock, as before).
      const clock = cfg.sync.rigTime ? this.#rig : ownClock(this.#now);
      const tone = this.#d.tone;
      this.#beep = tone ? new StartBeep({ port, commands: clock, rig: this.#rig, enabled: () => cfg.audio.startBeep, tone, log: this.#d.log }) : null;
      this.#coordinator = new RigCoordinator({ port, recorder: localRecorder, clock, ...(this.#beep ? { onArmed: this.#beep } : {}), log: this.#d.log });
      this.#coordinator.open();
      store.log.on('event', () => this.#changed());
      // network.mode says whether this node is meshed with the rig right now ('ap' needs a
      // Wi-Fi probe that does not exist yet, so it stays 'unknown' when alone).
      const meshMode = (): void => {
        // With network.manage the field network manager (runtime/network) says what the Wi-Fi is.
        if (!cfg.network.manage) this.#d.board.patch({ network: { mode: store.mesh.connected().length > 0 ? 'mesh' : 'unknown' } });
        this.#changed();
      };
      store.mesh.on('connect', meshMode);
      store.mesh.on('disconnect', meshMode);
      if (cfg.rig.discoveryPort !== null) this.#discovery = await openDiscovery(cfg, store.mesh, this.#d.log, this.#now);
      store.mesh.on('refused', (r: { publicKey: string }) => {
        this.#d.log.warn({ code: 'PEER_REFUSED', key: r.publicKey }, 'refused a node that does not hold the rig secret');
        this.#changed();
      });
    }
    const onStatus = (s: NodeStatus): void => {
      this.#appendStatus(s);
      if (s.state !== this.#lastState) {
        this.#lastState = s.state;
        void this.publishManifests();
      }
      this.#changed();
    };
    this.#d.board.on('change', onStatus);
    this.#offBoard = () => this.#d.board.off('change', onStatus);
    onStatus(this.#d.board.snapshot());
    this.#opened = true;
    this.emit('opened');
  }

  /** Whether open() completed and close() has not begun: commands can be carried out. */
  get opened(): boolean {
    return this.#opened;
  }

  /** Where a member's HTTP API is: the latest LAN beacon, else the configured peer. */
  httpAddress(cameraId: string): { host: string; port: number } | null {
    const d = this.#discovery?.address(cameraId);
    if (d) return { host: d.host, port: d.httpPort };
    const p = this.#d.config.peers.find((x) => x.cameraId === cameraId);
    // The mesh keeps the peer's name resolved: a relay then does no lookup of its own, which
    // with mDNS down would hang for seconds on a thread the recording's writes need.
    return p?.httpPort ? { host: this.#store?.mesh.ipOf(p.host) ?? p.host, port: p.httpPort } : null;
  }

  /**
   * Leaves the rig. Its last words go first: the status as it is now (idle, once the recorder
   * stopped) and every manifest not yet published (the final one), flushed until each connected
   * member holds them, so the rig does not remember this node as recording.
   */
  async close(): Promise<void> {
    this.#opened = false;
    // The next open() publishes every manifest again (those changed while closed among them).
    this.#lastState = null;
    this.#offBoard?.();
    this.#offBoard = null;
    const store = this.#store;
    if (store?.log.isOpen) {
      await store.log.appendStatus(this.#d.board.snapshot()).catch(() => undefined);
      await this.publishManifests();
      const flushed = await store.log.flushed();
      if (!flushed) this.#d.log.warn({ code: 'RIG_LAST_WORDS_UNCONFIRMED' }, 'stopping before every member holds this node\'s last status and manifests');
    }
    await this.#discovery?.close();
    this.#discovery = null;
    if (this.#changeTimer) clearTimeout(this.#changeTimer);
    this.#changeTimer = null;
    this.#coordinator?.close();
    this.#coordinator = null;
    this.#beep?.close();
    this.#beep = null;
    await store?.close();
    this.#store = null;
  }

  #appendStatus(s: NodeStatus): void {
    const log = this.#store?.log;
    if (!log?.isOpen) return;
    log.appendStatus(s).then((r) => { if (r === 'appended') this.#d.board.setWarnings('rig', []); }, (err: Error) => this.#statusFailed(err));
  }

  /** The rig no longer hears this node's status: the operator must know (the log already has the error). */
  #statusFailed(err: Error): void {
    this.#d.board.setWarnings('rig', [{ code: 'STATUS_APPEND_FAILED', message: `the rig does not see this node's latest status: ${err.message}` }]);
  }

  snapshot(): RigApiView {
    const self = this.#d.config.camera.id;
    const own = this.#d.board.snapshot();
    const entries = new Map<string, RigNodeEntry>();
    entries.set(self, { cameraId: self, self: true, reachable: true, lastSeenMs: 0, status: own, httpAddress: null });
    for (const p of this.#d.config.peers) {
      if (p.cameraId && p.cameraId !== self) entries.set(p.cameraId, { cameraId: p.cameraId, self: false, reachable: false, lastSeenMs: null, status: null, httpAddress: this.httpAddress(p.cameraId) });
    }
    const view = this.#store?.view.snapshot();
    for (const n of view?.nodes ?? []) {
      if (n.cameraId === self) continue;
      entries.set(n.cameraId, { cameraId: n.cameraId, self: false, reachable: n.reachable, lastSeenMs: n.lastSeenMs, status: n.status, httpAddress: this.httpAddress(n.cameraId) });
    }
    const nodes = [...entries.values()].sort((a, b) => fieldOrder(a.cameraId, b.cameraId));
    const mesh = this.#store?.mesh.status();
    return {
      self, at: this.#now(), nodes,
      disagreements: disagreements(nodes, this.#d.config.thresholds.syncOffsetMs),
      mesh: {
        enabled: this.#store !== null,
        connected: (mesh?.connected ?? []).flatMap((c) => (c.cameraId ? [c.cameraId] : [])),
        refusals: mesh?.refusals ?? { count: 0, lastKey: null, lastAt: null },
      },
    };
  }

  /** Every node's manifests (this node's from disk, the others' from the rig view), newest first, with the notes. */
  async library(): Promise<RigLibrary> {
    const own = await listRecordings(this.#d.config.storage.dataDir);
    for (const u of own.unreadable) {
      if (this.#warnedUnreadable.has(u.file)) continue;
      this.#warnedUnreadable.add(u.file);
      this.#d.log.warn({ code: 'MANIFEST_UNREADABLE', ...u }, `skipping manifest ${u.file}: ${u.error}`);
    }
    const others = (this.#store?.view.snapshot().nodes ?? [])
      .filter((n) => n.cameraId !== this.#d.config.camera.id)
      .flatMap((n): Array<Record<string, unknown>> => n.manifests);
    const recordings = [...own.recordings.map((m): Record<string, unknown> => ({ ...m })), ...others]
      .sort((a, b) => Number(b['startAt'] ?? 0) - Number(a['startAt'] ?? 0));
    const notes = await this.sessionsWithUnreadable();
    return { recordings, sessions: notes.sessions, unreadable: [...own.unreadable, ...notes.unreadable] };
  }

  async recordings(): Promise<Array<Record<string, unknown>>> {
    return (await this.library()).recordings;
  }

  async startAll(sessionId: string, leadMs: number): Promise<StartAllResult> {
    if (this.#coordinator) return this.#coordinator.startAll({ sessionId, leadMs });
    const startAt = this.#now() + leadMs;
    const r = await this.#localRecorder().start(sessionId, startAt);
    return { sessionId, startAt, commandId: 'local', superseded: false, results: [toResult(this.#d.config.camera.id, r)] };
  }

  async stopAll(): Promise<StopAllResult> {
    if (this.#coordinator) return this.#coordinator.stopAll(null);
    await this.#localRecorder().stop('stop-all');
    return { results: [{ cameraId: this.#d.config.camera.id, result: 'ok' }] };
  }

  #localRecorder(): LocalRecorder {
    const ref = this.#d.recorder;
    return {
      start: (sessionId, startAt, o = {}) => query(ref, (replyTo: Ref<StartReply>) => ({
        type: 'start' as const, sessionId, startAt, replyTo,
        ...(o.startAtRig !== undefined ? { startAtRig: o.startAtRig } : {}), ...(o.onArmed ? { onArmed: o.onArmed } : {}),
        ...(o.minTake !== undefined ? { minTake: o.minTake } : {}),
      }), Math.max(0, startAt - this.#now()) + 30_000),
      stop: async (reason) => { await query(ref, (replyTo: Ref<StopReply>) => ({ type: 'stop' as const, reason, replyTo }), 30_000); },
      current: () => {
        const s = this.#d.board.snapshot();
        return (s.state === 'armed' || s.state === 'recording') && s.sessionId ? { sessionId: s.sessionId, phase: s.state } : null;
      },
    };
  }

  /** The operator's notes on a session (teams, venue, notes), from the rig view or this node's copy. */
  async sessionMeta(sessionId: string): Promise<SessionMeta> {
    return (await this.sessions())[sessionId] ?? {};
  }

  /** Every session's notes known here: the rig's (newest edit wins) over this node's own copies. */
  async sessions(): Promise<Record<string, SessionMeta>> {
    return (await this.sessionsWithUnreadable()).sessions;
  }

  async sessionsWithUnreadable(): Promise<{ sessions: Record<string, SessionMeta>; unreadable: Unreadable[] }> {
    const own = await this.#notes.list();
    for (const [id, notes] of this.#store?.view.state.sessions ?? []) own.sessions[id] = notes.meta;
    return own;
  }

  /** Saves notes on a session on this node and, through the rig log, on every node. */
  async setSessionMeta(sessionId: string, meta: SessionMeta): Promise<SessionMeta> {
    await this.#notes.save(sessionId, meta);
    await this.#store?.log.append({ type: 'session', at: this.#now(), sessionId, meta });
    this.#changed();
    return meta;
  }

  /** Records an offload confirmation in the rig log, and republishes the manifest now marked offloaded. */
  async confirmed(c: Confirmation): Promise<void> {
    await this.#store?.log.append({ type: 'confirm', at: this.#now(), ...c }).catch((err: unknown) =>
      this.#d.log.warn({ err, code: 'CONFIRM_PUBLISH_FAILED' }, `could not publish the confirmation of ${c.file}`));
    await this.publishManifests();
  }

  /** Announces this node's manifests to the rig (new ones, and changed ones such as offloaded). */
  publishManifests(): Promise<void> {
    return this.#publishing.run(async () => {
      const store = this.#store;
      if (!store) return;
      const { recordings } = await listRecordings(this.#d.config.storage.dataDir);
      for (const m of recordings) {
        // A running take is published too, once it has its first frame, so every node's report
        // and list show it as recording, not missing; its final manifest replaces it. An armed one
        // is not: a start cancelled before the instant deletes its manifest and would linger.
        if (m.inProgress && m.firstFrameAt == null) continue;
        const live = m.inProgress ? ':live' : '';
        const fingerprint = `${m.sha256}:${m.incomplete}:${m.offloaded}:${m.deletedAt ?? ''}${live}`;
        if (this.#published.get(m.file) === fingerprint) continue;
        // The Lock View JPEG stays on the node (tens of KB per block would bloat every peer's log).
        const record = { ...m, snapshot: null, hasSnapshot: m.snapshot !== null };
        // Marked published only once appended: a failed one is tried again at the next change.
        await store.log.append({ type: 'manifest', at: this.#now(), manifest: record }).then(
          () => this.#published.set(m.file, fingerprint),
          (err: unknown) => this.#d.log.warn({ err, code: 'MANIFEST_PUBLISH_FAILED' }, `could not publish ${m.file} to the rig`));
      }
    });
  }

  // --- Notes in the rig log (deletions, network changes): written by runtime/node-notes.ts ---
  /** Appends a note to this node's log; without a rig it is only in this node's own log file. */
  async note(event: NoteEvent): Promise<void> {
    await this.#store?.log.append(event);
    this.#changed();
  }

  /** Every node's notes the rig view holds, oldest first. */
  notes(): ReadonlyArray<RigNote> {
    return this.#store?.view.state.notes ?? [];
  }

  /** The start beeps of a session's start-alls, each with its command's rig instant. */
  beeps(sessionId: string): SessionBeep[] {
    return [...(this.#store?.view.state.commands.values() ?? [])].flatMap(({ beep: b, command }) => (b && b.sessionId === sessionId
      ? [{ startAt: command?.startAt ?? null, cameraId: b.cameraId, atRig: b.atRig, rigTimeKnown: b.rigTimeKnown, durationMs: b.durationMs, frequencyHz: b.frequencyHz }]
      : []));
  }

  /** Coalesces bursts of changes into one 'change' every 250 ms at most (for SSE). */
  #changed(): void {
    if (this.#changeTimer) return;
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = null;
      this.emit('change', this.snapshot());
    }, 250);
    this.#changeTimer.unref();
  }
}

function toResult(cameraId: string, r: StartReply): NodeResult {
  return r.ok
    ? { cameraId, result: 'ok', firstFrameAt: r.firstFrameAt, ...(typeof r.firstFrameAtRig === 'number' ? { firstFrameAtRig: r.firstFrameAtRig } : {}), ...(r.syncUnknown ? { syncUnknown: true } : {}) }
    : { cameraId, result: 'refused', code: r.code, message: r.message };
}
