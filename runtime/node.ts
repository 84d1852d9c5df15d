import { mkdir } from 'node:fs/promises';
import { start as startSystem, stop as stopSystem } from 'nact';
import type { FastifyInstance } from 'fastify';
import { loadConfigFile, saveConfigFile } from './config/file.js';
import { ConfigStore, type Overrides } from './config/store.js';
import { formatProblems, type Problem } from './config/validate.js';
import type { Config } from './config/schema.js';
import { LogSink, createLogger, type Logger } from './logging.js';
import { StatusBoard } from './status.js';
import { Metrics } from './metrics.js';
import { createNotifier, type Notifier } from './sd-notify.js';
import { createSystemProbe, type SystemProbe } from './system-probe.js';
import { spawnSupervised, type SpawnedActor } from './actor.js';
import { RigError } from './errors.js';
import { softwareVersion } from './version.js';
import { buildApp } from '../http/app.js';
import { housekeeper } from '../actors/housekeeper.js';
import { Retention } from '../actors/housekeeper/retention-run.js';
import { recorder, type RecorderDeps } from '../actors/recorder/actor.js';
import { execaRunner, type ProcessRunner } from '../actors/recorder/runner.js';
import { ffmpegEncoderList, type EncoderList } from '../actors/recorder/encoders.js';
import { createTonePlayer, type TonePlayer } from '../actors/recorder/tone.js';
import { RigNode, type RigNodeDeps } from '../actors/rig/rig-node.js';
import { peer } from '../actors/peer.js';

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
  rigTimings?: RigNodeDeps['store'];
}

export interface RunningNode {
  config: ConfigStore;
  board: StatusBoard;
  app: FastifyInstance;
  log: Logger;
  url: string;
  actors: Record<string, SpawnedActor<any>>;
  rig: RigNode;
  /** Deletes confirmed recordings by the retention rules; emits 'deleted' {file, bytes, reason}. */
  retention: Retention;
  /** Resolves (with the reason) once the node has stopped, however that was asked for. */
  closed: Promise<string>;
  stop(reason?: string): Promise<void>;
}

export class ConfigError extends RigError {
  constructor(readonly problems: Problem[], path: string) {
    super('CONFIG_INVALID', `invalid config ${path}:\n${formatProblems(problems)}`);
  }
}

/**
 * Boots one node: config, logs, status, the supervised actors, then HTTP. The
 * order is chosen so that when /status first answers, everything behind it is
 * up; stop() reverses it (HTTP first so no new command arrives while actors end).
 */
