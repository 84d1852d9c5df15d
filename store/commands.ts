// Leaderless start resolution. Two phones can tap "start all" on two nodes at nearly the same
// moment; each node then sees two start commands, possibly in different orders. Every node
// applies the same total order to the same set, so all of them start the same session. The
// only input is the command set (never the local clock or arrival order), which is what makes
// the answer identical everywhere once the logs have replicated.
import type { CommandEvent } from './events.js'

export type StartCommand = CommandEvent & { kind: 'start' }

/** Total order on start commands: earliest issuedAt, then issuer, then commandId. */
export function compareStart(a: CommandEvent, b: CommandEvent): number {
  if (a.issuedAt !== b.issuedAt) return a.issuedAt - b.issuedAt
  if (a.issuer !== b.issuer) return a.issuer < b.issuer ? -1 : 1
  if (a.commandId !== b.commandId) return a.commandId < b.commandId ? -1 : 1
  return 0
}

export function isStart(cmd: CommandEvent): cmd is StartCommand {
  return cmd.kind === 'start'
}

export interface StartGroup {
  winner: StartCommand
  /** Every start in the group, winner first; the others are superseded by the winner. */
  members: StartCommand[]
}

/**
 * Groups start commands into sessions: a start issued within `windowMs` of a group's winner
 * competes with it (it is a concurrent start-all), a later one begins a new group (a new
 * session after the rig stopped). Measured from the winner, not chained, so a slow trickle of
 * starts cannot stretch one group forever.
 */
export function groupStarts(commands: readonly CommandEvent[], windowMs: number): StartGroup[] {
  const starts = commands.filter(isStart).slice().sort(compareStart)
  const groups: StartGroup[] = []
  const seen = new Set<string>()
  for (const cmd of starts) {
    // The same command can be seen twice (restated by a compaction); count it once.
    if (seen.has(cmd.commandId)) continue
    seen.add(cmd.commandId)
    const last = groups[groups.length - 1]
    if (last && cmd.issuedAt - last.winner.issuedAt <= windowMs) last.members.push(cmd)
    else groups.push({ winner: cmd, members: [cmd] })
  }
  return groups
}

/** The session the rig should be running, or null when no start was seen. */
export function resolveStart(commands: readonly CommandEvent[], windowMs: number): StartCommand | null {
  const groups = groupStarts(commands, windowMs)
  return groups[groups.length - 1]?.winner ?? null
}

/** The winner of the group that `cmd` belongs to (itself if it wins). */
export function winnerFor(
  cmd: StartCommand,
  commands: readonly CommandEvent[],
  windowMs: number
): StartCommand {
  const group = groupStarts([...commands, cmd], windowMs).find((g) =>
    g.members.some((m) => m.commandId === cmd.commandId)
  )
  return group ? group.winner : cmd
}

/**
 * A node coming back (reboot, lost link) must not act on a command whose instant is long past:
 * starting minutes late would make one camera's file disagree with the others'.
 */
export function isStale(cmd: CommandEvent, now: number, toleranceMs: number): boolean {
  return now - cmd.startAt > toleranceMs
}

/**
 * Whether a start is superseded by a stop the rig issued after it: a stop issued at or after
 * the start's issuedAt ends that session.
 */
export function isStopped(start: StartCommand, commands: readonly CommandEvent[]): boolean {
  return commands.some((c) => c.kind === 'stop' && c.sessionId === start.sessionId && c.issuedAt >= start.issuedAt)
}
