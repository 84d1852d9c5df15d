import type { RigPort } from './coordinator.js';

/**
 * Waits for an answer that changes with the log (acks, commands), with the members' reachability,
 * and with time. check() says true when settled, else the next instant (epoch ms, by now()) at
 * which time alone may settle it (Infinity: only an event can). It runs at once, on every event
 * and reachability change of the port, and at that instant: no polling.
 */
export function untilSettled(port: Pick<RigPort, 'onEvent' | 'onReachability'>, now: () => number, check: () => true | number): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    const offs: Array<() => void> = [];
    const evaluate = (): void => {
      if (done) return;
      const next = check();
      if (timer) clearTimeout(timer);
      timer = null;
      if (next === true) {
        done = true;
        for (const off of offs) off();
        resolve();
        return;
      }
      if (Number.isFinite(next)) timer = setTimeout(evaluate, Math.max(0, next - now()));
    };
    offs.push(port.onEvent(() => evaluate()), port.onReachability(evaluate));
    evaluate();
  });
}