export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const loaded = await loadConfigFile(opts.configPath);
  if (!loaded.ok) throw new ConfigError(loaded.problems, opts.configPath);
  const fileConfig = loaded.config;
  const store = new ConfigStore(fileConfig, { save: (c) => saveConfigFile(opts.configPath, c) }, opts.overrides);
  const cfg = store.current;

  const sink = new LogSink(cfg.mode, cfg.logging.dir, `soccer-rig-${cfg.camera.id}`);
  const log = createLogger(sink, { camera: cfg.camera.id });
  for (const n of loaded.notices) log.warn({ code: 'CONFIG_ADJUSTED' }, n);
  if (loaded.migratedFrom !== null) {
    // Persist the migration so the file on disk says what the node runs (the old one is kept as .bak).
    await saveConfigFile(opts.configPath, fileConfig);
    log.warn({ code: 'CONFIG_MIGRATED' }, `config migrated from version ${loaded.migratedFrom}; previous file kept as ${opts.configPath}.bak`);
  }
  await mkdir(cfg.storage.dataDir, { recursive: true }).catch((err: Error) => {
    log.error({ code: 'DATA_DIR_UNAVAILABLE', err }, `cannot create data directory ${cfg.storage.dataDir}`);
  });

  const board = new StatusBoard(initialStatus(cfg));
  const metrics = new Metrics(board);
  const system = startSystem();
  const probe = opts.probe ?? createSystemProbe(cfg.battery);
  const actorFailed = (name: string) => (err: Error) =>
    board.setWarnings(`actor:${name}`, [{ code: 'ACTOR_FAILED', message: `${name} stopped after repeated crashes: ${err.message}` }]);

  const actors: Record<string, SpawnedActor<any>> = {};
  actors.housekeeper = spawnSupervised(system, housekeeper({ probe, board, config: () => store.current }), log,
    { onGiveUp: actorFailed('housekeeper') });
  const retention = new Retention({ config: () => store.current, board, disk: (d) => probe.disk(d), log: log.child({ actor: 'retention' }) }).start();
  const runner = opts.runner ?? execaRunner;
  let tone: Promise<TonePlayer> | null = null;
  actors.recorder = spawnSupervised(system, recorder({
    board, config: () => store.current, housekeeper: actors.housekeeper.ref, runner,
    encoders: opts.encoders ?? ffmpegEncoderList(runner), log: log.child({ actor: 'recorder' }),
    tone: () => (tone ??= createTonePlayer(runner)),
    ...(opts.session ? { session: opts.session } : {}),
  }), log, { onGiveUp: actorFailed('recorder') });
  const rig = new RigNode({
    config: cfg, board, recorder: actors.recorder.ref, log,
    ...(opts.rigTimings ? { store: opts.rigTimings } : {}),
  });
  actors.peer = spawnSupervised(system, peer(rig), log, { onGiveUp: actorFailed('peer'), maxDelayMs: 30_000, maxRestarts: 20, windowMs: 600_000 });
  for (const [name, a] of Object.entries(actors)) metrics.registerActor(name, () => ({ restarts: a.restarts, failed: a.failed }));

  store.on('change', (after: Config) => {
    void sink.setMode(after.mode, after.logging.dir);
    board.patch({ mode: after.mode, video: videoOf(after), cameraPosition: after.camera.position });
    if (board.snapshot().live.state !== 'on') board.patch({ live: { state: after.live.enabled ? 'off' : 'disabled', reason: null, url: null } });
  });

  // Filled in below: the HTTP shutdown route needs the node's own stop.
  let requestShutdown: (reason: string) => void = () => undefined;
  const app = await buildApp({
    board, config: store, logs: sink, log, metrics, recorder: actors.recorder.ref, rig,
    shutdown: (reason) => requestShutdown(reason),
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.ownHosts ? { ownHosts: opts.ownHosts } : {}),
  });
  try {
    await app.listen({ host: cfg.http.host, port: cfg.http.port });
  } catch (err) {
    await retention.stop();
    await Promise.all(Object.values(actors).map((a) => a.stop()));
    stopSystem(system);
    metrics.close();
    throw new RigError('HTTP_LISTEN_FAILED', `cannot listen on ${cfg.http.host}:${cfg.http.port}: ${(err as Error).message}`, { cause: err });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
  const url = `http://${cfg.http.host === '0.0.0.0' ? '127.0.0.1' : cfg.http.host}:${port}`;

  const notifier = opts.notifier ?? createNotifier();
  await notifier.ready();
  const stopWatchdog = notifier.startWatchdog();
  log.info({ url, version: softwareVersion, mode: cfg.mode }, 'node ready');

  let stopping: Promise<void> | null = null;
  let markClosed: (reason: string) => void = () => undefined;
  const closed = new Promise<string>((resolve) => { markClosed = resolve; });
  const node: RunningNode = {
    config: store, board, app, log, url, actors, rig, retention, closed,
    stop(reason = 'stop requested') {
      stopping ??= (async () => {
        log.info({ reason }, 'node stopping');
        await notifier.stopping();
        stopWatchdog();
        await app.close();
        await retention.stop();
        // Actors stop in reverse start order: the recorder (when present) finalises its file first.
        for (const a of Object.values(actors).reverse()) await a.stop();
        stopSystem(system);
        metrics.close();
        await sink.close();
        markClosed(reason);
      })();
      return stopping;
    },
  };
  requestShutdown = (reason) => {
    const command = store.current.power.shutdownCommand;
    void node.stop(reason).then(async () => {
      if (!command) return;
      // The node (and its recording) has stopped cleanly; now the machine may go down.
      const { execa } = await import('execa');
      const [file, ...args] = command as [string, ...string[]];
      await execa(file, args, { reject: false, timeout: 30_000 }).then((r) => {
        if (r.exitCode !== 0) process.stderr.write(`soccer-rig: shutdown command failed (${r.exitCode}): ${r.stderr}\n`);
      });
    });
  };
  return node;
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
