import { randomUUID } from 'node:crypto';
import type { AckEvent, ArmedEvent, CommandEvent, RigEvent } from '../../store/events.js';
import { isStale, winnerFor, type StartCommand } from '../../store/commands.js';
import type { StartReply } from '../recorder/actor.js';
import { Serial } from '../../runtime/serial.js';
import { untilSettled } from './until-settled.js';

/** What the coordinator needs from the replicated log; RigStore is adapted to this in rig-port.ts. */
export interface RigPort {
  readonly cameraId: string;
  append(event: RigEvent): Promise<unknown>;
  /** Every command seen so far, from every node. */
  commands(): CommandEvent[];
  /** The acks of one command, by camera id. */
  acks(commandId: string): ReadonlyMap<string, AckEvent>;
  /** The members armed for one start command, by camera id. */
  armed(commandId: string): ReadonlyMap<string, ArmedEvent>;
  /** Camera ids that belong to the rig as far as this node knows (itself included). */
  members(): string[];
  /** Whether that member is connected and heard from recently (this node always is). */
  reachable(cameraId: string): boolean;
  /** Called for every event from any core; replayed events have live = false. */
  onEvent(fn: (event: RigEvent, author: string, live: boolean) => void): () => void;
  /** Called whenever an answer may have changed without an event: a member connected or left. */
  onReachability(fn: () => void): () => void;
  /** Every take of this session in the rig's manifests (any node's), with its rig start instant. */
  takes(sessionId: string): Array<{ take: number; startAt: number | null }>;
}

export interface LocalRecorder {
  /**
   * Arms the recorder for `startAt` on this node's own clock (the coordinator converted the
   * rig's instant); `startAtRig` is that instant on rig time, for the manifest. onArmed is
   * called once the recorder is prepared and waits for the instant. minTake: the lowest take
   * number this recording may have (see rigTake).
   */
  start(sessionId: string, startAt: number, opts?: { startAtRig?: number; onArmed?: () => void; minTake?: number }): Promise<StartReply>;
  /** Cancels an armed start or stops a recording; resolves when done. */
  stop(reason: string): Promise<void>;
  /** The session this node is armed for or recording, if any. */
  current(): { sessionId: string; phase: string } | null;
}

export interface NodeResult {
  cameraId: string;
  result: 'ok' | 'refused' | 'timeout';
  /** This node's clock. */
  firstFrameAt?: number;
  /** The same instant on rig time; absent when that node's rig time was unknown. */
  firstFrameAtRig?: number;
  /** That node started without a measured offset to the rig (SYNC_UNKNOWN). */
  syncUnknown?: boolean;
  code?: string;
  message?: string;
}

/** The answer for a member that did not ack: still expected, or known to be out of reach. */
type Pending = 'waiting' | 'unreachable';

export interface StartAllResult { sessionId: string; startAt: number; commandId: string; superseded: boolean; results: NodeResult[] }

/** The clock commands are timed on: rig time (actors/sync/rig-clock.ts), or a node's own clock. */
export interface CommandClock {
  now(): number;
  /** A command's instant on this node's own clock, for the recorder. */
  toLocal(instant: number): number;
}

/** A node's own clock as a CommandClock (sync.rigTime: false, and unit tests). */
export const ownClock = (now: () => number = Date.now): CommandClock => ({ now, toLocal: (t) => t });

/** Told when this node armed for a winner (the start beep listens: start-beep.ts). */
export interface ArmedListener { armed(winner: StartCommand, stillArmed: () => boolean): void }

