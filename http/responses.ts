import { z } from 'zod';
import { NodeStatusSchema } from '../runtime/status.js';
import { ManifestSchema } from '../actors/recorder/manifest.js';
import { SessionMetaSchema } from '../store/events.js';
import { documentedOnly, looseDeep } from './zod.js';

/**
 * What the main routes answer, for /docs and for the serializer. Whatever another part of the
 * node produces (status, manifests, logs, recorder and coordinator answers) is wrapped in
 * looseDeep: loose at every depth, so a field added there reaches the dashboard and scripts without
 * an edit here. Objects this layer builds itself (config answers, confirm, shutdown, file index,
 * session notes) are plain objects: exactly what is written below, anything else stripped.
 */

/** This node's status as the board holds it, plus the version in its display form. */
export const StatusResponse = documentedOnly(looseDeep(NodeStatusSchema).extend({
  versionLabel: z.string().describe('The version as people read it: soccer-rig-X.Y.Z (`version` stays bare semver for scripts)'),
}));

/** Another node's status as it last published it; it may run an older release, so nothing is required. */
const PeerStatus = z.record(z.string(), z.unknown()).nullable().describe('NodeStatus as that node last published it (see GET /status), null before it was heard');

export const RigViewResponse = documentedOnly(looseDeep(z.object({
  self: z.string().describe('cameraId of the node that answered'),
  at: z.number().describe('When the view was taken (epoch ms, this node\'s clock)'),
  nodes: z.array(z.object({
    cameraId: z.string(),
    self: z.boolean(),
    reachable: z.boolean(),
    lastSeenMs: z.number().nullable(),
    status: PeerStatus,
  })).describe('Every member in field order'),
  disagreements: z.array(z.object({ code: z.string(), message: z.string(), cameraIds: z.array(z.string()) }))
    .describe('Where a node differs from the others (stale, not recording, sync off, …)'),
  mesh: z.record(z.string(), z.unknown()).describe('The replication mesh: enabled, connected peers, refused keys'),
})));

export const LooseManifest = looseDeep(ManifestSchema);

export const RecordingsResponse = looseDeep(z.object({
  recordings: z.array(LooseManifest).describe('Manifests, newest first'),
  unreadable: z.array(z.object({ file: z.string(), error: z.string() })).describe('Manifests that could not be read'),
}));

export const RigRecordingsResponse = looseDeep(z.object({
  recordings: z.array(z.record(z.string(), z.unknown())).describe('Every node\'s manifests (as in GET /recordings), newest first'),
  sessions: z.record(z.string(), z.record(z.string(), z.unknown())).describe('Notes per sessionId: home, away, venue, notes'),
}));

export const SessionResponse = z.object({ sessionId: z.string(), meta: SessionMetaSchema });

export const ConfigResponse = z.record(z.string(), z.unknown())
  .describe('The whole config (see configs/node.example.yaml); secrets are "********"');

export const ConfigUpdateResponse = z.object({
  ok: z.literal(true),
  changed: z.array(z.string()).describe('Dotted paths whose value changed'),
  restartRequired: z.array(z.string()).describe('Changed paths that take effect only after a restart'),
  notices: z.array(z.unknown()),
  config: ConfigResponse,
});

export const StartResponse = looseDeep(z.object({
  ok: z.literal(true),
  sessionId: z.string(),
  file: z.string(),
  startAt: z.number().describe('Start instant (epoch ms)'),
  firstFrameAt: z.number().describe('This node\'s first frame (epoch ms, this node\'s clock)'),
  codec: z.string(),
  codecFallbackReason: z.string().nullable(),
}));

export const StopResponse = looseDeep(z.object({
  ok: z.literal(true),
  wasRecording: z.boolean(),
  sessionId: z.string().nullable(),
  manifest: z.record(z.string(), z.unknown()).nullable().describe('The final manifest (as in GET /recordings)'),
}));

export const LockViewResponse = looseDeep(z.object({ ok: z.literal(true), snapshot: z.string().describe('base64 JPEG'), tone: z.string() }));

export const SelfTestResponse = looseDeep(z.object({
  pass: z.boolean(),
  reasons: z.array(z.string()),
  measuredFps: z.number().nullable(),
  targetFps: z.number(),
}));

const NodeResult = z.object({
  cameraId: z.string(),
  result: z.string().describe('ok, refused (with code and message) or timeout'),
  code: z.string().optional(),
  message: z.string().optional(),
});

export const StartAllResponse = looseDeep(z.object({
  sessionId: z.string(),
  startAt: z.number(),
  commandId: z.string(),
  superseded: z.boolean().describe('Another phone\'s start-all won; this is its session'),
  results: z.array(NodeResult),
}));

export const StopAllResponse = looseDeep(z.object({ results: z.array(NodeResult) }));

export const LogsResponse = looseDeep(z.object({
  mode: z.enum(['production', 'development']),
  entries: z.array(z.object({
    time: z.number(), level: z.enum(['warn', 'error', 'fatal']), msg: z.string(),
    code: z.string().optional().describe('The warning\'s code, e.g. DISK_LOW'), actor: z.string().optional(),
  })).describe('Warnings and errors only, oldest first'),
  fileError: z.string().nullable().describe('Why the development log file could not be written'),
}));

export const ConfirmResponse = z.object({ ok: z.literal(true), file: z.string(), offloaded: z.literal(true), offloadedAt: z.number().nullable() });

export const CleanupResponse = looseDeep(z.object({
  deleted: z.array(z.object({ file: z.string(), sizeBytes: z.number() })),
  kept: z.array(z.object({ file: z.string(), reason: z.string() })),
  freedBytes: z.number(),
}));

export const ShutdownResponse = z.object({ ok: z.literal(true), cameraId: z.string(), action: z.enum(['power-off', 'stop-node']) });

export const RigShutdownResponse = z.object({
  results: z.array(z.object({ cameraId: z.string(), result: z.enum(['ok', 'refused', 'unreachable']), message: z.string().optional() })),
});

export const FileIndexResponse = z.object({ files: z.array(z.object({ name: z.string(), sizeBytes: z.number() })) });
