import type { Logger } from 'pino';

export interface SupervisionOptions {
  name: string;
  log: Logger;
  /** Restarts allowed within windowMs before the actor is given up on. */
  maxRestarts?: number;
  windowMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Release what the crashed incarnation held (processes, timers) before the restart. */
  beforeRestart?: () => void | Promise<void>;
  /** Called once when the actor exceeded its restarts and was stopped. */
  onGiveUp?: (err: Error) => void;
  onRestart?: (count: number, err: Error) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The decisions nact offers (its own typings call them Symbol); the policy returns one of them. */
interface SupervisionCtx<D> { reset: D; stop: D }

/**
 * A nact onCrash policy: log through pino, restart with exponential backoff
 * (capped), and stop for good only after too many crashes in a window. It never
 * throws and never escalates: one actor's bug must not take the node down.
 */
export function restartPolicy(opts: SupervisionOptions) {
  const maxRestarts = opts.maxRestarts ?? 5;
  const windowMs = opts.windowMs ?? 60_000;
  const base = opts.baseDelayMs ?? 100;
  const cap = opts.maxDelayMs ?? 5_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const now = opts.now ?? Date.now;
  let crashes: number[] = [];
  let total = 0;

  const policy = async <D>(msg: unknown, error: unknown, ctx: SupervisionCtx<D>): Promise<D> => {
    const err = error instanceof Error ? error : new Error(String(error));
    const t = now();
    crashes = crashes.filter((c) => t - c < windowMs);
    crashes.push(t);
    total += 1;
    try {
      await opts.beforeRestart?.();
    } catch (cleanupErr) {
      opts.log.error({ err: cleanupErr, code: 'ACTOR_CLEANUP_FAILED' }, `${opts.name}: cleanup after crash failed`);
    }
    if (crashes.length > maxRestarts) {
      opts.log.error({ err, code: 'ACTOR_FAILED', crashes: crashes.length },
        `${opts.name} crashed ${crashes.length} times within ${windowMs} ms; stopped`);
      try { opts.onGiveUp?.(err); } catch { /* a reporting hook must not turn into a second crash */ }
      return ctx.stop;
    }
    const delay = Math.min(cap, base * 2 ** (crashes.length - 1));
    opts.log.error({ err, code: 'ACTOR_CRASHED', msgType: messageType(msg), restartInMs: delay },
      `${opts.name} crashed: ${err.message}; restarting in ${delay} ms`);
    await sleep(delay);
    try { opts.onRestart?.(total, err); } catch { /* see above */ }
    return ctx.reset;
  };
  return policy;
}

function messageType(msg: unknown): string | undefined {
  return msg && typeof msg === 'object' && 'type' in msg ? String((msg as { type: unknown }).type) : undefined;
}