export interface CoordinatorOptions {
  port: RigPort;
  recorder: LocalRecorder;
  /** Shorthand for clock: ownClock(now). */
  now?: () => number;
  /** Every instant the coordinator writes or compares (issuedAt, startAt, staleness, windows) is on this clock. */
  clock?: CommandClock;
  onArmed?: ArmedListener;
  /** Two start-alls issued within this window are one session. */
  concurrencyWindowMs?: number;
  /** A command whose instant is further in the past than this is not acted on. */
  staleAfterMs?: number;
  /** How long after startAt the initiator waits for acks. */
  ackTimeoutMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/**
 * Leaderless start/stop. Any node may append a command; every node (the issuer too)
 * reacts to the commands it sees in the replicated log the same way:
 * - a start: find the winner of its group (commands.ts: earliest issuedAt, then issuer,
 *   then id), arm the recorder for the winner's session and instant, ack the winner;
 *   if a different winner shows up while still armed, re-arm for it;
 * - a stop: stop the recorder if it runs that session, ack.
 * Commands replayed from disk or arriving after their instant (a node that was away) are
 * never acted on, so nobody starts late on a stale command.
 */
export class RigCoordinator {
  readonly #o: Required<Omit<CoordinatorOptions, 'log' | 'clock' | 'onArmed'>> & Pick<CoordinatorOptions, 'log' | 'onArmed'>;
  readonly #clock: CommandClock;
  readonly #handled = new Set<string>();
  #armedFor: StartCommand | null = null;
  /** One command at a time: a start and its competitor must be decided in order. */
  readonly #commands = new Serial();
  #unsubscribe: (() => void) | null = null;

  constructor(opts: CoordinatorOptions) {
    this.#clock = opts.clock ?? ownClock(opts.now);
    // now() is the command clock's: rig time on a networked node (so a node whose own clock runs
    // seconds ahead does not see a fresh start as stale), the node's own clock otherwise.
    this.#o = { concurrencyWindowMs: 1000, staleAfterMs: 2000, ackTimeoutMs: 8000, ...opts, now: this.#clock.now };
  }

