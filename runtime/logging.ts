import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Ring } from './ring.js';

export type Mode = 'production' | 'development';

export interface LogEntry { time: number; level: 'warn' | 'error' | 'fatal'; msg: string; code?: string; actor?: string }

const LEVELS: Record<number, LogEntry['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Where log lines go, switchable at run time:
 * - always: warnings and errors into a bounded in-memory ring (the /logs view);
 * - production: nothing on disk; only errors reach stderr (journald), so a failing node is still diagnosable;
 * - development: every line as JSON into `<logDir>/<name>.log`, and info and above on stdout.
 * pino calls write() with one serialized JSON line per record.
 */
export class LogSink {
  readonly ring: Ring<LogEntry>;
  #mode: Mode;
  #file: WriteStream | null = null;
  #fileError: string | null = null;

  constructor(
    mode: Mode,
    private logDir: string,
    private name: string,
    private out: { stdout: (s: string) => void; stderr: (s: string) => void } = {
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
    },
    ringSize = 200,
  ) {
    this.ring = new Ring(ringSize);
    this.#mode = mode;
    if (mode === 'development') this.#openFile();
  }

  get mode(): Mode {
    return this.#mode;
  }

  /** Why development logs cannot be written (e.g. the log directory is not writable), or null. */
  get fileError(): string | null {
    return this.#fileError;
  }

  /** Resolves once a previous log file is flushed and closed. */
  setMode(mode: Mode, logDir = this.logDir): Promise<void> {
    if (mode === this.#mode && logDir === this.logDir) return Promise.resolve();
    const closed = this.#closeFile();
    this.#mode = mode;
    this.logDir = logDir;
    if (mode === 'development') this.#openFile();
    return closed;
  }

  write(line: string): void {
    let rec: { level?: number; time?: number; msg?: string; code?: string; actor?: string } = {};
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      rec = { level: 50, msg: line };
    }
    const level = rec.level ?? 30;
    const ringLevel = LEVELS[level >= 60 ? 60 : level >= 50 ? 50 : level >= 40 ? 40 : 0];
    if (ringLevel) {
      const entry: LogEntry = { time: rec.time ?? Date.now(), level: ringLevel, msg: rec.msg ?? '' };
      if (rec.code) entry.code = rec.code;
      if (rec.actor) entry.actor = rec.actor;
      this.ring.push(entry);
    }
    if (this.#mode === 'development') {
      this.#file?.write(line);
      if (level >= 30) this.out.stdout(line);
    } else if (level >= 50) {
      this.out.stderr(line);
    }
  }

  close(): Promise<void> {
    return this.#closeFile();
  }

  #openFile(): void {
    try {
      mkdirSync(this.logDir, { recursive: true });
      const stream = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
      stream.on('error', (err) => {
        this.#fileError = err.message;
        this.#file = null;
      });
      this.#file = stream;
      this.#fileError = null;
    } catch (err) {
      this.#fileError = (err as Error).message;
      this.#file = null;
    }
  }

  #closeFile(): Promise<void> {
    const f = this.#file;
    this.#file = null;
    if (!f) return Promise.resolve();
    return new Promise((resolve) => f.end(resolve));
  }
}

export function createLogger(sink: LogSink, base: Record<string, unknown> = {}): Logger {
  return pino({ level: 'debug', base, redact: { paths: ['token', 'secret', 'wpa2Key', '*.token', '*.secret', '*.wpa2Key', 'req.headers.authorization'], censor: '[redacted]' } }, sink);
}

export type { Logger };
