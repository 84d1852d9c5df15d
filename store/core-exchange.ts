// Tells a connected peer which cores this node knows (its own and every peer's it has heard
// of), on its own protomux channel beside hypercore's replication on the same connection.
// Announcing all known cores, not only our own, lets two nodes that cannot reach each other
// still learn each other's core through a third and replicate it from that third's copy.
import Protomux, { type Channel, type Encoding, type EncodingState } from 'protomux'
import type { Duplex } from 'node:stream'
import { z } from 'zod'

export const PROTOCOL = 'soccer-rig/cores/v1'
export const MAX_ANNOUNCED_CORES = 64

export const CoreRefSchema = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  cameraId: z.string().min(1).max(200)
})
export type CoreRef = z.infer<typeof CoreRefSchema>

export const AnnouncementSchema = z.object({
  v: z.literal(1),
  cores: z.array(CoreRefSchema).max(MAX_ANNOUNCED_CORES)
})
export type Announcement = z.infer<typeof AnnouncementSchema>

// A raw UTF-8 JSON body: the message is the whole frame, so no length prefix is needed, and
// decoding never throws (validation happens in one place, below).
const jsonBody: Encoding<unknown> = {
  preencode(state: EncodingState, value: unknown) {
    state.end += Buffer.byteLength(JSON.stringify(value))
  },
  encode(state: EncodingState, value: unknown) {
    state.start += state.buffer.write(JSON.stringify(value), state.start, 'utf8')
  },
  decode(state: EncodingState) {
    const text = state.buffer.toString('utf8', state.start, state.end)
    state.start = state.end
    return text
  }
}

export interface CoreExchangeHandlers {
  onAnnouncement(announcement: Announcement): void
  /** A peer sent something that is not a valid announcement; counted, never fatal. */
  onInvalid(code: 'ANNOUNCE_NOT_JSON' | 'ANNOUNCE_INVALID', message: string): void
}

export interface CoreExchange {
  send(announcement: Announcement): void
  close(): void
}

/** Opens the channel on a connection already carrying corestore replication (same muxer). */
export function openCoreExchange(
  conn: Duplex,
  first: Announcement,
  handlers: CoreExchangeHandlers
): CoreExchange | null {
  const mux = Protomux.from(conn)
  const channel: Channel | null = mux.createChannel({
    protocol: PROTOCOL,
    unique: true,
    messages: [{ encoding: jsonBody, onmessage: (text) => receive(String(text), handlers) }],
    onopen: () => {
      channel?.messages[0]?.send(first)
    }
  })
  if (channel === null) return null // the channel is already open on this muxer
  channel.open()
  return {
    send(announcement) {
      if (channel.opened && !channel.closed) channel.messages[0]?.send(announcement)
    },
    close() {
      channel.close()
    }
  }
}

function receive(text: string, handlers: CoreExchangeHandlers): void {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    handlers.onInvalid('ANNOUNCE_NOT_JSON', (err as Error).message)
    return
  }
  const parsed = AnnouncementSchema.safeParse(raw)
  if (!parsed.success) handlers.onInvalid('ANNOUNCE_INVALID', z.prettifyError(parsed.error))
  else handlers.onAnnouncement(parsed.data)
}
