import { dispatch, type Ref } from 'nact';
import type { ActorDef } from '../runtime/actor.js';
import { errorCode, errorMessage } from '../runtime/errors.js';
import type { SessionMeta } from '../store/events.js';
import type { StartAllResult } from './rig/coordinator.js';
import type { Confirmation, RigMembership, StopAllResult } from './rig/membership.js';

/** A command's answer: its value, or why it failed (a query only rejects on its own timeout). */
export type PeerReply<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export type PeerMsg =
  | { type: 'open' }
  | { type: 'start-all'; sessionId: string; leadMs: number; replyTo: Ref<PeerReply<StartAllResult>> }
  | { type: 'stop-all'; replyTo: Ref<PeerReply<StopAllResult>> }
  | { type: 'set-session-meta'; sessionId: string; meta: SessionMeta; replyTo: Ref<PeerReply<SessionMeta>> }
  | { type: 'confirmed'; confirmation: Confirmation; replyTo: Ref<PeerReply<null>> }
  | { type: 'publish-manifests'; replyTo: Ref<PeerReply<null>> };

export interface PeerState { open: boolean }

/** What the actor drives: RigMembership in a node, a fake in the actor's unit test. */
export type PeerMembership = Pick<RigMembership, 'open' | 'close' | 'startAll' | 'stopAll' | 'setSessionMeta' | 'confirmed' | 'publishManifests'>;

/**
 * The Peer actor owns this node's membership of the rig: the replicated log, the DHT node and
 * the swarm (RigMembership), and every command that changes them (start-all, stop-all, notes,
 * confirmations, manifest publication) arrives here as a message.
 * If opening fails (a port in use, a corrupt store) it crashes and the supervisor retries with
 * backoff, closing what was half-open first; the node itself keeps recording and answering
 * meanwhile. Commands are answered when their work is done, but not waited for in the mailbox:
 * a stop-all must not queue behind a start-all that waits seconds for its acks.
 */
export function peer(membership: PeerMembership): ActorDef<PeerState, PeerMsg> {
  return {
    name: 'peer',
    init(self) {
      dispatch(self, { type: 'open' });
      return { open: false };
    },
    async handle(state, msg) {
      switch (msg.type) {
        case 'open':
          if (!state.open) await membership.open();
          return { open: true };
        case 'start-all':
          answer(msg.replyTo, membership.startAll(msg.sessionId, msg.leadMs));
          return state;
        case 'stop-all':
          answer(msg.replyTo, membership.stopAll());
          return state;
        case 'set-session-meta':
          answer(msg.replyTo, membership.setSessionMeta(msg.sessionId, msg.meta));
          return state;
        case 'confirmed':
          answer(msg.replyTo, membership.confirmed(msg.confirmation).then(() => null));
          return state;
        case 'publish-manifests':
          answer(msg.replyTo, membership.publishManifests().then(() => null));
          return state;
      }
    },
    async cleanup() {
      await membership.close();
    },
  };
}

function answer<T>(replyTo: Ref<PeerReply<T>>, work: Promise<T>): void {
  work.then(
    (value) => dispatch(replyTo, { ok: true, value }),
    (err: unknown) => dispatch(replyTo, { ok: false, code: errorCode(err) ?? 'RIG_COMMAND_FAILED', message: errorMessage(err) }),
  );
}
