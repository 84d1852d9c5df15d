import { dispatch } from 'nact';
import type { ActorDef } from '../runtime/actor.js';
import type { RigNode } from './rig/rig-node.js';

export type PeerMsg = { type: 'open' };

/**
 * The Peer actor owns the rig membership's lifecycle: the replicated log, the DHT node
 * and the swarm. If opening fails (a port in use, a corrupt store) it crashes and the
 * supervisor retries with backoff, closing what was half-open first; the node itself
 * keeps recording and answering meanwhile.
 */
export function peer(rig: RigNode): ActorDef<{ open: boolean }, PeerMsg> {
  return {
    name: 'peer',
    init(self) {
      dispatch(self, { type: 'open' });
      return { open: false };
    },
    async handle(state, msg) {
      if (msg.type === 'open' && !state.open) {
        await rig.open();
        return { open: true };
      }
      return state;
    },
    async cleanup() {
      await rig.close();
    },
  };
}
