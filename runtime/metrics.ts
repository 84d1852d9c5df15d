import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { StatusBoard } from './status.js';

export interface ActorHealth { restarts: number; failed: boolean }

/**
 * Process and node counters for /api/v1/metrics (JSON) and /metrics (Prometheus).
 * Counters live here so that HTTP hooks and actors only increment, never format.
 */
export class Metrics {
  readonly http = { requests: 0, clientErrors: 0, serverErrors: 0 };
  sseClients = 0;
  readonly #loop: IntervalHistogram;
  /** A second histogram reset every WINDOW_MS, so a reading says "lately", not "since boot". */
  readonly #window: IntervalHistogram;
  #lastWindow: { p50: number; p99: number; max: number; endedAt: number } | null = null;
  readonly #rotate: NodeJS.Timeout;
  readonly #actors = new Map<string, () => ActorHealth>();

  constructor(private readonly board: StatusBoard, windowMs = WINDOW_MS) {
    // Node 20 records each sample as the time between timer firings, so the
    // resolution itself is in every value; it is subtracted in ns2ms below.
    this.#loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#loop.enable();
    this.#window = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.#window.enable();
    this.#rotate = setInterval(() => {
      const h = this.#window;
      this.#lastWindow = { p50: ns2ms(h.percentile(50)), p99: ns2ms(h.percentile(99)), max: ns2ms(h.max), endedAt: Date.now() };
      h.reset();
    }, windowMs);
    this.#rotate.unref();
  }

  registerActor(name: string, health: () => ActorHealth): void {
    this.#actors.set(name, health);
  }

  snapshot() {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const s = this.board.snapshot();
    const actors: Record<string, ActorHealth> = {};
    for (const [name, h] of this.#actors) actors[name] = h();
    return {
      uptimeS: Math.round(process.uptime()),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      cpu: { userUs: cpu.user, systemUs: cpu.system },
      eventLoopDelayMs: {
        p50: ns2ms(this.#loop.percentile(50)), p99: ns2ms(this.#loop.percentile(99)), max: ns2ms(this.#loop.max),
        /** The last completed 10-s window; null during the first 10 s. */
        lastWindow: this.#lastWindow,
      },
      http: { ...this.http, sseClients: this.sseClients },
      actors,
      node: {
        state: s.state,
        recording: s.state === 'recording' ? 1 : 0,
        freeBytes: s.storage.freeBytes,
        minutesLeft: s.storage.minutesLeft,
        temperatureC: s.temperatureC,
        batteryPercent: s.batteryPercent,
        encoderFps: s.encoder.fps,
        droppedFrames: s.encoder.droppedFrames,
        warnings: s.warnings.length,
      },
    };
  }

  /** Prometheus text exposition format 0.0.4. Unknown values are omitted, not exported as 0. */
  prometheus(cameraId: string): string {
    const m = this.snapshot();
    const lines: string[] = [];
    const label = `camera="${cameraId}"`;
    const gauge = (name: string, help: string, value: number | null, type = 'gauge', extra = ''): void => {
      lines.push(`# HELP soccer_rig_${name} ${help}`, `# TYPE soccer_rig_${name} ${type}`);
      if (value !== null && Number.isFinite(value)) lines.push(`soccer_rig_${name}{${label}${extra}} ${value}`);
    };
    gauge('up', 'The node is running', 1);
    gauge('uptime_seconds', 'Seconds since the node process started', m.uptimeS);
    gauge('resident_memory_bytes', 'Resident set size of the node process', m.memory.rssBytes);
    gauge('cpu_seconds_total', 'CPU time used by the node process', (m.cpu.userUs + m.cpu.systemUs) / 1e6, 'counter');
    gauge('event_loop_delay_p99_seconds', 'Event-loop delay, 99th percentile', m.eventLoopDelayMs.p99 / 1000);
    gauge('http_requests_total', 'HTTP requests answered', m.http.requests, 'counter');
    gauge('http_client_errors_total', 'HTTP requests answered with a 4xx', m.http.clientErrors, 'counter');
    gauge('http_server_errors_total', 'HTTP requests answered with a 5xx', m.http.serverErrors, 'counter');
    gauge('sse_clients', 'Open /events streams', m.http.sseClients);
    gauge('recording', '1 while recording', m.node.recording);
    gauge('storage_free_bytes', 'Free bytes in the data directory', m.node.freeBytes);
    gauge('storage_minutes_left', 'Minutes of recording left at the configured bitrate', m.node.minutesLeft);
    gauge('temperature_celsius', 'CPU temperature', m.node.temperatureC);
    gauge('battery_percent', 'Battery level', m.node.batteryPercent);
    gauge('encoder_fps', 'Measured encode rate', m.node.encoderFps);
    gauge('dropped_frames', 'Frames dropped in the current recording', m.node.droppedFrames);
    gauge('warnings', 'Active warnings', m.node.warnings);
    lines.push('# HELP soccer_rig_actor_restarts_total Supervised restarts per actor', '# TYPE soccer_rig_actor_restarts_total counter');
    for (const [name, h] of Object.entries(m.actors)) lines.push(`soccer_rig_actor_restarts_total{${label},actor="${name}"} ${h.restarts}`);
    return `${lines.join('\n')}\n`;
  }

  close(): void {
    clearInterval(this.#rotate);
    this.#loop.disable();
    this.#window.disable();
  }
}

const LOOP_RESOLUTION_MS = 10;
const WINDOW_MS = 10_000;

/** A histogram value in ns → the delay beyond the sampling interval, in ms (2 decimals). */
function ns2ms(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - LOOP_RESOLUTION_MS) : 0;
}
