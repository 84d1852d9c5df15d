import { query, type Ref } from 'nact';
import type { Logger } from 'pino';
import { RigError, errorCode } from '../../runtime/errors.js';
import type { NoteEvent, SessionMeta } from '../../store/events.js';
import type { RigNote } from '../../store/view.js';
import type { PeerMsg, PeerReply } from '../peer.js';
import type { NodeResult, StartAllResult } from './coordinator.js';
import type { SessionBeep } from './session-report.js';
import type { Confirmation, RigApiView, RigLibrary, RigMembership, RigMembershipEvents, StopAllResult } from './membership.js';

/**
 * What HTTP may ask of the rig. Reads (the view, recordings, notes, addresses) answer from the
 * membership's current state; commands are messages to the Peer actor, answered when done.
 */
export interface RigApi {
  snapshot(): RigApiView;
  library(): Promise<RigLibrary>;
  recordings(): Promise<Array<Record<string, unknown>>>;
  sessions(): Promise<Record<string, SessionMeta>>;
  sessionMeta(sessionId: string): Promise<SessionMeta>;
  httpAddress(cameraId: string): { host: string; port: number } | null;
  startAll(sessionId: string, leadMs: number): Promise<StartAllResult>;
  stopAll(): Promise<{ results: NodeResult[] }>;
  setSessionMeta(sessionId: string, meta: SessionMeta): Promise<SessionMeta>;
  /** Tells the rig of a confirmation; never rejects (see announce below). */
  confirmed(c: Confirmation): Promise<void>;
  /** Publishes this node's new and changed manifests; never rejects (see announce below). */
  publishManifests(): Promise<void>;
  /** Deletions and network changes into the rig log, and every node's as the view holds them. */
  note(event: NoteEvent): Promise<void>;
  notes(): ReadonlyArray<RigNote>;
  /** The session's start beeps, from the rig log (for its QC report). */
  beeps(sessionId: string): SessionBeep[];
  on(event: 'change', listener: (view: RigApiView) => void): unknown;
  off(event: 'change', listener: (view: RigApiView) => void): unknown;
}

/** Generous: a start-all answers after the start instant plus the acks' timeout; a stop-all may finalise files. */
const COMMAND_TIMEOUT_MS = 60_000;
/** An announcement holds up the operator's confirmation or deletion answer at most this long. */
const ANNOUNCE_TIMEOUT_MS = 15_000;
/** How long a command waits for the rig layer to (re)open before it is refused: a boot, or a quick restart. */
const OPEN_WAIT_MS = 5_000;

export interface RigApiOptions {
  /** Whether the supervisor gave up on the Peer actor (it will not come back without a restart of the node). */
  peerFailed: () => boolean;
  openWaitMs?: number;
  timeoutMs?: number;
  announceTimeoutMs?: number;
  log?: Pick<Logger, 'warn'>;
}

/**
 * Commands reach the Peer actor only while the rig layer is open. When it is not (the supervisor
 * gave up on it, or it is restarting after a crash and does not come back within openWaitMs) a
 * command is refused at once with RIG_UNAVAILABLE, rather than waiting in a mailbox nobody reads
 * and possibly running long after the operator gave up on it. A command that gets no answer in
 * time is RIG_TIMEOUT. Both are coded errors the HTTP layer answers as 503.
 */
/** What the API reads from the membership (a RigMembership in a node, a fake in its unit test). */
export type RigApiMembership = Pick<RigMembership, 'opened' | 'snapshot' | 'library' | 'recordings' | 'sessions' | 'sessionMeta' | 'httpAddress' | 'note' | 'notes' | 'beeps'> & {
  on<K extends keyof RigMembershipEvents>(event: K, listener: (...args: RigMembershipEvents[K]) => void): unknown;
  off<K extends keyof RigMembershipEvents>(event: K, listener: (...args: RigMembershipEvents[K]) => void): unknown;
};

export function rigApi(peer: Ref<PeerMsg>, membership: RigApiMembership, o: RigApiOptions): RigApi {
  const openWaitMs = o.openWaitMs ?? OPEN_WAIT_MS;
  const timeoutMs = o.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const ready = async (): Promise<void> => {
    if (o.peerFailed()) {
      throw new RigError('RIG_UNAVAILABLE', 'the rig layer on this node stopped after repeated failures (see its ACTOR_FAILED warning): restart the node, or use another node meanwhile');
    }
    if (membership.opened) return;
    const opened = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => { clearTimeout(timer); membership.off('opened', onOpened); resolve(ok); };
      const onOpened = () => done(true);
      const timer = setTimeout(() => done(false), openWaitMs);
      membership.on('opened', onOpened);
    });
    if (!opened) throw new RigError('RIG_UNAVAILABLE', `the rig layer on this node is not open (it is starting or restarting after a failure; not open within ${Math.round(openWaitMs / 1000)} s): try again, or use another node`);
  };
  const ask = async <T>(make: (replyTo: Ref<PeerReply<T>>) => PeerMsg, within = timeoutMs): Promise<T> => {
    await ready();
    let reply: PeerReply<T>;
    try {
      reply = await query(peer, make, within);
    } catch (err) {
      throw new RigError('RIG_TIMEOUT', `the rig layer did not answer within ${Math.round(within / 1000)} s: ${(err as Error).message}`);
    }
    if (!reply.ok) throw new RigError(reply.code, reply.message);
    return reply.value;
  };
  // Announcing a confirmation or a changed manifest is not the operator's action itself (that is
  // done on disk, in the manifest): with the rig layer not open it is skipped, and open()
  // publishes every manifest that changed meanwhile.
  // The same when the announcement fails or gets no answer: it is logged, and the next
  // publication (every state change, every confirmation, every open) carries it.
  const announce = async <T>(make: (replyTo: Ref<PeerReply<T>>) => PeerMsg, what: string): Promise<void> => {
    try {
      await ask(make, o.announceTimeoutMs ?? ANNOUNCE_TIMEOUT_MS);
    } catch (err) {
      if (errorCode(err) !== 'RIG_UNAVAILABLE') o.log?.warn({ err, code: 'RIG_ANNOUNCE_DEFERRED' }, `could not tell the rig of ${what} now; it goes with the next publication`);
    }
  };
  return {
    snapshot: () => membership.snapshot(),
    library: () => membership.library(),
    recordings: () => membership.recordings(),
    sessions: () => membership.sessions(),
    sessionMeta: (sessionId) => membership.sessionMeta(sessionId),
    httpAddress: (cameraId) => membership.httpAddress(cameraId),
    startAll: (sessionId, leadMs) => ask<StartAllResult>((replyTo) => ({ type: 'start-all', sessionId, leadMs, replyTo })),
    stopAll: () => ask<StopAllResult>((replyTo) => ({ type: 'stop-all', replyTo })),
    setSessionMeta: (sessionId, meta) => ask<SessionMeta>((replyTo) => ({ type: 'set-session-meta', sessionId, meta, replyTo })),
    confirmed: (confirmation) => announce<null>((replyTo) => ({ type: 'confirmed', confirmation, replyTo }), `the confirmation of ${confirmation.file}`),
    publishManifests: () => announce<null>((replyTo) => ({ type: 'publish-manifests', replyTo }), 'this node\'s changed manifests'),
    note: (event) => membership.note(event),
    notes: () => membership.notes(),
    beeps: (sessionId) => membership.beeps(sessionId),
    on: (event, listener) => membership.on(event, listener),
    off: (event, listener) => membership.off(event, listener),
  };
}
