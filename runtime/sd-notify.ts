
/**
 * systemd readiness and watchdog. Node cannot send to a unix datagram socket
 * without a native addon, so this uses the `systemd-notify` helper; the unit
 * therefore sets NotifyAccess=all. Without NOTIFY_SOCKET (tests, demo, a shell)
 * every call is a no-op.
 */
export interface Notifier {
  ready(): Promise<void>;
  stopping(): Promise<void>;
  status(text: string): Promise<void>;
  /** Starts WATCHDOG=1 pings at half of WATCHDOG_USEC; returns a function that stops them. */
  startWatchdog(): () => void;
}

type Send = (args: string[], socket: string) => Promise<void>;

export function createNotifier(env: NodeJS.ProcessEnv = process.env, send: Send = defaultSend): Notifier {
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const notify = async (...assignments: string[]): Promise<void> => {
    if (!enabled) return;
    try {
      await send(assignments, env.NOTIFY_SOCKET as string);
    } catch {
      // A missing helper must never take a recording node down; systemd's own
      // timeouts will report a node that never became ready.
    }
  };
  return {
    ready: () => notify('READY=1'),
    stopping: () => notify('STOPPING=1'),
    status: (text) => notify(`STATUS=${text}`),
    startWatchdog() {
      const usec = Number(env.WATCHDOG_USEC);
      if (!enabled || !Number.isFinite(usec) || usec <= 0) return () => undefined;
      const timer = setInterval(() => void notify('WATCHDOG=1'), Math.max(500, usec / 2000));
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

async function defaultSend(args: string[], socket: string): Promise<void> {
  // --no-block: do not wait for systemd's barrier; --pid names this process as the main one.
  // execa is imported on first use: most nodes outside systemd never need it, and it costs ~15 MB of RSS.
  const { execa } = await import('execa');
  await execa('systemd-notify', ['--no-block', `--pid=${process.pid}`, ...args], { timeout: 5_000, env: { NOTIFY_SOCKET: socket } });
}
