import { mkdir } from 'node:fs/promises';
import { query, start as startSystem, stop as stopSystem, type Ref } from 'nact';
import type { FastifyInstance } from 'fastify';
import { loadConfigFile, saveConfigFile } from './config/file.js';
import { ConfigStore, type Overrides } from './config/store.js';
import { formatProblems, type Problem } from './config/validate.js';
import type { Config } from './config/schema.js';
import type { LoadResult } from './config/file.js';
import { LogSink, createLogger, type Logger } from './logging.js';
import { StatusBoard } from './status.js';
import { Metrics } from './metrics.js';
import { createNotifier, type Notifier } from './sd-notify.js';
import { createSystemProbe, type SystemProbe } from './system-probe.js';
import { spawnSupervised, type SpawnedActor } from './actor.js';
import { RigError } from './errors.js';
import { softwareVersion } from './version.js';
import { buildApp } from '../http/app.js';
import { housekeeper as housekeeperActor } from '../actors/housekeeper.js';
import { recorder, type RecorderDeps, type RecorderMsg, type StopReply } from '../actors/recorder/actor.js';
import { execaRunner, type ProcessRunner } from '../actors/recorder/runner.js';
import { ffmpegEncoderList, type EncoderList } from '../actors/recorder/encoders.js';
import { createTonePlayer, type TonePlayer } from '../actors/recorder/tone.js';
import { RigMembership, type RigMembershipDeps } from '../actors/rig/membership.js';
import { rigApi, type RigApi } from '../actors/rig/rig-api.js';
import { peer } from '../actors/peer.js';
import { powerOff, rememberPowerOffFailure, takePowerOffFailure } from './power.js';

export interface NodeOptions {
  configPath: string;
  overrides?: Overrides;
  /** Seams for tests; production uses the real ones. */
  probe?: SystemProbe;
  notifier?: Notifier;
  heartbeatMs?: number;
  ownHosts?: () => string[];
  runner?: ProcessRunner;
  encoders?: EncoderList;
  session?: RecorderDeps['session'];
  rigTimings?: RigMembershipDeps['store'];
}

export interface RunningNode {
  config: ConfigStore;
  board: StatusBoard;
  app: FastifyInstance;
  log: Logger;
  url: string;
  actors: Record<string, SpawnedActor<any>>;
  rig: RigApi;
  /** Resolves (with the reason) once the node has stopped, however that was asked for (a power-off included). */
  closed: Promise<string>;
  /** What the process should exit with once closed: 1 when the machine was to power off and did not. */
  readonly exitCode: number;
  stop(reason?: string): Promise<void>;
}

export class ConfigError extends RigError {
  constructor(readonly problems: Problem[], path: string) {
    super('CONFIG_INVALID', `invalid config ${path}:\n${formatProblems(problems)}`);
  }
}

/**
 * Boots one node in four steps: config, logs, actors, HTTP. The order is chosen so that when
 * /status first answers, everything behind it is up; teardown() undoes it (HTTP first so no
 * new command arrives while actors end), for stop() and for a failed listen alike.
 */
