import { query, start as startSystem, stop as stopSystem, type Ref } from 'nact';
import type { ConfigStore } from './config/store.js';
import type { Logger } from './logging.js';
import type { StatusBoard } from './status.js';
import type { Metrics } from './metrics.js';
import { createSystemProbe } from './system-probe.js';
import { spawnSupervised, type SpawnedActor } from './actor.js';
import type { NodeOptions } from './node.js';
import { housekeeper as housekeeperActor } from '../actors/housekeeper.js';
import { Retention } from '../actors/housekeeper/retention-run.js';
import { recorder, type RecorderMsg, type StopReply } from '../actors/recorder/actor.js';
import type { ProcessRunner } from '../actors/recorder/runner.js';
import { ffmpegEncoderList } from '../actors/recorder/encoders.js';
import { createTonePlayer, type TonePlayer } from '../actors/recorder/tone.js';
import { RigMembership } from '../actors/rig/membership.js';
import { rigApi, type RigApi } from '../actors/rig/rig-api.js';
import { peer } from '../actors/peer.js';
import { dispatch } from 'nact';
import { syncActor, type SyncMsg } from '../actors/sync/actor.js';
import { createRigClock } from '../actors/sync/rig-clock.js';
import { createWallClock } from '../store/clock-source.js';
import { createChronyReader } from './chrony/adapter.js';

/** Step 3 of a node's boot (runtime/node.ts): the supervised actors, and their teardown. */

export interface RunningActors {
  system: Ref<any>;
  actors: { recorder: SpawnedActor<RecorderMsg> } & Record<string, SpawnedActor<any>>;
  rig: RigApi;
  retention: Retention;
}

/** Step 3: the supervised actors, each after the ones it depends on. */
export function startActors(opts: NodeOptions, d: { store: ConfigStore; board: StatusBoard; metrics: Metrics; log: Logger; runner: ProcessRunner }): RunningActors {
  const { store, board, log, runner } = d;
  const system = startSystem();
  const probe = opts.probe ?? createSystemProbe(store.current.battery);
  const actorFailed = (name: string) => (err: Error) =>
    board.setWarnings(`actor:${name}`, [{ code: 'ACTOR_FAILED', message: `${name} stopped after repeated crashes: ${err.message}` }]);
  const housekeeper = spawnSupervised(system, housekeeperActor({ probe, board, config: () => store.current }), log,
    { onGiveUp: actorFailed('housekeeper') });
  const retention = new Retention({ config: () => store.current, board, disk: (dir) => probe.disk(dir), log: log.child({ actor: 'retention' }) }).start();
  let tone: Promise<TonePlayer> | null = null;
  const playTone = (): Promise<TonePlayer> => (tone ??= createTonePlayer(runner));

  // --- Rig time (issue 10) ---------------------------------------------------------------
  // One wall clock per node, shared by every connection's clock channel (which timestamps the
  // samples) and the Sync actor (which ages them). The RigClock is the synchronous view of rig
  // time the start path reads; the Sync actor is its only writer, and exists only on a node
  // that is part of a rig (alone, the RigClock stays this node's own clock, known = false).
  const wall = createWallClock();
  const rigClock = createRigClock(wall.now);
  const networked = store.current.rig.secret !== null;
  const sync = networked
    ? spawnSupervised(system, syncActor({ board, config: () => store.current, now: wall.now, chrony: createChronyReader(), rigClock }), log,
      { onGiveUp: actorFailed('sync') })
    : null;
  const syncRef: Ref<SyncMsg> | null = sync?.ref ?? null;
  const clockSync = syncRef ? { now: wall.now, send: (m: SyncMsg) => dispatch(syncRef, m) } : null;
  // ----------------------------------------------------------------------------------------

  const rec = spawnSupervised(system, recorder({
    board, config: () => store.current, housekeeper: housekeeper.ref, runner,
    encoders: opts.encoders ?? ffmpegEncoderList(runner), log: log.child({ actor: 'recorder' }),
    tone: playTone, rigClock,
    ...(opts.session ? { session: opts.session } : {}),
  }), log, { onGiveUp: actorFailed('recorder') });
  const membership = new RigMembership({
    config: store.current, board, recorder: rec.ref, log, rigClock, tone: playTone,
    ...(clockSync ? { clockSync } : {}),
    ...(opts.rigTimings ? { store: opts.rigTimings } : {}),
  });
  // While the rig layer restarts, start-all on this node is refused (RIG_UNAVAILABLE): its card says why until it is open again.
  const peerActor = spawnSupervised(system, peer(membership), log, {
    onGiveUp: actorFailed('peer'), maxDelayMs: 30_000, maxRestarts: 20, windowMs: 600_000,
    onRestart: (n, err) => board.setWarnings('actor:peer', [{ code: 'RIG_RESTARTING', message: `the rig layer is restarting after a failure (restart ${n}): ${err.message}` }]),
  });
  membership.on('opened', () => board.setWarnings('actor:peer', []));
  const actors = { housekeeper, recorder: rec, peer: peerActor, ...(sync ? { sync } : {}) };
  for (const [name, a] of Object.entries(actors)) d.metrics.registerActor(name, () => ({ restarts: a.restarts, failed: a.failed }));
  return { system, actors, rig: rigApi(peerActor.ref, membership, { peerFailed: () => peerActor.failed, log }), retention };
}

/**
 * Actors stop in dependency order: the recorder first (a recording is stopped through its
 * mailbox, so it finalises the file and the status says idle: the node's last words), then the
 * peer, which publishes those and waits until the rig holds them before it leaves, then the
 * housekeeper the recorder used.
 */
const STOP_ORDER = ['recorder', 'peer', 'sync', 'housekeeper'];

export async function stopActors(r: RunningActors, board: StatusBoard): Promise<void> {
  const rec = r.actors.recorder;
  const { state } = board.snapshot();
  if (rec && !rec.failed && (state === 'armed' || state === 'recording')) {
    const stopRef: Ref<RecorderMsg> = rec.ref;
    await query(stopRef, (replyTo: Ref<StopReply>) => ({ type: 'stop' as const, reason: 'node stopping', replyTo }), 30_000)
      .catch(() => undefined); // the actor's own cleanup still finalises the file
  }
  await r.retention.stop(); // no deletion while the recorder finalises
  const names = [...STOP_ORDER, ...Object.keys(r.actors).filter((n) => !STOP_ORDER.includes(n))];
  for (const name of names) await r.actors[name]?.stop();
  stopSystem(r.system);
}

