import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { ChronyStatusSchema, SyncPeerSchema } from './chrony/schema.js';

/**
 * NodeStatus: what every node says about itself (GET /status, /events, and the
 * snapshots replicated to the rig). A value nobody has measured is null, never a
 * plausible-looking guess.
 */
export const Warning = z.object({
  code: z.string().describe('Stable machine-readable code, e.g. DISK_LOW'),
  message: z.string().describe('What is wrong, for the operator'),
});
export type Warning = z.infer<typeof Warning>;

export const NodeState = z.enum(['idle', 'armed', 'recording', 'stopping', 'error']);
export type NodeState = z.infer<typeof NodeState>;

export const UpdateStatus = z.object({
  state: z.enum(['idle', 'checking', 'queued', 'downloading', 'verifying', 'installing', 'restarting', 'trial', 'failed']),
  progress: z.number().nullable().describe('Download progress 0..1, null when unknown or not downloading'),
  latest: z.string().nullable().describe('Newest published version seen by the last check'),
  current: z.string(),
});
export type UpdateStatus = z.infer<typeof UpdateStatus>;

export const NodeStatusSchema = z.object({
  cameraId: z.string(),
  cameraPosition: z.string(),
  state: NodeState,
  sessionId: z.string().nullable(),
  mode: z.enum(['production', 'development']),
  video: z.object({
    width: z.number(), height: z.number(), fps: z.number(), codec: z.string(), bitrateMbps: z.number(),
  }),
  encoder: z.object({
    fps: z.number().nullable(), droppedFrames: z.number().nullable(), speed: z.number().nullable(),
    keepingUp: z.boolean().nullable().describe('Whether the encoder sustains the target frame rate'),
  }),
  recording: z.object({
    startedAt: z.number().nullable(), firstFrameAt: z.number().nullable(), file: z.string().nullable(),
    error: Warning.nullable().describe('Why the last recording stopped abnormally, with the encoder\'s own message'),
  }),
  storage: z.object({
    freeBytes: z.number().nullable(), totalBytes: z.number().nullable(), minutesLeft: z.number().nullable(),
  }),
  batteryPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  cpu: z.object({ loadPercent: z.number().nullable() }),
  sync: z.object({
    offsetMs: z.number().nullable(), confidence: z.enum(['high', 'medium', 'low', 'none']).nullable(), source: z.string().nullable(),
    errorMs: z.number().nullable().optional().describe('Bound on the error of offsetMs'),
    peers: z.record(z.string(), SyncPeerSchema).optional().describe('Measured clock offsets to the other nodes, by camera id'),
    chrony: ChronyStatusSchema.nullable().optional(),
  }),
  network: z.object({ mode: z.enum(['mesh', 'ap', 'unknown']) }),
  live: z.object({
    state: z.enum(['disabled', 'off', 'on']).describe('Grandma Mode live stream'),
    reason: z.string().nullable().describe('Why it is off (e.g. CPU load too high)'),
    url: z.string().nullable().describe('HLS playlist while on'),
  }),
  warnings: z.array(Warning),
  version: z.string(),
  update: UpdateStatus.optional().describe('The Updater\'s state; absent until the Updater runs'),
  uptimeS: z.number(),
  updatedAt: z.number(),
});
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

type Parts = Omit<NodeStatus, 'warnings' | 'uptimeS' | 'updatedAt'>;
type Patch = { [K in keyof Parts]?: Parts[K] extends object ? Partial<Parts[K]> | Parts[K] : Parts[K] };

/**
 * The node's own status, assembled from what each actor reports. Warnings are kept
 * per source, so the Housekeeper clearing its warnings never hides the Recorder's.
 * 'change' is emitted at most once per tick however many parts changed in it.
 */
export class StatusBoard extends EventEmitter {
  #parts: Parts;
  #warnings = new Map<string, Warning[]>();
  #pending = false;
  #version = 0;
  #cached: { version: number; body: Omit<NodeStatus, 'uptimeS' | 'updatedAt'> } | null = null;
  readonly #startedAt: number;

  constructor(initial: Parts, private readonly now: () => number = Date.now) {
    super();
    this.#parts = structuredClone(initial);
    this.#startedAt = now();
  }

  /**
   * A deep copy is made once per change, not per request: /status is polled by
   * every phone, and the copy is frozen so no reader can alter the board.
   */
  snapshot(): NodeStatus {
    if (this.#cached?.version !== this.#version) {
      const body = { ...structuredClone(this.#parts), warnings: structuredClone([...this.#warnings.values()].flat()) };
      this.#cached = { version: this.#version, body: deepFreeze(body) };
    }
    const t = this.now();
    return { ...this.#cached.body, uptimeS: Math.round((t - this.#startedAt) / 1000), updatedAt: t };
  }

  /** Increments on every change; lets pollers and SSE skip identical snapshots. */
  get version(): number {
    return this.#version;
  }

  patch(patch: Patch): void {
    let changed = false;
    for (const [key, value] of Object.entries(patch) as [keyof Parts, unknown][]) {
      const cur = this.#parts[key];
      const next = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof cur === 'object' && cur !== null
        ? { ...cur, ...value }
        : value;
      if (JSON.stringify(cur) !== JSON.stringify(next)) {
        (this.#parts as Record<string, unknown>)[key] = next;
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  setWarnings(source: string, warnings: Warning[]): void {
    const cur = this.#warnings.get(source) ?? [];
    if (JSON.stringify(cur) === JSON.stringify(warnings)) return;
    if (warnings.length === 0) this.#warnings.delete(source);
    else this.#warnings.set(source, warnings);
    this.#changed();
  }

  #changed(): void {
    this.#version += 1;
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(() => {
      this.#pending = false;
      this.emit('change', this.snapshot());
    });
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
