import type { RigStore } from '../../store/rig-store.js';
import type { AckEvent, ArmedEvent, RigEvent } from '../../store/events.js';
import type { ReceivedEvent } from '../../store/view.js';
import type { RigPort } from './coordinator.js';
import { fieldOrder } from '../../runtime/cameras.js';
import { takeOf } from './session-report.js';

export { fieldOrder };

/** Adapts the replicated store to what the coordinator needs. */
export function rigPort(store: RigStore, cameraId: string, expected: () => string[]): RigPort {
  return {
    cameraId,
    append: (event: RigEvent) => store.log.append(event),
    commands: () => [...store.view.state.commands.values()].flatMap((c) => (c.command ? [c.command] : [])),
    acks: (commandId) => store.view.state.commands.get(commandId)?.acks ?? new Map<string, AckEvent>(),
    armed: (commandId) => store.view.state.commands.get(commandId)?.armed ?? new Map<string, ArmedEvent>(),
    members: () => [...new Set([cameraId, ...expected(), ...store.view.state.nodes.keys()])].sort(fieldOrder),
    reachable: (id) => id === cameraId || store.view.reachable(id),
    onEvent(fn) {
      const listener = (rec: ReceivedEvent): void => fn(rec.event, rec.cameraId, rec.receivedAt !== null);
      store.log.on('event', listener);
      return () => { store.log.off('event', listener); };
    },
    onReachability(fn) {
      const listener = (): void => fn();
      store.mesh.on('connect', listener);
      store.mesh.on('disconnect', listener);
      return () => { store.mesh.off('connect', listener); store.mesh.off('disconnect', listener); };
    },
    takes: (sessionId) => [...store.view.state.nodes.values()].flatMap((n) => [...n.manifests.values()])
      .flatMap(({ manifest: m }) => (m.sessionId === sessionId ? [{ take: takeOf(m), startAt: typeof m.startAt === 'number' ? m.startAt : null }] : [])),
  };
}