export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const { loaded, store } = await config(opts);
  const cfg = store.current;
  const logs = await openLogs(cfg, loaded, opts.configPath);
  const { log } = logs;
  const board = new StatusBoard(initialStatus(cfg));
  const metrics = new Metrics(board);
  const powerFailure = await takePowerOffFailure(cfg.storage.dataDir);
  if (powerFailure) board.setWarnings('power', [powerFailure]);
  const runner = opts.runner ?? execaRunner;
  const running = startActors(opts, { store, board, metrics, log, runner });
  followConfig(store, board, logs.sink);

  // Filled in below: the HTTP shutdown route needs the node's own stop.
  let requestShutdown: (reason: string) => void = () => undefined;
  const app = await buildApp({
    board, config: store, logs: logs.sink, log, metrics, recorder: running.actors.recorder.ref, rig: running.rig,
    shutdown: (reason) => requestShutdown(reason),
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.ownHosts ? { ownHosts: opts.ownHosts } : {}),
  });
  const teardown = async (): Promise<void> => {
    await app.close();
    await stopActors(running, board);
    metrics.close();
  };
  let url: string;
  try {
    url = await listen(app, cfg);
  } catch (err) {
    await teardown();
    await logs.sink.close();
    throw err;
  }

  const notifier = opts.notifier ?? createNotifier();
  await notifier.ready();
  const stopWatchdog = notifier.startWatchdog();
  log.info({ url, version: softwareVersion, mode: cfg.mode }, 'node ready');

  let stopping: Promise<void> | null = null;
  let exitCode = 0;
  let markClosed: (reason: string) => void = () => undefined;
  const closed = new Promise<string>((resolve) => { markClosed = resolve; });
  /** The one way down: stop the node, then (when asked and configured) power the machine off, then close the logs. */
  const shutdown = (reason: string, power: boolean): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'node stopping');
      await notifier.stopping();
      stopWatchdog();
      await teardown();
      const command = store.current.power.shutdownCommand;
      if (power && command) {
        // The node (and its recording) has stopped cleanly; now the machine may go down.
        const outcome = await powerOff(command, runner);
        if (!outcome.ok) {
          exitCode = 1;
          board.setWarnings('power', [{ code: outcome.code, message: outcome.message }]);
          log.error({ code: outcome.code }, `${outcome.message}; exiting non-zero so the service restarts`);
          await rememberPowerOffFailure(store.current.storage.dataDir, outcome, Date.now());
        }
      }
      await logs.sink.close();
      markClosed(reason);
    })();
    return stopping;
  };
  requestShutdown = (reason) => { void shutdown(reason, true); };
  return {
    config: store, board, app, log, url, actors: running.actors, rig: running.rig, closed,
    get exitCode() { return exitCode; },
    stop: (reason = 'stop requested') => shutdown(reason, false),
  };
}

/** Step 1: the config file, migrated and validated, with the command line's overrides. */
async function config(opts: NodeOptions): Promise<{ loaded: Extract<LoadResult, { ok: true }>; store: ConfigStore }> {
  const loaded = await loadConfigFile(opts.configPath);
  if (!loaded.ok) throw new ConfigError(loaded.problems, opts.configPath);
  const store = new ConfigStore(loaded.config, { save: (c) => saveConfigFile(opts.configPath, c) }, opts.overrides);
  return { loaded, store };
}

/** Step 2: logs, and what the config step has to say in them; the data directory exists after it. */
async function openLogs(cfg: Config, loaded: Extract<LoadResult, { ok: true }>, configPath: string): Promise<{ sink: LogSink; log: Logger }> {
  const sink = new LogSink(cfg.mode, cfg.logging.dir, `soccer-rig-${cfg.camera.id}`);
  const log = createLogger(sink, { camera: cfg.camera.id });
  for (const n of loaded.notices) log.warn({ code: 'CONFIG_ADJUSTED' }, n);
  if (loaded.migratedFrom !== null) {
    // Persist the migration so the file on disk says what the node runs (the old one is kept as .bak).
    await saveConfigFile(configPath, loaded.config);
    log.warn({ code: 'CONFIG_MIGRATED' }, `config migrated from version ${loaded.migratedFrom}; previous file kept as ${configPath}.bak`);
  }
  await mkdir(cfg.storage.dataDir, { recursive: true }).catch((err: Error) => {
    log.error({ code: 'DATA_DIR_UNAVAILABLE', err }, `cannot create data directory ${cfg.storage.dataDir}`);
  });
  return { sink, log };
}

interface RunningActors {
  system: Ref<any>;
  actors: { recorder: SpawnedActor<RecorderMsg> } & Record<string, SpawnedActor<any>>;
  rig: RigApi;
}

