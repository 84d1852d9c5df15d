import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { loadConfigFile, saveConfigFile } from './config/file.js';
import { ConfigStore, type Overrides } from './config/store.js';
import { formatProblems, type Problem } from './config/validate.js';
import type { Config } from './config/schema.js';
import type { LoadResult } from './config/file.js';
import { LogSink, createLogger, type Logger } from './logging.js';
import { StatusBoard, type NodeStatus } from './status.js';
import { Metrics } from './metrics.js';
import { createNotifier, type Notifier } from './sd-notify.js';
import { RigError } from './errors.js';
import { softwareVersion } from './version.js';
import { buildApp } from '../http/app.js';
import type { SystemProbe } from './system-probe.js';
import type { SpawnedActor } from './actor.js';
import type { RecorderDeps } from '../actors/recorder/actor.js';
import type { EncoderList } from '../actors/recorder/encoders.js';
import type { RigMembershipDeps } from '../actors/rig/membership.js';
import type { RigApi } from '../actors/rig/rig-api.js';
import type { Retention } from '../actors/housekeeper/retention-run.js';
import { startActors, stopActors } from './node-actors.js';
import { startUpdater } from './node-updater.js';
import { rigNotes } from './node-notes.js';
import { startField } from './node-field.js';
import { execaRunner, type ProcessRunner } from '../actors/recorder/runner.js';
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
  /** Deletes confirmed recordings by the retention rules; emits 'deleted' {file, bytes, reason}. */
  retention: Retention;
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
  const notes = rigNotes({ rig: running.rig, cameraId: cfg.camera.id, log });
  notes.followDeletions(running.retention);
  const field = startField({ store, board, log, runner, onTransition: (t) => notes.network(t.from, t.to, t.reason) });

  // Filled in below: the HTTP shutdown route and the Updater's restart need the node's own stop.
  let requestShutdown: (reason: string) => void = () => undefined;
  let requestRestart: (reason: string) => void = () => undefined;
  let listening = () => false;
  const updater = startUpdater({
    system: running.system, store, board, log, rig: running.rig,
    restart: (why) => requestRestart(why),
    healthy: async () => listening() && Object.values(running.actors).every((a) => !a.failed),
    onGiveUp: (err) => board.setWarnings('actor:updater', [{ code: 'ACTOR_FAILED', message: `updater stopped after repeated crashes: ${err.message}` }]),
  });
  running.actors.updater = updater.actor;
  metrics.registerActor('updater', () => ({ restarts: updater.actor.restarts, failed: updater.actor.failed }));
  const app = await buildApp({
    board, config: store, logs: logs.sink, log, metrics, recorder: running.actors.recorder.ref, rig: running.rig,
    update: updater.routes, retention: running.retention,
    shutdown: (reason) => requestShutdown(reason),
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.ownHosts ? { ownHosts: opts.ownHosts } : {}),
  });
  const teardown = async (): Promise<void> => {
    field.stop();
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

  listening = () => app.server.listening;
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
  // The new version is in `current`: this process ends, and systemd (Restart=always) starts it.
  requestRestart = (reason) => { void shutdown(reason, false); };
  return {
    config: store, board, app, log, url, actors: running.actors, rig: running.rig, retention: running.retention, closed,
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

/**
 * Config edits reach the logs and the status at once; the video settings only while no recording
 * runs: a running one keeps what it started with (the status says what is being recorded), and
 * the new settings show as soon as it has ended.
 */
function followConfig(store: ConfigStore, board: StatusBoard, sink: LogSink): void {
  const busy = (state: string) => state === 'recording' || state === 'armed' || state === 'stopping';
  store.on('change', (after: Config) => {
    void sink.setMode(after.mode, after.logging.dir);
    board.patch({ mode: after.mode, cameraPosition: after.camera.position, ...(busy(board.snapshot().state) ? {} : { video: videoOf(after) }) });
    if (board.snapshot().live.state !== 'on') board.patch({ live: { state: after.live.enabled ? 'off' : 'disabled', reason: null, url: null } });
  });
  board.on('change', (s: NodeStatus) => {
    const next = videoOf(store.current);
    if (!busy(s.state) && JSON.stringify(s.video) !== JSON.stringify(next)) board.patch({ video: next });
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
