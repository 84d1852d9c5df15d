import type { RigClock } from '../sync/rig-clock.js';
import type { TonePlayer, ToneSpec } from '../recorder/tone.js';
import type { StartCommand } from '../../store/commands.js';
import type { ArmedListener, CommandClock, RigPort } from './coordinator.js';

/**
 * The one start beep of a start-all (config audio.startBeep): a short tone at the start
 * instant, so the start can be found in every camera's audio track.
 *
 * Exactly one node beeps, chosen from what every node agrees on: the issuer of the winning
 * start command (commands.ts). Concurrent start-alls resolve to one winner, so they still give
 * one beep; a node that armed for a command that later lost is no longer armed for it at the
 * instant and stays silent. The beep sounds only when every reachable member said it is armed
 * (the 'armed' events, or an ok ack from a member already recording): a beep that a camera
 * missed would mark nothing in its track. When an 'armed' is still on its way at the instant,
 * the beep waits for it up to graceMs. The rig time it began at goes into the rig log (a 'beep'
 * event), for every node and the report: that, not the instant, is what to look for.
 */

export interface StartBeepDeps {
  port: Pick<RigPort, 'cameraId' | 'append' | 'armed' | 'acks' | 'members' | 'reachable' | 'onEvent'>;
  /** The clock the commands are timed on (rig time, or the node's own with sync.rigTime off). */
  commands: Pick<CommandClock, 'toLocal'>;
  /** Rig time, for the instant logged; the node's own clock when unknown (then flagged). */
  rig: Pick<RigClock, 'localNow' | 'toRig' | 'known'>;
  enabled: () => boolean;
  tone: () => Promise<TonePlayer>;
  spec?: ToneSpec;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /**
   * How long after the instant a member's 'armed' may still arrive (a busy node, a slow link):
   * the beep then sounds that much late, its real rig time logged, rather than not at all.
   */
  graceMs?: number;
}

const BEEP: ToneSpec = { frequencyHz: 2000, durationMs: 150, volume: 0.8 };

export class StartBeep implements ArmedListener {
  readonly #d: StartBeepDeps;
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(deps: StartBeepDeps) {
    this.#d = deps;
  }

  armed(winner: StartCommand, stillArmed: () => boolean): void {
    const d = this.#d;
    if (!d.enabled() || winner.issuer !== d.port.cameraId || this.#timers.has(winner.commandId)) return;
    // The player is found now (aplay probed), so the instant itself only spawns it.
    const player = d.tone();
    player.catch(() => undefined);
    const at = d.commands.toLocal(winner.startAt);
    // Timers run on the monotonic clock and may wake a little before the wall-clock instant: the
    // beep marks the start, so it waits again for what is left rather than sound early.
    const schedule = (ms: number): void => {
      const timer = setTimeout(wait, Math.ceil(ms));
      timer.unref();
      this.#timers.set(winner.commandId, timer); // also what makes a second armed() for this command a no-op
    };
    const wait = (): void => {
      const left = at - d.rig.localNow();
      if (left > 0) schedule(left);
      else void this.#fire(winner, stillArmed, player);
    };
    schedule(Math.max(0, at - d.rig.localNow()));
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
  }

  /** Resolves with the members still missing once none is, or when graceMs has passed. */
  #armedWithin(commandId: string, graceMs: number): Promise<string[]> {
    return new Promise((resolve) => {
      let off: () => void = () => undefined;
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve(this.#missing(commandId));
      };
      const timer = setTimeout(done, graceMs);
      off = this.#d.port.onEvent(() => { if (this.#missing(commandId).length === 0) done(); });
      if (this.#missing(commandId).length === 0) done();
    });
  }

  /** Reachable members not yet known to be armed (this node is: it is the one asking). */
  #missing(commandId: string): string[] {
    const { port } = this.#d;
    const armed = port.armed(commandId);
    const acks = port.acks(commandId);
    return port.members().filter((id) => id !== port.cameraId && port.reachable(id) && !armed.has(id) && acks.get(id)?.ok !== true);
  }

  async #fire(winner: StartCommand, stillArmed: () => boolean, player: Promise<TonePlayer>): Promise<void> {
    const d = this.#d;
    if (!stillArmed()) return; // superseded or stopped before the instant: another node beeps, or none
    const missing = await this.#armedWithin(winner.commandId, d.graceMs ?? 1000);
    if (missing.length > 0 || !stillArmed()) {
      if (missing.length > 0) d.log?.warn({ code: 'START_BEEP_SKIPPED', commandId: winner.commandId, missing }, `no start beep: ${missing.join(', ')} had not confirmed it was armed`);
      return;
    }
    const spec = d.spec ?? BEEP;
    try {
      const tone = await player;
      const startedAt = d.rig.localNow();
      void tone.play(spec).catch((err: unknown) => d.log?.warn({ err, code: 'TONE_FAILED' }, 'could not play the start beep'));
      await d.port.append({
        type: 'beep', at: Math.round(startedAt), commandId: winner.commandId, sessionId: winner.sessionId, cameraId: d.port.cameraId,
        atRig: d.rig.toRig(startedAt), rigTimeKnown: d.rig.known, durationMs: spec.durationMs, frequencyHz: spec.frequencyHz,
      });
      d.log?.info({ code: 'START_BEEP', commandId: winner.commandId, atRig: d.rig.toRig(startedAt), player: tone.kind }, 'start beep played');
    } catch (err) {
      d.log?.warn({ err, code: 'START_BEEP_FAILED' }, 'the start beep could not be played or logged');
    }
  }
}
