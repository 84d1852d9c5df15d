import { query, type Ref } from 'nact';
import { RigError } from '../../runtime/errors.js';
import type { NoteEvent, SessionMeta } from '../../store/events.js';
import type { RigNote } from '../../store/view.js';
import type { PeerMsg, PeerReply } from '../peer.js';
import type { NodeResult, StartAllResult } from './coordinator.js';
import type { SessionBeep } from './session-report.js';
import type { Confirmation, RigApiView, RigLibrary, RigMembership, StopAllResult } from './membership.js';

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
  confirmed(c: Confirmation): Promise<void>;
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

export function rigApi(peer: Ref<PeerMsg>, membership: RigMembership): RigApi {
  const ask = async <T>(make: (replyTo: Ref<PeerReply<T>>) => PeerMsg): Promise<T> => {
    const reply = await query(peer, make, COMMAND_TIMEOUT_MS);
    if (!reply.ok) throw new RigError(reply.code, reply.message);
    return reply.value;
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
    confirmed: async (confirmation) => { await ask<null>((replyTo) => ({ type: 'confirmed', confirmation, replyTo })); },
    publishManifests: async () => { await ask<null>((replyTo) => ({ type: 'publish-manifests', replyTo })); },
    note: (event) => membership.note(event),
    notes: () => membership.notes(),
    beeps: (sessionId) => membership.beeps(sessionId),
    on: (event, listener) => membership.on(event, listener),
    off: (event, listener) => membership.off(event, listener),
  };
}
