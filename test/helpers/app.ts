import type { ExecutionContext } from 'ava';
import type { FastifyInstance } from 'fastify';
import { writeTestConfig } from './config.js';
import { tempDir } from './tmp.js';
import { loadConfigFile, saveConfigFile } from '../../runtime/config/file.js';
import { ConfigStore } from '../../runtime/config/store.js';
import { LogSink, createLogger } from '../../runtime/logging.js';
import { StatusBoard, type NodeStatus } from '../../runtime/status.js';
import { Metrics } from '../../runtime/metrics.js';
import { buildApp } from '../../http/app.js';
import type { AppDeps } from '../../http/deps.js';

export interface TestApp { app: FastifyInstance; deps: AppDeps; dir: string; configPath: string }

export function blankStatus(): Omit<NodeStatus, 'warnings' | 'uptimeS' | 'updatedAt'> {
  return {
    cameraId: 'CAM_L', cameraPosition: 'left', state: 'idle', sessionId: null, mode: 'production',
    video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 },
    encoder: { fps: null, droppedFrames: null, speed: null, keepingUp: null },
    recording: { startedAt: null, firstFrameAt: null, file: null, error: null },
    storage: { freeBytes: null, totalBytes: null, minutesLeft: null },
    batteryPercent: null, temperatureC: null, cpu: { loadPercent: null },
    sync: { offsetMs: null, confidence: null, source: null }, network: { mode: 'unknown' }, version: 'test',
    live: { state: 'disabled', reason: null, url: null },
  };
}

/** The real app over a real config file in a temp dir; no network listener. */
export async function testApp(t: ExecutionContext, overrides: Record<string, unknown> = {}, extra: Partial<AppDeps> = {}): Promise<TestApp> {
  const dir = await tempDir(t);
  const configPath = await writeTestConfig(dir, overrides);
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const config = new ConfigStore(loaded.config, { save: (c) => saveConfigFile(configPath, c) });
  const logs = new LogSink(loaded.config.mode, loaded.config.logging.dir, 'test', { stdout: () => undefined, stderr: () => undefined });
  const board = new StatusBoard(blankStatus());
  const metrics = new Metrics(board);
  const deps: AppDeps = {
    board, config, logs, log: createLogger(logs), metrics, ownHosts: () => ['localhost', '127.0.0.1', 'cam-l.local'], ...extra,
  };
  const app = await buildApp(deps);
  t.teardown(async () => {
    await app.close();
    metrics.close();
    await logs.close();
  });
  return { app, deps, dir, configPath };
}