  open(): void {
    this.#unsubscribe = this.#o.port.onEvent((event, _author, live) => {
      if (event.type !== 'command' || !live) return;
      this.#commands.run(() => this.#onCommand(event)).catch((err: unknown) =>
        this.#o.log?.warn({ err, code: 'RIG_COMMAND_FAILED' }, 'acting on a rig command failed'));
    });
  }

  close(): void {
    this.#unsubscribe?.();
  }

  async startAll(opts: { sessionId: string; leadMs: number }): Promise<StartAllResult> {
    const { port, now } = this.#o;
    // Whole ms: the log's instants are integers (rig time is fractional).
    const issuedAt = Math.round(now());
    const cmd: CommandEvent = {
      type: 'command', at: issuedAt, commandId: randomUUID(), kind: 'start', sessionId: opts.sessionId,
      startAt: issuedAt + opts.leadMs, issuedAt, issuer: port.cameraId,
    };
    await port.append(cmd);
    // Answer for the session the rig actually runs: a concurrent start-all from another phone may win.
    const deadline = cmd.startAt + this.#o.ackTimeoutMs;
    let winner = cmd as StartCommand;
    // Decided again on each ack, command or change of reachability, and at the instants when
    // time alone changes the answer (just after the start instant, once it is stale, the deadline).
    await untilSettled(port, now, () => {
      winner = winnerFor(cmd as StartCommand, port.commands(), this.#o.concurrencyWindowMs);
      const t = now();
      const started = winner.startAt + 50;
      const stale = winner.startAt + this.#o.staleAfterMs;
      // A member out of reach once the command is stale cannot start on it any more (a node
      // never starts late), so there is nothing left to wait for.
      const final = t > stale;
      const settled = t > started && this.#pending(winner.commandId).every(([, p]) => p === 'unreachable' && final);
      if (settled || t >= deadline) return true;
      return Math.min(deadline, t <= started ? started + 1 : Infinity, final ? Infinity : stale + 1);
    });
    return {
      sessionId: winner.sessionId, startAt: winner.startAt, commandId: winner.commandId,
      superseded: winner.commandId !== cmd.commandId,
      results: this.#results(winner.commandId, true, 'out of reach at the start instant; it does not start on this command'),
    };
  }

  async stopAll(sessionId: string | null): Promise<{ commandId: string; results: NodeResult[] }> {
    const { port, now } = this.#o;
    const t = Math.round(now());
    const cmd: CommandEvent = {
      type: 'command', at: t, commandId: randomUUID(), kind: 'stop', sessionId: sessionId ?? 'any',
      startAt: t, issuedAt: t, issuer: port.cameraId,
    };
    await port.append(cmd);
    // Stopping finalises files, so a reachable node gets time for it; a node out of reach is
    // not waited for: it stops this session when it is back (see #onCommand).
    const deadline = t + this.#o.ackTimeoutMs + 20_000;
    await untilSettled(port, now, () =>
      now() >= deadline || this.#pending(cmd.commandId).every(([, p]) => p === 'unreachable') || deadline);
    return { commandId: cmd.commandId, results: this.#results(cmd.commandId, true, 'out of reach; it stops this session when it is back') };
  }

  /** Members that have not acked the command yet, and whether they are out of reach. */
  #pending(commandId: string): Array<[string, Pending]> {
    const { port } = this.#o;
    const acks = port.acks(commandId);
    return port.members().filter((id) => !acks.has(id)).map((id) => [id, port.reachable(id) ? 'waiting' : 'unreachable']);
  }

  #results(commandId: string, final: boolean, unreachableMessage?: string): NodeResult[] {
    const { port } = this.#o;
    const acks = port.acks(commandId);
    return port.members().map((cameraId): NodeResult => {
      const a = acks.get(cameraId);
      if (!a && final && unreachableMessage && !port.reachable(cameraId)) {
        return { cameraId, result: 'timeout', code: 'NODE_UNREACHABLE', message: unreachableMessage };
      }
      if (!a) return { cameraId, result: 'timeout', ...(final ? { message: 'no answer in time' } : {}) };
      const firstFrameAt = a.firstFrameAtPrecise ?? a.firstFrameAt;
      if (a.ok) {
        return {
          cameraId, result: 'ok', ...(firstFrameAt !== undefined ? { firstFrameAt } : {}),
          ...(a.firstFrameAtRig !== undefined ? { firstFrameAtRig: a.firstFrameAtRig } : {}), ...(a.syncUnknown ? { syncUnknown: true } : {}),
        };
      }
      return { cameraId, result: 'refused', ...(a.reason ? { code: a.reason.code, message: a.reason.message } : {}) };
    });
  }

  async #onCommand(cmd: CommandEvent): Promise<void> {
    const { port, recorder, now } = this.#o;
    if (this.#handled.has(cmd.commandId)) return;
    this.#handled.add(cmd.commandId);
    if (isStale(cmd, now(), this.#o.staleAfterMs)) {
      // A late start is never acted on (a camera starting seconds after the others is worse
      // than one that is missing), but a late stop of the session this node still records is:
      // the operator ended that session while this node was out of reach.
      if (cmd.kind === 'stop' && this.#coversCurrent(cmd)) {
        this.#o.log?.info({ commandId: cmd.commandId, code: 'RIG_LATE_STOP' }, `stopping ${recorder.current()?.sessionId}: the rig stopped it while this node was out of reach`);
        await recorder.stop('stop-all (received late)');
        this.#armedFor = null;
        await this.#ack(cmd.commandId, true);
        return;
      }
      this.#o.log?.warn({ commandId: cmd.commandId, code: 'RIG_COMMAND_STALE' }, `ignoring ${cmd.kind} command for ${cmd.sessionId}: its instant has passed`);
      return;
    }
    if (cmd.kind === 'stop') {
      const cur = recorder.current();
      if (cur && (cmd.sessionId === 'any' || cur.sessionId === cmd.sessionId)) await recorder.stop('stop-all');
      if (this.#armedFor && (cmd.sessionId === 'any' || this.#armedFor.sessionId === cmd.sessionId)) this.#armedFor = null;
      await this.#ack(cmd.commandId, true);
      return;
    }
    const winner = winnerFor(cmd as StartCommand, port.commands(), this.#o.concurrencyWindowMs);
    if (this.#armedFor?.commandId === winner.commandId) return; // a loser of a group we already follow
    const previous = this.#armedFor;
    const cur = recorder.current();
    // "Pending": the previous winner's instant has not come yet, so the recorder is armed for
    // it (or about to be: its start may still sit in the recorder's mailbox, not yet in status).
    const pending = previous !== null && now() < previous.startAt;
    if (previous && (pending || cur?.sessionId === previous.sessionId)) {
      if (!pending || now() >= previous.startAt - 20) {
        // Too late to switch: the other session already started here. Keep recording (nothing
        // is lost) and tell the winner's initiator why this node is not on its session.
        await this.#ack(winner.commandId, false, { code: 'SESSION_CONFLICT', message: `already recording ${previous.sessionId}` });
        return;
      }
      // The recorder's mailbox keeps order: this cancel lands after the earlier start, before the new one.
      void recorder.stop('superseded by a concurrent start-all');
    } else if (cur && cur.phase === 'recording') {
      await this.#ack(winner.commandId, false, { code: 'ALREADY_RECORDING', message: `recording ${cur.sessionId}; stop it first` });
      return;
    }
    this.#armedFor = winner;
    const stillArmed = (): boolean => this.#armedFor?.commandId === winner.commandId;
    const onArmed = (): void => {
      if (!stillArmed()) return;
      port.append({ type: 'armed', at: Math.max(0, Math.round(now())), commandId: winner.commandId, cameraId: port.cameraId })
        .catch((err: unknown) => this.#o.log?.warn({ err, code: 'RIG_ARMED_FAILED' }, 'could not tell the rig this node is armed'));
      this.#o.onArmed?.armed(winner, stillArmed);
    };
    // Not awaited: the recorder answers after the first frame, and a competing command that
    // arrives meanwhile must still be able to re-arm it. The rig's instant becomes this node's
    // own with the offset measured now (rig-clock.ts).
    const minTake = rigTake(port.takes(winner.sessionId), winner.startAt);
    void recorder.start(winner.sessionId, this.#clock.toLocal(winner.startAt), { startAtRig: winner.startAt, onArmed, minTake }).then(async (reply) => {
      if (!reply.ok && reply.code === 'START_CANCELLED') return; // re-armed for another winner
      if (reply.ok) await this.#ack(winner.commandId, true, undefined, reply.firstFrameAt, reply);
      else await this.#ack(winner.commandId, false, { code: reply.code, message: reply.message });
    }).catch((err: unknown) => this.#o.log?.warn({ err, code: 'RIG_ACK_FAILED' }, 'could not acknowledge a start'));
  }

  /**
   * Whether a stop issued earlier ends what this node records now: the same session by name,
   * or ("any") a rig session that had started before the stop was issued. A recording started
   * on this node alone is left running: when it began relative to the stop is unknown.
   */
  #coversCurrent(stop: CommandEvent): boolean {
    const cur = this.#o.recorder.current();
    if (!cur || cur.phase !== 'recording') return false;
    if (stop.sessionId !== 'any') return cur.sessionId === stop.sessionId;
    return this.#o.port.commands().some((c) => c.kind === 'start' && c.sessionId === cur.sessionId && c.startAt <= stop.issuedAt);
  }

  async #ack(commandId: string, ok: boolean, reason?: { code: string; message: string }, firstFrameAt?: number,
    sync?: { firstFrameAtRig?: number | null; syncUnknown?: boolean }): Promise<void> {
    const { port, now } = this.#o;
    const rig = sync?.firstFrameAtRig;
    await port.append({
      type: 'ack', at: Math.max(0, Math.round(now())), commandId, cameraId: port.cameraId, ok,
      ...(firstFrameAt !== undefined ? { firstFrameAt: Math.round(firstFrameAt), firstFrameAtPrecise: firstFrameAt } : {}),
      ...(typeof rig === 'number' ? { firstFrameAtRig: rig } : {}), ...(sync?.syncUnknown ? { syncUnknown: true } : {}),
      ...(reason ? { reason } : {}),
    });
  }
}

/**
 * The take a start-all's recordings get: one past every take of the session the rig already
 * holds on any node, so one start-all is one take number on every camera. Counted per node, a
 * start-all retried after one camera refused (or after one camera's test recording under the
 * same id) gave that camera take 1 and the others take 2, and the QC report and the laptop
 * paired recordings of different starts. This start's own manifests (same rig instant, written
 * by members that armed first) are not an earlier take.
 */
export function rigTake(takes: ReadonlyArray<{ take: number; startAt: number | null }>, startAt: number): number {
  return 1 + takes.reduce((max, t) => (t.startAt === startAt ? max : Math.max(max, t.take)), 0);
}
