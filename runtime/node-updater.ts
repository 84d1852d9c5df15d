import type { Ref } from 'nact';
import type { Logger } from './logging.js';
import type { ConfigStore } from './config/store.js';
import type { StatusBoard } from './status.js';
import { spawnSupervised, type SpawnedActor } from './actor.js';
import { releaseLayout } from './release-layout.js';
import { softwareVersion } from './version.js';
import { updater, updateApi, type UpdaterMsg } from '../actors/updater/actor.js';
import { UpdateHistory } from '../actors/updater/history.js';
import { httpRigNode, localRigNode, type RigNodeUpdate } from '../actors/updater/rig-apply.js';
import type { RigApi } from '../actors/rig/rig-api.js';
import type { UpdateRouteDeps } from '../http/routes/update.js';

/**
 * The node's Updater (issue 13), beside the other actors of node-actors.ts. It always runs, so
 * status.update is present and the dashboard shows its controls; a node without updater.repo
 * answers a check with NOT_CONFIGURED (409) rather than a missing route.
 */
export interface NodeUpdater {
  actor: SpawnedActor<UpdaterMsg>;
  routes: UpdateRouteDeps;
}

export interface NodeUpdaterDeps {
  system: Ref<any>;
  store: ConfigStore;
  board: StatusBoard;
  log: Logger;
  rig: RigApi;
  /** Stops the node; the process then exits and systemd (Restart=always) starts the new `current`. */
  restart: (reason: string) => void;
  /** HTTP listening and no actor given up on: what a trial needs before it is committed. */
  healthy: () => Promise<boolean>;
  onGiveUp: (err: Error) => void;
}

export function startUpdater(d: NodeUpdaterDeps): NodeUpdater {
  const cfg = () => d.store.current.updater;
  // installRoot and stateDir need a restart (restartPaths), so the layout is fixed for this process.
  const layout = releaseLayout(cfg().installRoot, cfg().stateDir);
  const history = new UpdateHistory(layout.historyFile);
  const actor = spawnSupervised(d.system, updater({
    config: cfg, board: d.board, history, layout, running: softwareVersion,
    log: d.log, restart: d.restart, healthy: d.healthy,
  }), d.log, { onGiveUp: d.onGiveUp });
  const api = updateApi(actor.ref, history);
  const rigNodes = (): RigNodeUpdate[] => d.rig.snapshot().nodes.flatMap((n): RigNodeUpdate[] => {
    if (n.self) {
      return [localRigNode(n.cameraId, () => ({ state: d.board.snapshot().state, version: softwareVersion }), async ({ force }) => {
        const o = await api.apply({ force, queue: false });
        return o.ok ? { ok: true } : { ok: false, code: o.code, message: o.message };
      })];
    }
    const addr = n.httpAddress;
    // A member with no known address cannot be updated from here; rigApply then reports it as unreachable.
    const url = addr ? `http://${addr.host}:${addr.port}` : 'http://unreachable.invalid';
    return [httpRigNode({ cameraId: n.cameraId, url, self: false }, { token: d.store.current.api.token })];
  });
  return { actor, routes: { update: api, rigNodes } };
}
