// What this node has said in its own log, kept so a compaction can restate it (see log.ts): the
// latest status, every manifest and session note, and the commands, acks and confirms young
// enough to matter.
import type { AckEvent, ArmedEvent, BeepEvent, CommandEvent, ConfirmEvent, ManifestEvent, NoteEvent, RigEvent, SessionEvent, StatusEvent } from './events.js'

export class OwnState {
  status: StatusEvent | null = null
  readonly manifests = new Map<string, ManifestEvent>()
  readonly commands = new Map<string, CommandEvent>()
  readonly acks = new Map<string, AckEvent>()
  readonly armed = new Map<string, ArmedEvent>()
  readonly beeps = new Map<string, BeepEvent>()
  readonly confirms = new Map<string, ConfirmEvent>()
  readonly sessions = new Map<string, SessionEvent>()
  /** Deletions and network changes, kept (young ones) across a compaction like confirms. */
  readonly notes = new Map<string, NoteEvent>()

  remember(event: RigEvent): void {
    switch (event.type) {
      case 'status':
        this.status = event
        break
      case 'manifest':
        this.manifests.set(event.manifest.file, event)
        break
      case 'command':
        this.commands.set(event.commandId, event)
        break
      case 'ack':
        this.acks.set(event.commandId, event)
        break
      case 'armed':
        this.armed.set(event.commandId, event)
        break
      case 'beep':
        this.beeps.set(event.commandId, event)
        break
      case 'confirm':
        this.confirms.set(`${event.cameraId}/${event.file}`, event)
        break
      case 'session':
        this.sessions.set(event.sessionId, event)
        break
      case 'deletion':
      case 'network':
        this.notes.set(JSON.stringify({ ...event, seq: 0 }), event)
        break
      case 'heartbeat':
        break
    }
  }

  /**
   * The events a compaction writes: the state as of now, without commands, acks and confirms
   * older than cutoff (which are forgotten here too), ending with a fresh heartbeat so a tip is
   * never older than the compaction.
   */
  restate(cutoff: number, now: number): RigEvent[] {
    const young = <T extends { at: number }>(m: Map<string, T>): T[] => [...m.values()].filter((e) => e.at >= cutoff)
    const events: RigEvent[] = [
      ...(this.status ? [this.status] : []),
      ...this.manifests.values(),
      // Session notes live as long as the recordings they describe: kept like manifests.
      ...this.sessions.values(),
      // A beep marks a recording's audio: kept as long as the notes.
      ...this.beeps.values(),
      ...young(this.commands),
      ...young(this.acks),
      ...young(this.armed),
      ...young(this.confirms),
      ...young(this.notes),
      { type: 'heartbeat', at: now }
    ]
    for (const m of [this.commands, this.acks, this.armed, this.confirms, this.notes] as Array<Map<string, { at: number }>>) {
      for (const [k, e] of m) if (e.at < cutoff) m.delete(k)
    }
    return events.map(({ seq: _seq, ...e }) => e as RigEvent)
  }
}
