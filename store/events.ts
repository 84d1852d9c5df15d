// The events a node appends to its own Hypercore, and the block envelope around them.
// Every block from a peer is untrusted input: it is parsed and validated here, and a bad block
// is reported as a value (never thrown) so one corrupt or future-format block cannot stall the
// whole log.
import { z } from 'zod'

const epochMs = z.number().int().nonnegative()
const id = z.string().min(1).max(200)

/** Fields every event carries. `seq` is filled in on read with the block index. */
const base = {
  at: epochMs,
  seq: z.number().int().nonnegative().optional()
}

// NodeStatus and Manifest schemas belong to their owners (runtime/, actors/recorder/); the log
// only needs to route them, so they stay opaque records here with the few keys the view uses.
export const StatusEventSchema = z.object({
  ...base,
  type: z.literal('status'),
  cameraId: id,
  status: z.record(z.string(), z.unknown())
})

export const ManifestRecordSchema = z.looseObject({ sessionId: id, cameraId: id, file: id })

export const ManifestEventSchema = z.object({
  ...base,
  type: z.literal('manifest'),
  manifest: ManifestRecordSchema
})

export const CommandEventSchema = z.object({
  ...base,
  type: z.literal('command'),
  commandId: id,
  kind: z.enum(['start', 'stop']),
  sessionId: id,
  /** The rig-agreed instant (epoch ms) at which every node starts (or stops). */
  startAt: epochMs,
  issuedAt: epochMs,
  /** cameraId or node key of the node that issued it; a tie-breaker in commands.ts. */
  issuer: id
})

export const ErrorReasonSchema = z.object({ code: z.string().min(1), message: z.string() })

export const AckEventSchema = z.object({
  ...base,
  type: z.literal('ack'),
  commandId: id,
  /** The acknowledging node; the envelope says it too, kept here so an ack reads on its own. */
  cameraId: id,
  ok: z.boolean(),
  firstFrameAt: epochMs.optional(),
  /**
   * firstFrameAt as measured, with its fraction of a ms (a shutter measures below a ms). Beside the whole-ms field,
   * not instead of it, so a node of an older version still reads the ack.
   */
  firstFrameAtPrecise: z.number().nonnegative().optional(),
  /** The first frame on rig time; absent when this node's rig time was unknown (then syncUnknown). */
  firstFrameAtRig: z.number().nonnegative().optional(),
  /** The node started without a measured offset to the rig (alone, or just booted): SYNC_UNKNOWN. */
  syncUnknown: z.boolean().optional(),
  reason: ErrorReasonSchema.optional()
})

/**
 * A node is armed for a start command: its recorder is prepared and its shutter waits for the
 * instant. The start beep waits until every member said so (issue 10 item 6).
 */
export const ArmedEventSchema = z.object({
  ...base,
  type: z.literal('armed'),
  commandId: id,
  cameraId: id
})

/**
 * The one start beep of a start-all: which node played it and when on rig time (fractional ms),
 * so the tone can be found in every camera's audio track.
 */
export const BeepEventSchema = z.object({
  ...base,
  type: z.literal('beep'),
  commandId: id,
  sessionId: id,
  cameraId: id,
  /** When the tone began, on rig time (the node's own clock when rig time was unknown: see rigTimeKnown). */
  atRig: z.number().nonnegative(),
  rigTimeKnown: z.boolean(),
  durationMs: z.number().int().positive(),
  frequencyHz: z.number().positive()
})

export const ConfirmEventSchema = z.object({
  ...base,
  type: z.literal('confirm'),
  sessionId: id,
  cameraId: id,
  file: id,
  sha256: z.string().regex(/^[0-9a-f]{64}$/)
})

/** What the operator wrote about a session (teams, venue, notes); the newest edit wins. */
export const SessionMetaSchema = z.strictObject({
  home: z.string().max(100).optional(),
  away: z.string().max(100).optional(),
  venue: z.string().max(200).optional(),
  notes: z.string().max(2000).optional()
})

