import { spawn, stop, type Ref } from 'nact';
import type { Logger } from 'pino';
import { restartPolicy, type SupervisionOptions } from './supervision.js';

/**
 * One supervised actor: its state is created by init(), each message returns the
 * next state, and cleanup() releases what a state holds (timers, processes) both
 * when the actor stops and before a supervised restart replaces a crashed state.
 */
export interface ActorDef<S, M> {
  name: string;
  init(self: Ref<M>): S;
  handle(state: S, msg: M, self: Ref<M>): S | Promise<S>;
  cleanup?(state: S): void | Promise<void>;
}

export interface SpawnedActor<M> {
  ref: Ref<M>;
  /** Restarts so far, for /metrics and tests. */
  readonly restarts: number;
  readonly failed: boolean;
  stop(): Promise<void>;
}

export function spawnSupervised<S, M>(
  parent: Ref<any>,
  def: ActorDef<S, M>,
  log: Logger,
  supervision: Omit<SupervisionOptions, 'name' | 'log' | 'beforeRestart'> = {},
): SpawnedActor<M> {
  let current: S | undefined;
  let restarts = 0;
  let failed = false;
  let stopped: () => void = () => undefined;
  const stoppedP = new Promise<void>((r) => { stopped = r; });
  const cleanup = async (): Promise<void> => {
    const s = current;
    current = undefined;
    if (s !== undefined) await def.cleanup?.(s);
  };
  const onCrash = restartPolicy({
    ...supervision,
    name: def.name,
    log: log.child({ actor: def.name }),
    beforeRestart: cleanup,
    onRestart: (n, err) => { restarts = n; supervision.onRestart?.(n, err); },
    onGiveUp: (err) => { failed = true; supervision.onGiveUp?.(err); },
  });
  const ref = spawn(
    parent,
    async (state: S, msg: M, ctx) => {
      const next = await def.handle(state, msg, ctx.self as Ref<M>);
      current = next;
      return next;
    },
    def.name,
    {
      initialStateFunc: (ctx) => {
        current = def.init(ctx.self as Ref<M>);
        return current;
      },
      onCrash,
      afterStop: async () => {
        await cleanup();
        stopped();
      },
    },
  ) as Ref<M>;
  return {
    ref,
    get restarts() { return restarts; },
    get failed() { return failed; },
    async stop() {
      stop(ref);
      await stoppedP;
    },
  };
}
