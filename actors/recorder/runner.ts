import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import type { Argv } from './command.js';

/**
 * The seam between recorder logic and real processes: tests pass a fake runner, production
 * passes `execaRunner`.
 */

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError: string | null;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal: NodeJS.Signals): void;
  /** Never rejects. */
  readonly exit: Promise<ProcessExit>;
}

export interface SpawnOptions {
  /** A Readable with a file descriptor (another child's stdout) shares the OS pipe. */
  stdin?: 'pipe' | 'ignore' | Readable;
  stdout?: 'pipe' | 'ignore';
  stderr?: 'pipe' | 'ignore';
}

export interface RunResult extends ProcessExit {
  stdout: string;
  stderr: string;
}

export interface ProcessRunner {
  spawn(argv: Argv, opts?: SpawnOptions): RunningProcess;
  /** Runs to completion and collects output (ffprobe, `ffmpeg -encoders`). */
  run(argv: Argv, opts?: { timeoutMs?: number }): Promise<RunResult>;
}

export const execaRunner: ProcessRunner = {
  spawn(argv, opts = {}) {
    const sub = execa(argv.file, argv.args, {
      stdin: opts.stdin ?? 'pipe',
      stdout: opts.stdout ?? 'pipe',
      stderr: opts.stderr ?? 'pipe',
      buffer: false,
      reject: false,
      // We run our own q → SIGTERM → SIGKILL ladder; execa's 5-s auto-kill would race it.
      forceKillAfterDelay: false,
      // If node dies, the encoder must not keep writing a file nobody will close.
      cleanup: true,
    });
    const exit: Promise<ProcessExit> = sub.then(
      (r) => ({
        code: r.exitCode ?? null,
        signal: r.signal ?? null,
        spawnError: r.failed && r.exitCode === undefined && !r.signal ? (r.shortMessage ?? 'failed to start') : null,
      }),
      (err: unknown) => ({ code: null, signal: null, spawnError: String(err) }),
    );
    return {
      pid: sub.pid,
      stdin: sub.stdin,
      stdout: sub.stdout,
      stderr: sub.stderr,
      kill: (signal) => {
        sub.kill(signal);
      },
      exit,
    };
  },
  async run(argv, opts = {}) {
    const r = await execa(argv.file, argv.args, {
      reject: false,
      stdin: 'ignore',
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    return {
      code: r.exitCode ?? null,
      signal: r.signal ?? null,
      spawnError: r.failed && r.exitCode === undefined && !r.signal ? (r.shortMessage ?? 'failed to start') : null,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
    };
  },
};