/** Step 3: the supervised actors, each after the ones it depends on. */
function startActors(opts: NodeOptions, d: { store: ConfigStore; board: StatusBoard; metrics: Metrics; log: Logger; runner: ProcessRunner }): RunningActors {
  const { store, board, log, runner } = d;
  const system = startSystem();
  const probe = opts.probe ?? createSystemProbe(store.current.battery);
  const actorFailed = (name: string) => (err: Error) =>
    board.setWarnings(`actor:${name}`, [{ code: 'ACTOR_FAILED', message: `${name} stopped after repeated crashes: ${err.message}` }]);
  const housekeeper = spawnSupervised(system, housekeeperActor({ probe, board, config: () => store.current }), log,
    { onGiveUp: actorFailed('housekeeper') });
  let tone: Promise<TonePlayer> | null = null;
  const rec = spawnSupervised(system, recorder({
    board, config: () => store.current, housekeeper: housekeeper.ref, runner,
    encoders: opts.encoders ?? ffmpegEncoderList(runner), log: log.child({ actor: 'recorder' }),
    tone: () => (tone ??= createTonePlayer(runner)),
    ...(opts.session ? { session: opts.session } : {}),
  }), log, { onGiveUp: actorFailed('recorder') });
  const membership = new RigMembership({
    config: store.current, board, recorder: rec.ref, log,
    ...(opts.rigTimings ? { store: opts.rigTimings } : {}),
  });
  const peerActor = spawnSupervised(system, peer(membership), log, { onGiveUp: actorFailed('peer'), maxDelayMs: 30_000, maxRestarts: 20, windowMs: 600_000 });
  const actors = { housekeeper, recorder: rec, peer: peerActor };
  for (const [name, a] of Object.entries(actors)) d.metrics.registerActor(name, () => ({ restarts: a.restarts, failed: a.failed }));
  return { system, actors, rig: rigApi(peerActor.ref, membership) };
}

/**
 * Actors stop in dependency order: the recorder first (a recording is stopped through its
 * mailbox, so it finalises the file and the status says idle: the node's last words), then the
 * peer, which publishes those and waits until the rig holds them before it leaves, then the
 * housekeeper the recorder used.
 */
const STOP_ORDER = ['recorder', 'peer', 'housekeeper'];

async function stopActors(r: RunningActors, board: StatusBoard): Promise<void> {
  const rec = r.actors.recorder;
  const { state } = board.snapshot();
  if (rec && !rec.failed && (state === 'armed' || state === 'recording')) {
    const stopRef: Ref<RecorderMsg> = rec.ref;
    await query(stopRef, (replyTo: Ref<StopReply>) => ({ type: 'stop' as const, reason: 'node stopping', replyTo }), 30_000)
      .catch(() => undefined); // the actor's own cleanup still finalises the file
  }
  const names = [...STOP_ORDER, ...Object.keys(r.actors).filter((n) => !STOP_ORDER.includes(n))];
  for (const name of names) await r.actors[name]?.stop();
  stopSystem(r.system);
}

/** Config edits reach the logs and the status at once. */
function followConfig(store: ConfigStore, board: StatusBoard, sink: LogSink): void {
  store.on('change', (after: Config) => {
    void sink.setMode(after.mode, after.logging.dir);
    board.patch({ mode: after.mode, video: videoOf(after), cameraPosition: after.camera.position });
    if (board.snapshot().live.state !== 'on') board.patch({ live: { state: after.live.enabled ? 'off' : 'disabled', reason: null, url: null } });
  });
}

/** Step 4: HTTP; resolves with the node's own URL. */
async function listen(app: FastifyInstance, cfg: Config): Promise<string> {
  try {
    await app.listen({ host: cfg.http.host, port: cfg.http.port });
  } catch (err) {
    throw new RigError('HTTP_LISTEN_FAILED', `cannot listen on ${cfg.http.host}:${cfg.http.port}: ${(err as Error).message}`, { cause: err });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
  return `http://${cfg.http.host === '0.0.0.0' ? '127.0.0.1' : cfg.http.host}:${port}`;
}

function videoOf(c: Config) {
  return { width: c.video.width, height: c.video.height, fps: c.video.fps, codec: c.video.codec, bitrateMbps: c.video.bitrateMbps };
}

function initialStatus(c: Config) {
  return {
    cameraId: c.camera.id,
    cameraPosition: c.camera.position,
    state: 'idle' as const,
    sessionId: null,
    mode: c.mode,
    video: videoOf(c),
    encoder: { fps: null, droppedFrames: null, speed: null, keepingUp: null },
    recording: { startedAt: null, firstFrameAt: null, file: null, error: null },
    storage: { freeBytes: null, totalBytes: null, minutesLeft: null },
    batteryPercent: null,
    temperatureC: null,
    cpu: { loadPercent: null },
    sync: { offsetMs: null, confidence: null, source: null },
    network: { mode: 'unknown' as const },
    live: { state: c.live.enabled ? 'off' as const : 'disabled' as const, reason: null, url: null },
    version: softwareVersion,
  };
}