export const SessionEventSchema = z.object({
  ...base,
  type: z.literal('session'),
  sessionId: id,
  meta: SessionMetaSchema
})

export const HeartbeatEventSchema = z.object({
  ...base,
  type: z.literal('heartbeat')
})

/** A recording's video deleted on its node (retention or an operator's cleanup), with what it freed. */
export const DeletionEventSchema = z.object({
  ...base,
  type: z.literal('deletion'),
  cameraId: id,
  file: id,
  bytes: z.number().int().nonnegative(),
  /** The retention rule (maxAgeDays, minFreeMinutes, deleteAfterConfirm) or 'operator'. */
  reason: id
})

/** This node's field network changed (joined the rig Wi-Fi, fell back to its own access point). */
export const NetworkEventSchema = z.object({
  ...base,
  type: z.literal('network'),
  cameraId: id,
  from: id,
  to: id,
  reason: z.string().max(500)
})

export const RigEventSchema = z.discriminatedUnion('type', [
  StatusEventSchema,
  ManifestEventSchema,
  CommandEventSchema,
  AckEventSchema,
  ArmedEventSchema,
  BeepEventSchema,
  ConfirmEventSchema,
  SessionEventSchema,
  HeartbeatEventSchema,
  DeletionEventSchema,
  NetworkEventSchema
])

export type StatusEvent = z.infer<typeof StatusEventSchema>
export type ManifestEvent = z.infer<typeof ManifestEventSchema>
export type ManifestRecord = z.infer<typeof ManifestRecordSchema>
export type CommandEvent = z.infer<typeof CommandEventSchema>
export type AckEvent = z.infer<typeof AckEventSchema>
export type ArmedEvent = z.infer<typeof ArmedEventSchema>
export type BeepEvent = z.infer<typeof BeepEventSchema>
export type ConfirmEvent = z.infer<typeof ConfirmEventSchema>
export type HeartbeatEvent = z.infer<typeof HeartbeatEventSchema>
export type SessionEvent = z.infer<typeof SessionEventSchema>
export type SessionMeta = z.infer<typeof SessionMetaSchema>
export type DeletionEvent = z.infer<typeof DeletionEventSchema>
export type NetworkEvent = z.infer<typeof NetworkEventSchema>
/** The rig log's notes: things that happened, kept for the operator rather than folded into state. */
export type NoteEvent = DeletionEvent | NetworkEvent
export type RigEvent = z.infer<typeof RigEventSchema>
export type RigEventType = RigEvent['type']

/**
 * What is stored in one block. `base` is the index of the oldest block still needed to derive
 * this core's state: everything before it was restated by a compaction and may be cleared.
 * Carrying it in every block lets a reader that sees any one block (the tip) skip what is gone.
 */
export const BlockSchema = z.object({
  v: z.literal(1),
  cameraId: id,
  base: z.number().int().nonnegative(),
  event: RigEventSchema
})
export type Block = z.infer<typeof BlockSchema>

export function encodeBlock(block: Block): Buffer {
  return Buffer.from(JSON.stringify(BlockSchema.parse(block)))
}

export type DecodeResult =
  | { ok: true; block: Block }
  | { ok: false; code: 'BLOCK_NOT_JSON' | 'BLOCK_INVALID'; message: string }

export function decodeBlock(bytes: Uint8Array): DecodeResult {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (err) {
    return { ok: false, code: 'BLOCK_NOT_JSON', message: (err as Error).message }
  }
  const parsed = BlockSchema.safeParse(raw)
  if (!parsed.success) {
    return { ok: false, code: 'BLOCK_INVALID', message: z.prettifyError(parsed.error) }
  }
  return { ok: true, block: parsed.data }
}

export function parseEvent(value: unknown): RigEvent {
  return RigEventSchema.parse(value)
}
