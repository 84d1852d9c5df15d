import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile as readFileP, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import type { Argv } from '../../../actors/recorder/command.js';
import type { ProcessExit, ProcessRunner, RunResult, RunningProcess, SpawnOptions } from '../../../actors/recorder/runner.js';

export const execFileP = promisify(execFile);

export async function tempDir(t: ExecutionContext, prefix = 'rec-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The digest as the coreutils tool computes it: an independent check of our hashing. */
export async function sha256sum(path: string): Promise<string> {
  const { stdout } = await execFileP('sha256sum', [path]);
  return stdout.split(/\s+/)[0]!;
}


/** A scripted stand-in for a process: the test drives its stdout/stderr and exit. */
export class FakeProcess implements RunningProcess {
  readonly pid = 4242;
  readonly stdin: PassThrough = new PassThrough();
  readonly stdout: PassThrough = new PassThrough();
  readonly stderr: PassThrough = new PassThrough();
  readonly signals: string[] = [];
  stdinText = '';
  readonly exit: Promise<ProcessExit>;
  private resolveExit!: (e: ProcessExit) => void;
  /** What the fake does on a signal or on `q`; default: exit like ffmpeg would. */
  onSignal: (sig: NodeJS.Signals, p: FakeProcess) => void = (sig, p) => {
    if (sig === 'SIGKILL' || sig === 'SIGTERM') p.finish({ code: null, signal: sig, spawnError: null });
  };
  onQuit: (p: FakeProcess) => void = (p) => p.finish({ code: 0, signal: null, spawnError: null });

  constructor(readonly argv: Argv, readonly opts: SpawnOptions) {
    this.exit = new Promise((r) => (this.resolveExit = r));
    this.stdin.on('data', (d: Buffer) => {
      this.stdinText += d.toString();
      if (this.stdinText.includes('q')) this.onQuit(this);
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    this.onSignal(signal, this);
  }

  progress(frame: number, outTimeUs: number, extra = ''): void {
    this.stderr.write(`frame=${frame}\nfps=30.0\nout_time_us=${outTimeUs}\ntotal_size=${frame * 100}\n${extra}speed=1.0x\nprogress=continue\n`);
  }

  private done = false;
  finish(e: ProcessExit): void {
    if (this.done) return;
    this.done = true;
    this.stdout.end();
    this.stderr.end();
    this.resolveExit(e);
  }
}

export class FakeRunner implements ProcessRunner {
  readonly spawned: FakeProcess[] = [];
  constructor(private readonly runImpl: (argv: Argv) => Partial<RunResult> = () => ({ code: 0 })) {}
  spawn(argv: Argv, opts: SpawnOptions = {}): FakeProcess {
    const p = new FakeProcess(argv, opts);
    this.spawned.push(p);
    return p;
  }
  async run(argv: Argv): Promise<RunResult> {
    return { code: 0, signal: null, spawnError: null, stdout: '', stderr: '', ...this.runImpl(argv) };
  }
}

export type { Readable, Writable };

import { fileURLToPath } from 'node:url';
import { ffmpegEncoderList, type EncoderList } from '../../../actors/recorder/encoders.js';
import { execaRunner } from '../../../actors/recorder/runner.js';
import type { SessionDeps, SessionOptions } from '../../../actors/recorder/session.js';

/** Shell fixtures live in the source tree (tsc does not copy them to dist/). */
export const fixture = (name: string): string => fileURLToPath(new URL(`../../../../test/actors/recorder/fixtures/${name}`, import.meta.url));

export const realEncoders: EncoderList = ffmpegEncoderList(execaRunner);

export function sessionOptions(dataDir: string, over: Partial<SessionOptions> = {}): SessionOptions {
  return {
    sessionId: 'S20250601A', cameraId: 'CAM_L', cameraPosition: 'left', startAt: Date.now() + 100, dataDir,
    source: { kind: 'synthetic' }, width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1, audio: false,
    softwareVersion: '0.1.0-test', snapshot: null, ...over,
  };
}

export function sessionDeps(over: Partial<SessionDeps> = {}): SessionDeps {
  return { runner: execaRunner, encoders: realEncoders, clock: { now: () => Date.now() }, ...over };
}

import type { RecordingSession } from '../../../actors/recorder/session.js';

/** Resolves once the session has reported `frames` encoded frames: a condition, not a sleep. */
export function framesRecorded(session: RecordingSession, frames: number, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { session.off('health', onHealth); reject(new Error(`fewer than ${frames} frames within ${timeoutMs} ms`)); }, timeoutMs);
    const onHealth = (h: { frame: number }): void => {
      if (h.frame < frames) return;
      clearTimeout(timer);
      session.off('health', onHealth);
      resolve();
    };
    session.on('health', onHealth);
  });
}

/** Whether a process is still there (a zombie not yet reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The real runner, remembering the pid of everything it spawned. */
export function trackingRunner(): { runner: ProcessRunner; pids: number[] } {
  const pids: number[] = [];
  return {
    pids,
    runner: {
      ...execaRunner,
      spawn: (argv, opts) => {
        const p = execaRunner.spawn(argv, opts);
        if (p.pid !== undefined) pids.push(p.pid);
        return p;
      },
    },
  };
}

import type { WatchdogTimers } from '../../../actors/recorder/process.js';

/** Timers that fire only when the test advances them: a watchdog tested without waiting. */
export class ManualTimers implements WatchdogTimers {
  private now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  set(fn: () => void, ms: number): number {
    this.pending.set(++this.seq, { at: this.now + ms, fn });
    return this.seq;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now || !this.pending.has(id)) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

/** Lets stream events already written be delivered (one turn of the event loop), no waiting. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Whether the process is blocked reading its stdin (`/proc/<pid>/syscall`: the read syscall,
 * 0 on x86-64 and 63 on arm64, on fd 0): for an encoder, up and waiting for its camera.
 */
export function blockedReadingStdin(pid: number): boolean {
  const read = process.arch === 'arm64' ? 63 : 0;
  try {
    return readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith(`${read} 0x0 `);
  } catch {
    return false;
  }
}

/**
 * Complete fragments in a fragmented MP4 being written: with the recorder's 1-s GOPs, the
 * seconds of video on disk. Counts top-level `mdat` boxes that are wholly written.
 */
export async function fragmentsIn(path: string): Promise<number> {
  let buf: Buffer;
  try {
    buf = await readFileP(path);
  } catch {
    return 0;
  }
  let off = 0;
  let n = 0;
  while (off + 8 <= buf.length) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (size === 1 && off + 16 <= buf.length) size = Number(buf.readBigUInt64BE(off + 8));
    if (size < 8 || off + size > buf.length) break;
    if (type === 'mdat') n++;
    off += size;
  }
  return n;
}

/** The pids whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
